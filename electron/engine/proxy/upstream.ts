// The engine side of the proxy: a pool of keep-alive connections to the engine's unix socket. The
// proxy speaks HTTP/1.1 on them itself (engine-exchange.ts) rather than through node:http's client:
// the engine's response bytes can then go to the client as they came, with no per-request streams.
import net from 'node:net';
import { MESSAGE_PREFIX } from './engine-error.js';

/** Buffering per direction of a streamed body (Node 20 defaults to 16 KiB): fewer pause/resume round
 * trips per streamed gigabyte, still bounded so memory stays flat during 1 GB transfers. */
export const STREAM_HIGH_WATER_MARK = 256 * 1024;
/** Idle connections kept open; more are closed when released. */
const MAX_IDLE = 256;

/** Whoever is using a connection gets its events; an idle connection has none. */
export interface LinkHandler {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onClose(error: Error | null): void;
}

/** One connection to the engine, reused across requests. */
export class EngineLink {
  handler: LinkHandler | null = null;
  private error: Error | null = null;
  private readonly listeners = {
    data: (chunk: Buffer): void => {
      if (this.handler) this.handler.onData(chunk);
      // Nothing is asked of an idle connection: bytes on it mean it cannot be trusted for the next request.
      else this.socket.destroy();
    },
    end: (): void => {
      if (this.handler) this.handler.onEnd();
      else this.socket.destroy();
    },
    error: (error: Error): void => {
      this.error = error;
    },
    close: (): void => {
      this.closed = true;
      this.onGone(this);
      this.handler?.onClose(this.error);
    },
  };
  closed = false;

  constructor(
    readonly socket: net.Socket,
    /** True when the connection already served a request (it may have been closed by the engine since). */
    public reused: boolean,
    private readonly onGone: (link: EngineLink) => void,
  ) {
    socket.on('data', this.listeners.data);
    socket.on('end', this.listeners.end);
    socket.on('error', this.listeners.error);
    socket.on('close', this.listeners.close);
  }

  /** Hands the socket over (a hijacked stream); the pool forgets it. */
  detach(): net.Socket {
    this.handler = null;
    this.socket.off('data', this.listeners.data);
    this.socket.off('end', this.listeners.end);
    this.socket.off('error', this.listeners.error);
    this.socket.off('close', this.listeners.close);
    this.onGone(this);
    return this.socket;
  }
}

export class Upstream {
  private readonly idle: EngineLink[] = [];
  private readonly all = new Set<EngineLink>();

  constructor(readonly socketPath: string) {}

  /** The most recently used idle connection, or a new one (writes before it connects are queued). */
  acquire(): EngineLink {
    const reused = this.idle.pop();
    if (reused) return reused;
    const socket = net.connect({
      path: this.socketPath,
      // A hijacked stream ends each direction on its own (`echo hi | docker exec -i c cat`).
      allowHalfOpen: true,
      // net.Socket hands its options to stream.Duplex, which takes highWaterMark (untyped in @types/node 20).
      ...({ highWaterMark: STREAM_HIGH_WATER_MARK } as object),
    });
    socket.setNoDelay(true);
    const link = new EngineLink(socket, false, (gone) => this.forget(gone));
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
    link.reused = true;
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
