// Probes the upstream for a loop now and then while running: a loop can form after the start (the
// upstream's symlink repointed, another Socket Warden started in front of its own upstream). Once a
// probe comes back, the guard refuses every request until one no longer does.
import type { Log } from '../log.js';
import type { LoopGuard } from './loop-guard.js';
import { probeForLoop } from './loop-probe.js';

const INTERVAL_MS = 5000;
/** Probes asked for between intervals (a burst of repeated requests) come at most this often. */
const MIN_GAP_MS = 1000;

export class LoopWatch {
  #timer: NodeJS.Timeout | undefined;
  #probing = false;
  #lastProbeAt = 0;

  constructor(
    private readonly upstream: string,
    private readonly guard: LoopGuard,
    private readonly log: Log,
    /** A loop was found, or is gone. */
    private readonly onChange: (looping: boolean) => void = () => undefined,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.probe(), INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Probes now, unless a probe is under way or was just made. */
  async probe(): Promise<void> {
    if (this.#probing || Date.now() - this.#lastProbeAt < MIN_GAP_MS) return;
    this.#probing = true;
    this.#lastProbeAt = Date.now();
    try {
      const finding = await probeForLoop(this.upstream, this.guard);
      if (finding === 'unknown') return;
      if (!this.guard.setLooping(finding === 'loop')) return;
      if (finding === 'loop')
        this.log.error(`${this.guard.message()}; every request is refused until it is fixed`);
      else this.log.info(`request loop gone: the upstream ${this.upstream} no longer leads back here`);
      this.onChange(finding === 'loop');
    } finally {
      this.#probing = false;
    }
  }
}
