// Reads from a client into reusable buffers, as the engine side does (see read-buffers.ts). Node offers
// this (`onread`) only for sockets it connects, not for the ones a server accepts; those get it through
// the same internal fields `onread` sets. Without them (a Node release that renamed them), reads fall
// back to Node's own fresh buffers: uploads then cost more CPU, and nothing else changes.
import type net from 'node:net';
import { ReusableReads, type ReadBufferPool } from './read-buffers.js';

export interface ClientReads {
  /** Keeps the bytes of the current `onData` call alive until the release is called. */
  hold(): () => void;
  /** Whether reads go into reusable buffers (false: Node's fresh buffers, `hold` is free). */
  readonly reusable: boolean;
}

const noRelease = (): void => undefined;

interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

function internalSymbol(socket: net.Socket, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === description);
}

/**
 * Delivers the socket's bytes to `onData` (a view valid only during the call: copy it, or `hold`).
 * Call before the socket reads anything: on a server made with `pauseOnConnect`, then resume it.
 */
export function readClient(
  socket: net.Socket,
  pool: ReadBufferPool,
  onData: (chunk: Buffer) => void,
): ClientReads {
  const kBuffer = internalSymbol(socket, 'kBuffer');
  const kBufferGen = internalSymbol(socket, 'kBufferGen');
  const kBufferCb = internalSymbol(socket, 'kBufferCb');
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  if (!kBuffer || !kBufferGen || !kBufferCb || typeof handle?.useUserBuffer !== 'function') {
    socket.on('data', onData);
    return { hold: () => noRelease, reusable: false };
  }
  const reads = new ReusableReads(pool);
  const fields = socket as unknown as Record<symbol, unknown>;
  const first = reads.next();
  fields[kBuffer] = first;
  fields[kBufferGen] = () => reads.next();
  fields[kBufferCb] = (bytes: number, buffer: Uint8Array): boolean => {
    onData(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
    // Flow control is the caller's, through socket.pause() and resume().
    return true;
  };
  handle.useUserBuffer(first);
  socket.once('close', () => reads.dispose());
  return { hold: () => reads.hold(), reusable: true };
}
