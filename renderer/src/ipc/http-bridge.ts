// The contract over HTTP, for the pane `socket-warden serve --ui` serves: one POST per request and a
// server-sent event stream for pushes, both carrying the token from the page's own URL.
import { contractEvents, type ContractBridge } from '../../../shared/ipc-contract.js';

export type ConnectionListener = (connected: boolean) => void;

export function createHttpBridge(location: Location, onConnection?: ConnectionListener): ContractBridge {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  return {
    async invoke(name, input) {
      const response = await fetch(`./api/call/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ input }),
        cache: 'no-store',
      });
      // Error statuses still carry a contract envelope (401, 421, ...): hand it on for the pane to show.
      return (await response.json()) as unknown;
    },
    subscribe(listener) {
      const source = new EventSource(`./api/events?token=${encodeURIComponent(token)}`);
      const names = Object.keys(contractEvents);
      const handlers = names.map((name) => {
        const handler = (message: MessageEvent<string>) => {
          let payload: unknown;
          try {
            payload = JSON.parse(message.data);
          } catch {
            return;
          }
          listener(name, payload);
        };
        source.addEventListener(name, handler);
        return handler;
      });
      source.onopen = () => onConnection?.(true);
      source.onerror = () => onConnection?.(false);
      return () => {
        names.forEach((name, index) => source.removeEventListener(name, handlers[index] as EventListener));
        source.close();
      };
    },
  };
}
