// Runs in the sandboxed settings window before the page: exposes the contract's raw channel as
// `window.socketWarden` and nothing else. The page never sees ipcRenderer itself. Bundled to
// CommonJS by scripts/build-preload.mjs (sandboxed preloads cannot load ES modules).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ContractBridge } from '../../shared/ipc-contract.js';
import { callChannel, eventChannel } from '../main/ipc-channels.js';

const bridge: ContractBridge = {
  invoke: (name, input) => ipcRenderer.invoke(callChannel, name, input),
  subscribe(listener) {
    const handler = (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (typeof name === 'string') listener(name, payload);
    };
    ipcRenderer.on(eventChannel, handler);
    return () => {
      ipcRenderer.removeListener(eventChannel, handler);
    };
  },
};

contextBridge.exposeInMainWorld('socketWarden', bridge);
