// How `serve` ends: on SIGINT or SIGTERM, or when the parent that started it goes away (the
// IPC channel `npm start` opens; a daemon outliving it would hold its socket with nobody to stop it).
// Installed before the daemon starts, so a signal during the start stops what has started. The stop
// has a hard deadline: whatever still hangs then (an engine that never answers, a client that never
// reads) is abandoned, its socket files removed, and the process exits all the same.
import type { Lifecycle } from '../core/lifecycle.js';

export interface ServeShutdownOptions {
  life: Lifecycle;
  /** From the first request to stop until the process exits, whatever still hangs. */
  hardLimitMs: number;
  say: (line: string) => void;
}

// Not SIGHUP: under nohup it is ignored on purpose, and a handler would undo that.
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export class ServeShutdown {
  #requested = false;
  #resolveRequested!: () => void;
  /** Settles once a stop has been asked for. */
  readonly requested = new Promise<void>((resolve) => (this.#resolveRequested = resolve));

  constructor(private readonly options: ServeShutdownOptions) {
    for (const signal of SIGNALS) process.on(signal, () => this.request(signal));
    // A parent that is gone took the reader of our stdout and stderr with it: a line written then
    // must not turn into an EPIPE crash halfway through the shutdown.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    if (process.channel) {
      process.once('disconnect', () => this.request('parent process gone'));
      // The channel is only a tripwire: it must not keep a stopped daemon alive.
      process.channel.unref();
    }
  }

  get isRequested(): boolean {
    return this.#requested;
  }

  /** Stops the daemon and exits: 0 when everything stopped in time, 1 past the hard deadline. */
  request(why: string): void {
    if (this.#requested) {
      // Asked twice (a second Ctrl-C): the user is not waiting for the grace period.
      this.options.say(`Socket Warden: ${why} again, exiting now`);
      this.#exitAbandoning(1);
      return;
    }
    this.#requested = true;
    this.#resolveRequested();
    this.options.say(`Socket Warden: ${why}, shutting down`);
    const { life, hardLimitMs } = this.options;
    setTimeout(() => {
      const part = life.stoppingPart;
      this.options.say(
        `Socket Warden: still stopping${part ? ` ${part}` : ''} after ${hardLimitMs / 1000} s; exiting without waiting for it`,
      );
      this.#exitAbandoning(1);
    }, hardLimitMs);
    void life.stop().then(() => process.exit(0));
  }

  #exitAbandoning(code: number): void {
    this.options.life.abandon();
    process.exit(code);
  }
}
