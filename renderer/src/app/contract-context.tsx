// Gives every view the contract client, the latest app state, and a way to listen to pushes.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { AppState, ContractClient, EventName, EventPayload } from '../../../shared/ipc-contract.js';

interface ContractContextValue {
  client: ContractClient;
  state: AppState | undefined;
  /** Why the first getState failed, if it did. */
  loadError: string | undefined;
  connected: boolean;
}

const ContractContext = createContext<ContractContextValue | undefined>(undefined);

export function ContractProvider(props: { client: ContractClient; connected: boolean; children: ReactNode }) {
  const { client } = props;
  const [state, setState] = useState<AppState>();
  const [loadError, setLoadError] = useState<string>();

  useEffect(() => {
    let live = true;
    const stop = client.on('stateChanged', (next) => setState(next));
    void client.call('getState', undefined).then((answer) => {
      if (!live) return;
      if (answer.ok) setState(answer.value);
      else setLoadError(answer.error.message);
    });
    return () => {
      live = false;
      stop();
    };
  }, [client]);

  // Reconnected after a gap: pushes may have been missed, so ask again.
  const wasConnected = useRef(props.connected);
  useEffect(() => {
    const reconnected = props.connected && !wasConnected.current;
    wasConnected.current = props.connected;
    if (reconnected)
      void client.call('getState', undefined).then((answer) => answer.ok && setState(answer.value));
  }, [client, props.connected]);

  return (
    <ContractContext.Provider value={{ client, state, loadError, connected: props.connected }}>
      {props.children}
    </ContractContext.Provider>
  );
}

export function useContract(): ContractContextValue {
  const value = useContext(ContractContext);
  if (!value) throw new Error('useContract outside ContractProvider');
  return value;
}

/** Calls `listener` for each pushed event of one kind while the component is mounted. */
export function useContractEvent<E extends EventName>(
  event: E,
  listener: (payload: EventPayload<E>) => void,
): void {
  const { client } = useContract();
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => client.on(event, (payload) => latest.current(payload)), [client, event]);
}

/** A clock that ticks every `ms`, so relative times stay true without a reload. */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
