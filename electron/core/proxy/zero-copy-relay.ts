// Bytes from one socket to another without passing through JavaScript: the splice(2) relay of
// native/splice/ (built by `npm run build`), which moves them socket -> pipe -> socket in the kernel.
// Streaming a gigabyte through the JS relay costs two copies into and out of the process and a turn of
// the event loop per read; this costs neither. Where the addon cannot load (not Linux, not built,
// SW_ZERO_COPY=off), `SpliceRelay.open` answers null and callers keep their JS relay.
//
// While a relay runs, the two Node sockets neither read nor write: `from` reads through `onread`, as
// the proxy's sockets do (upstream.ts, client-reads.ts), so pausing it stops its reads at once and no
// bytes wait in a Node buffer; the writes to `to` were flushed before it started, and nothing else
// writes meanwhile. It stops, and hands back to
// Node, at the end of its last plan, at the end of the input, and on errors; the input's end is then
// read again by Node itself when the caller resumes `from`, so 'end' and half-close go as before.
import { createRequire } from 'node:module';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';

/** What to do with the next input bytes, in this order. */
export interface SplicePlan {
  /** Input bytes to read and drop (framing that is not forwarded). */
  skip?: number;
  /** Bytes of the relay's own to write out first (framing of its own). */
  emit?: Buffer;
  /** Input bytes to move to the output, or 'all' up to the input's end. */
  move: number | 'all';
  /** Done after this plan; otherwise `next` is asked on the input that follows. */
  last: boolean;
  /**
   * The move ends exactly where a chunk's data ends (chunked framing): the relay then goes on by
   * itself over the chunks that follow in the canonical framing (CRLF, lowercase hex size without
   * leading zeros, CRLF), asking `next` only at anything else: the last chunk, extensions, another
   * spelling, a run of small chunks.
   */
  chunks?: boolean;
}

export interface SpliceEvents {
  /**
   * A plan that was not the last is done: the next one, decided on the input bytes waiting (a copy of
   * up to 256 of them, not consumed). Null stops the relay; the caller closes it. `chunkEnded`: while
   * following chunks (SplicePlan.chunks), the relay moved the CRLF after the last chunk's data, which
   * came alone; `waiting` starts after it.
   */
  next?(waiting: Buffer, chunkEnded: boolean): SplicePlan | null;
  /** The last plan is done; every byte was written out. */
  done(): void;
  /** The input ended with `left` bytes of the plan still to move (Infinity for 'all'). */
  ended(left: number): void;
  /** A read from `from` or a write to `to` failed. */
  failed(error: NodeJS.ErrnoException, side: 'read' | 'write'): void;
}

interface NativeRelay {
  open(fromFd: number, toFd: number, onEvent: (kind: number, value: number, peeked?: Buffer) => void): object;
  plan(handle: object, skip: number, emit: Buffer | null, move: number, last: boolean, chunks: boolean): void;
  moved(handle: object): number;
  followed(handle: object): number;
  close(handle: object): void;
}

// The events of splice-relay.cc.
const NEED = 1;
const DONE = 2;
const END = 3;
const READ_ERROR = 4;
const WRITE_ERROR = 5;

/** Where the addon may be, from this module: dist/native/ (scripts/build-native.mjs), or node-gyp's output. */
const CANDIDATES = [
  '../../../native/splice_relay.node',
  '../../../native/splice/build/Release/splice_relay.node',
  '../../../../native/splice/build/Release/splice_relay.node',
];

function load(): { native: NativeRelay | null; why: string } {
  if (process.env.SW_ZERO_COPY === 'off') return { native: null, why: 'SW_ZERO_COPY=off' };
  if (process.platform !== 'linux')
    return { native: null, why: `splice(2) is Linux's, not ${process.platform}'s` };
  const here = path.dirname(fileURLToPath(import.meta.url));
  const require = createRequire(import.meta.url);
  const errors: string[] = [];
  for (const candidate of CANDIDATES) {
    const file = path.resolve(here, candidate);
    try {
      return { native: require(file) as NativeRelay, why: file };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND')
        errors.push(`${file}: ${(error as Error).message}`);
    }
  }
  return { native: null, why: errors.length > 0 ? errors.join('; ') : 'not built (npm run build)' };
}

const loaded = load();

/** Whether bodies and streams go zero-copy in this process, and why not, or from where. */
export const zeroCopy: { readonly available: boolean; readonly detail: string } = {
  available: loaded.native !== null,
  detail: loaded.why,
};

/** A socket's fd, or null (not connected, not a stream on an fd). */
function fdOf(socket: net.Socket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/** An error like Node's own for the errno a splice, recv or write returned (EPIPE, ECONNRESET...). */
function errnoError(errno: number, side: 'read' | 'write'): NodeJS.ErrnoException {
  const code = getSystemErrorName(-errno);
  const error: NodeJS.ErrnoException = new Error(`${side === 'read' ? 'read' : 'write'} ${code}`);
  error.errno = -errno;
  error.code = code;
  error.syscall = side;
  return error;
}

/** Runs `then` once every byte written to `socket` so far has left the process. */
export function afterWrites(socket: net.Socket, then: () => void): void {
  if (socket.writableLength === 0 && socket.writableCorked === 0) then();
  // Writes finish in order: an empty one's callback says the ones before it are done.
  else socket.write(Buffer.alloc(0), () => then());
}

export class SpliceRelay {
  private handle: object | null;
  private readonly closeWith = (): void => this.close();

  private constructor(
    private readonly native: NativeRelay,
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    fromFd: number,
    toFd: number,
    private readonly events: SpliceEvents,
  ) {
    this.handle = native.open(fromFd, toFd, (kind, value, peeked) => this.onEvent(kind, value, peeked));
    // The relay holds duplicates of both fds: a socket Node closes must not stay open through them.
    from.once('close', this.closeWith);
    to.once('close', this.closeWith);
  }

  /** A relay from `from` to `to`, or null when zero-copy is unavailable (the caller relays in JS). */
  static open(from: net.Socket, to: net.Socket, events: SpliceEvents): SpliceRelay | null {
    const native = loaded.native;
    // Bytes in `from`'s Node buffer would be overtaken by the ones the kernel moves.
    if (!native || from.destroyed || to.destroyed || from.readableLength > 0) return null;
    const fromFd = fdOf(from);
    const toFd = fdOf(to);
    if (fromFd === null || toFd === null) return null;
    try {
      return new SpliceRelay(native, from, to, fromFd, toFd, events);
    } catch {
      // Out of fds or pipes: this transfer goes through JS.
      return null;
    }
  }

  /**
   * Starts (or continues with) `plan`: `from` is paused at once, the plan runs once what was written
   * to `to` has left.
   */
  start(plan: SplicePlan): void {
    this.from.pause();
    afterWrites(this.to, () => this.apply(plan));
  }

  /** Bytes written to `to` so far. */
  get moved(): number {
    return this.handle ? this.native.moved(this.handle) : 0;
  }

  /** Chunks the relay went on over by itself (SplicePlan.chunks), so far. */
  get followed(): number {
    return this.handle ? this.native.followed(this.handle) : 0;
  }

  get closed(): boolean {
    return this.handle === null;
  }

  /** Stops at once (bytes in the pipe are dropped) and lets go of the fds. */
  close(): void {
    if (!this.handle) return;
    this.native.close(this.handle);
    this.handle = null;
    this.from.off('close', this.closeWith);
    this.to.off('close', this.closeWith);
  }

  private apply(plan: SplicePlan): void {
    if (!this.handle) return;
    this.native.plan(
      this.handle,
      plan.skip ?? 0,
      plan.emit ?? null,
      plan.move === 'all' ? -1 : plan.move,
      plan.last,
      plan.chunks === true,
    );
  }

  private onEvent(kind: number, value: number, peeked?: Buffer): void {
    if (!this.handle) return;
    switch (kind) {
      case NEED: {
        const plan = this.events.next?.(peeked ?? Buffer.alloc(0), value === 1) ?? null;
        if (plan) this.apply(plan);
        return;
      }
      case DONE:
        this.events.done();
        return;
      case END:
        this.events.ended(value < 0 ? Infinity : value);
        return;
      case READ_ERROR:
        this.events.failed(errnoError(value, 'read'), 'read');
        return;
      case WRITE_ERROR:
        this.events.failed(errnoError(value, 'write'), 'write');
        return;
    }
  }
}
