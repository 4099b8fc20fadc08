// Transport 1 of the IPC contract: Electron's ipcMain.handle for requests, webContents.send for
// pushed events. The only main-process file that touches raw IPC (the lint rule enforces it).
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { ContractEventEmitter, ContractHandlers, Envelope } from '../../shared/ipc-contract.js';
import { createDispatcher } from '../core/contract/dispatcher.js';
import { callChannel, eventChannel } from './ipc-channels.js';
import { isTrustedSender } from './sender-check.js';

export interface IpcServeOptions {
  handlers: ContractHandlers;
  events: ContractEventEmitter;
  /** The settings window's webContents, when it exists. */
  window: () => WebContents | undefined;
  /** file:// URL of the renderer's index.html. */
  pageUrl: string;
  onInternalError?: (request: string, error: unknown) => void;
  onRefused?: (why: string) => void;
}

/** Starts answering; returns the function that stops. */
export function serveContractOverIpc(options: IpcServeOptions): () => void {
  const dispatcher = createDispatcher(options.handlers, { onInternalError: options.onInternalError });

  ipcMain.handle(
    callChannel,
    async (event: IpcMainInvokeEvent, name: unknown, input: unknown): Promise<Envelope<unknown>> => {
      const frame = event.senderFrame;
      const trusted = isTrustedSender(
        {
          senderId: event.sender.id,
          frameUrl: frame?.url,
          isMainFrame: frame !== null && frame === event.sender.mainFrame,
        },
        { windowId: options.window()?.id, pageUrl: options.pageUrl },
      );
      if (!trusted) {
        options.onRefused?.(
          `IPC call from ${frame?.url ?? 'a closed frame'} refused: not the Socket Warden window`,
        );
        return {
          ok: false,
          error: { code: 'unavailable', message: 'only the Socket Warden window may call' },
        };
      }
      if (typeof name !== 'string')
        return { ok: false, error: { code: 'invalid-input', message: 'request name must be a string' } };
      return dispatcher.dispatch(name, input);
    },
  );

  const unsubscribe = options.events.subscribe((event, payload) => {
    const contents = options.window();
    if (contents && !contents.isDestroyed()) contents.send(eventChannel, event, payload);
  });

  return () => {
    ipcMain.removeHandler(callChannel);
    unsubscribe();
  };
}
