// Starting and stopping a daemon made of parts. Each part starts in turn and hands back how to stop
// it; a part that fails to start stops every part before it, last first, so a failed start leaves
// nothing behind (no listening socket, no timer holding the process, no stale socket file). Stopping
// runs the same way, and a part whose stop fails does not keep the others running.
import { errorMessage } from '../../shared/error-message.js';

export interface StartedPart<T> {
  value: T;
  /** Undoes the start. May take its time (a grace period), but should end. */
  stop?: () => void | Promise<void>;
  /**
   * Synchronous last resort when stopping takes too long and the process is about to exit anyway:
   * what must not outlive it (socket files). Runs only for parts whose stop has not finished.
   */
  abandon?: () => void;
}

/** A part failed to start; everything started before it has been stopped. */
export class PartStartError extends Error {
  override name = 'PartStartError';
  constructor(
    readonly part: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${part}: ${reason}`, options);
  }
}

/** Stop was asked for while the daemon was still starting; what had started is stopped. */
export class StartAbortedError extends Error {
  override name = 'StartAbortedError';
  constructor(readonly part: string) {
    super(`stopped while starting ${part}`);
  }
}

interface Running {
  name: string;
  stop?: () => void | Promise<void>;
  abandon?: () => void;
  stopped: boolean;
}

export interface LifecycleOptions {
  /** A stop that failed: logged, and the other parts still stop. */
  onStopError?: (part: string, error: unknown) => void;
}

export class Lifecycle {
  readonly #running: Running[] = [];
  #stopping: Promise<void> | undefined;
  #stoppingPart: string | undefined;

  constructor(private readonly options: LifecycleOptions = {}) {}

  /** Starts one part and returns its value; on failure, stops what started and throws PartStartError. */
  async start<T>(name: string, run: () => StartedPart<T> | Promise<StartedPart<T>>): Promise<T> {
    if (this.#stopping) throw new StartAbortedError(name);
    let started: StartedPart<T>;
    try {
      started = await run();
    } catch (error) {
      // A part that fails after stop was asked for failed because of it (its ground went away).
      const aborted = this.#stopping !== undefined || error instanceof StartAbortedError;
      await this.stop();
      if (aborted) throw error instanceof StartAbortedError ? error : new StartAbortedError(name);
      throw new PartStartError(name, errorMessage(error), { cause: error });
    }
    const part: Running = { name, stop: started.stop, abandon: started.abandon, stopped: false };
    this.#running.push(part);
    // Stop was asked for while this part was starting: it is undone with the rest.
    if (this.#stopping) {
      await this.#stopPart(part);
      throw new StartAbortedError(name);
    }
    return started.value;
  }

  /** Stops every running part, last started first. Idempotent; never throws. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const part of [...this.#running].reverse()) await this.#stopPart(part);
      this.#stoppingPart = undefined;
    })();
    return this.#stopping;
  }

  /** The part being stopped right now (for a message when stopping hangs). */
  get stoppingPart(): string | undefined {
    return this.#stoppingPart;
  }

  /** Runs the last-resort cleanup of every part that has not finished stopping. */
  abandon(): void {
    for (const part of [...this.#running].reverse()) {
      if (part.stopped) continue;
      try {
        part.abandon?.();
      } catch (error) {
        this.options.onStopError?.(part.name, error);
      }
    }
  }

  async #stopPart(part: Running): Promise<void> {
    if (part.stopped) return;
    this.#stoppingPart = part.name;
    try {
      await part.stop?.();
    } catch (error) {
      this.options.onStopError?.(part.name, error);
      // Its stop failed: what it would have removed is removed the hard way.
      try {
        part.abandon?.();
      } catch {
        // reported above
      }
    }
    part.stopped = true;
  }
}
