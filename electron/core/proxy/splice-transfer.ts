// One zero-copy transfer between two of the proxy's sockets (zero-copy-relay.ts), started where the
// bytes no longer need JavaScript: a hijacked stream, a response body once its head is forwarded, a
// request body the gate judged without reading it. The JS relay goes on until the kernel takes over,
// and takes over again when it hands back, so both see every byte once and in order:
//
// - It starts only once `from` really stopped reading (a resume() still scheduled would start Node's
//   reads again behind the relay) and every byte written to `to` has left; until then Node reads and
//   writes as before, and the first plan is decided on the state the JS relay left.
// - While it runs, nothing may resume `from` or write to `to` (callers check `running`).
// - When it hands back, it says why; only the input's end is given back to Node at once (`from` is
//   resumed so Node reads the end itself: 'end' and half-close go as before). A failed read or write
//   destroys the socket that failed with the error, as Node would have.
import type net from 'node:net';
import { SpliceRelay, zeroCopy, type SplicePlan } from './zero-copy-relay.js';

export type SpliceOutcome =
  /** The last plan is done: `from` stays paused at the boundary, for the caller to resume. */
  | { kind: 'done' }
  /** `from`'s input ended with `left` bytes of the plan unmoved; `from` was resumed to read the end. */
  | { kind: 'ended'; left: number }
  /** A read or write failed: that socket was destroyed with the error. */
  | { kind: 'failed'; side: 'read' | 'write' }
  /** The planner declined (the first plan, or a next one): `from` stays paused. */
  | { kind: 'declined' }
  /** One of the sockets closed. */
  | { kind: 'closed' };

export interface SplicePlanner {
  /** The first plan, decided when the kernel takes over (null: the JS relay keeps the transfer). */
  first(): SplicePlan | null;
  /** The next plan, on the input bytes waiting (see SpliceEvents.next). */
  next?(waiting: Buffer, chunkEnded: boolean): SplicePlan | null;
  outcome(result: SpliceOutcome): void;
}

export interface SpliceTransfer {
  /** From the call until its outcome: `from` must not be resumed nor `to` written meanwhile. */
  readonly running: boolean;
  /** Whether the kernel moves the bytes now (false while it waits to start). */
  readonly started: boolean;
  /** Bytes written to `to` by the kernel so far. */
  readonly moved: number;
  /** Stops at once (no outcome); `from` stays paused. Bytes the kernel held are dropped. */
  stop(): void;
}

/**
 * Transfers the kernel took in this process, chunks it went on over without asking JavaScript, and
 * bytes it wrote out (for tests and the bench: the relay was really used, and for how much).
 */
export const spliceCounts = { started: 0, chunksFollowed: 0, bytesMoved: 0 };

function count(relay: SpliceRelay): void {
  spliceCounts.chunksFollowed += relay.followed;
  spliceCounts.bytesMoved += relay.moved;
}

/** Whether the kernel could take transfers in this process (SW_ZERO_COPY=off, no addon: no). */
export const spliceAvailable = (): boolean => zeroCopy.available;

/** Node's own state of a readable: a resume() not yet run restarts reading when it runs. */
function resumeScheduled(socket: net.Socket): boolean {
  const state = (socket as unknown as { _readableState?: { resumeScheduled?: unknown } })._readableState;
  return state?.resumeScheduled === true;
}

/**
 * Hands the transfer from `from` to `to` to the kernel as soon as it can (see the top of this file), or
 * answers null when zero-copy is unavailable (the caller keeps relaying in JS).
 */
export function spliceTransfer(
  from: net.Socket,
  to: net.Socket,
  planner: SplicePlanner,
): SpliceTransfer | null {
  if (!zeroCopy.available || from.destroyed || to.destroyed) return null;
  let relay: SpliceRelay | null = null;
  let running = true;
  let movedBefore = 0;
  const settle = (result: SpliceOutcome): void => {
    if (!running) return;
    running = false;
    from.off('close', onClose);
    to.off('close', onClose);
    if (relay) {
      movedBefore = relay.moved;
      count(relay);
      relay.close();
    }
    relay = null;
    if (result.kind === 'ended') from.resume();
    planner.outcome(result);
  };
  const onClose = (): void => settle({ kind: 'closed' });
  from.once('close', onClose);
  to.once('close', onClose);

  const attempt = (): void => {
    if (!running) return;
    if (from.destroyed || to.destroyed) {
      settle({ kind: 'closed' });
      return;
    }
    from.pause();
    if (resumeScheduled(from)) {
      // Queued after that resume, which then runs first; pause() above stops its reads again.
      process.nextTick(attempt);
      return;
    }
    if (to.writableLength > 0 || to.writableCorked > 0 || to.connecting) {
      // Writes finish in order: an empty one's callback says the ones before it are done.
      to.write(Buffer.alloc(0), () => setImmediate(attempt));
      return;
    }
    const plan = planner.first();
    if (!plan) {
      settle({ kind: 'declined' });
      return;
    }
    const opened = SpliceRelay.open(from, to, {
      next: (waiting, chunkEnded) => {
        const following = planner.next?.(waiting, chunkEnded) ?? null;
        if (!following) settle({ kind: 'declined' });
        return following;
      },
      done: () => settle({ kind: 'done' }),
      ended: (left) => settle({ kind: 'ended', left }),
      failed: (error, side) => {
        settle({ kind: 'failed', side });
        (side === 'read' ? from : to).destroy(error);
      },
    });
    if (!opened) {
      // Out of fds or pipes: the JS relay carries on.
      settle({ kind: 'declined' });
      return;
    }
    relay = opened;
    spliceCounts.started++;
    // Nothing to wait for: start() applies the plan at once (from paused, to flushed).
    relay.start(plan);
  };
  attempt();

  return {
    get running() {
      return running;
    },
    get started() {
      return relay !== null;
    },
    get moved() {
      return relay ? relay.moved : movedBefore;
    },
    stop() {
      if (!running) return;
      running = false;
      from.off('close', onClose);
      to.off('close', onClose);
      if (relay) count(relay);
      relay?.close();
      relay = null;
    },
  };
}
