// The engine side of the proxy: a pool of keep-alive connections to the engine's unix socket. The
// proxy speaks HTTP/1.1 on them itself (engine-exchange.ts) rather than through node:http's client:
// the engine's response bytes can then go to the client as they came, with no per-request streams.
import net from 'node:net';
import { MESSAGE_PREFIX } from './engine-error.js';
import { ReadBufferPool, ReusableReads } from './read-buffers.js';

/** Buffering per direction of a streamed body (Node 20 defaults to 16 KiB): fewer pause/resume round
 * trips per streamed gigabyte, still bounded so memory stays flat during 1 GB transfers. */
export const STREAM_HIGH_WATER_MARK = 256 * 1024;
/** Idle connections kept open; more are closed when released. */
const MAX_IDLE = 256;

/** Whoever is using a connection gets its events; an idle connection has none. */
export interface LinkHandler {
  /**
   * Bytes read from the engine. `chunk` is a view into a reused buffer, valid only during this call:
   * keep a copy, or call `hold()` on the link now and its release once the bytes are written.
   */
  onData(chunk: Buffer): void;
  onEnd(): void;
  onClose(error: Error | null): void;
}

/** One connection to the engine, reused across requests. */
export class EngineLink {
  handler: LinkHandler | null = null;
  closed = false;
  readonly socket: net.Socket;
  private readonly reads: ReusableReads;
  private error: Error | null = null;

  constructor(
    socketPath: string,
    buffers: ReadBufferPool,
    private readonly onGone: (link: EngineLink) => void,
  ) {
    this.reads = new ReusableReads(buffers);
    this.socket = net.connect({
      path: socketPath,
      // A hijacked stream ends each direction on its own (`echo hi | docker exec -i c cat`).
      allowHalfOpen: true,
      // How much of a streamed request body may wait to be written before the client is paused.
      // net.Socket hands its options to stream.Duplex, which takes it (untyped in @types/node 20).
      ...({ writableHighWaterMark: STREAM_HIGH_WATER_MARK } as object),
      onread: {
        buffer: () => this.reads.next(),
        callback: (bytes: number, buffer: Uint8Array): boolean => {
          const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, bytes);
          if (this.handler) this.handler.onData(chunk);
          // Nothing is asked of an idle connection: bytes on it mean it cannot be trusted for the next request.
          else this.socket.destroy();
          // Flow control is the handler's, through socket.pause() and resume().
          return true;
        },
      },
    });
    this.socket.setNoDelay(true);
    this.socket.on('end', () => {
      if (this.handler) this.handler.onEnd();
      else this.socket.destroy();
    });
    this.socket.on('error', (error: Error) => {
      this.error = error;
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.reads.dispose();
      this.onGone(this);
      this.handler?.onClose(this.error);
    });
  }

  /**
   * Keeps the bytes just delivered to `onData` from being overwritten until the returned release is
   * called (by the write that carries them). Only valid during `onData`.
   */
  hold(): () => void {
    return this.reads.hold();
  }
}

export class Upstream {
  private readonly idle: EngineLink[] = [];
  private readonly all = new Set<EngineLink>();
  /** Shared with the client side (proxy-server.ts): read buffers of both directions come from one pool. */
  readonly buffers = new ReadBufferPool();

  constructor(readonly socketPath: string) {}

  /** The most recently used idle connection, or a new one (writes before it connects are queued). */
  acquire(): EngineLink {
    const reused = this.idle.pop();
    if (reused) return reused;
    const link = new EngineLink(this.socketPath, this.buffers, (gone) => this.forget(gone));
    this.all.add(link);
    return link;
  }

  /** Back into the pool after a complete exchange. */
  release(link: EngineLink): void {
    link.handler = null;
    if (link.closed || link.socket.destroyed || this.idle.length >= MAX_IDLE) {
      link.socket.destroy();
      return;
    }
    if (link.socket.isPaused()) link.socket.resume();
    this.idle.push(link);
  }

  unreachableMessage(error: Error | null): string {
    const why = (error as NodeJS.ErrnoException | null)?.code ?? error?.message ?? 'connection closed';
    return `${MESSAGE_PREFIX}cannot reach the Docker Engine at ${this.socketPath} (${why}); is it running? Socket Warden keeps enforcing and reconnects when the engine is back.`;
  }

  close(): void {
    for (const link of this.all) link.socket.destroy();
    this.all.clear();
    this.idle.length = 0;
  }

  private forget(link: EngineLink): void {
    this.all.delete(link);
    const at = this.idle.indexOf(link);
    if (at !== -1) this.idle.splice(at, 1);
  }
}
