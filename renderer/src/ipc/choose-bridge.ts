// The pane codes against the contract client only; this is the one place that knows two transports
// exist. Inside Electron the preload has put the bridge on `window`; anywhere else it is HTTP.
import type { ContractBridge } from '../../../shared/ipc-contract.js';
import { createHttpBridge, type ConnectionListener } from './http-bridge.js';

declare global {
  interface Window {
    /** Set by electron/preload/preload.ts through contextBridge. */
    socketWarden?: ContractBridge;
  }
}

export function chooseBridge(onConnection?: ConnectionListener): ContractBridge {
  return window.socketWarden ?? createHttpBridge(window.location, onConnection);
}
