import { StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createContractClient } from '../../shared/ipc-contract.js';
import { App } from './app/App.js';
import { ContractProvider } from './app/contract-context.js';
import { chooseBridge } from './ipc/choose-bridge.js';
import './styles.css';

function Root() {
  const [connected, setConnected] = useState(true);
  const client = useMemo(
    () =>
      createContractClient(chooseBridge(setConnected), {
        onViolation: (what, error) =>
          console.error(`Socket Warden: dropped ${what}: it broke the contract`, error.issues),
      }),
    [],
  );
  return (
    <ContractProvider client={client} connected={connected}>
      <App />
    </ContractProvider>
  );
}

const container = document.getElementById('root');
if (container) {
  createRoot(container).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  );
}
