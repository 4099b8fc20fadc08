// A loop without hop fields on its requests (the proxy passes a client's fields on but adds none of its
// own yet) shows as the same request arriving over and over within milliseconds, each copy one hop
// further round. That alone proves nothing (a script may ask /_ping in a tight loop), so it only makes
// LoopWatch probe now rather than at its next interval; the probe is the evidence.

export interface RepeatBurstOptions {
  /** This many identical requests … */
  count: number;
  /** … within this many milliseconds make a burst. */
  windowMs: number;
}

const DEFAULTS: RepeatBurstOptions = { count: 16, windowMs: 250 };
/** Distinct requests tracked at once; more start the tally again (a loop repeats one request). */
const MAX_KEYS = 64;

export class RepeatBurst {
  readonly #seen = new Map<string, { since: number; count: number }>();

  constructor(private readonly options: RepeatBurstOptions = DEFAULTS) {}

  /** Notes one request; true when it completes a burst (the tally then starts again). */
  note(key: string, now: number): boolean {
    const entry = this.#seen.get(key);
    if (!entry || now - entry.since > this.options.windowMs) {
      if (!entry && this.#seen.size >= MAX_KEYS) this.#seen.clear();
      this.#seen.set(key, { since: now, count: 1 });
      return this.options.count <= 1;
    }
    entry.count += 1;
    if (entry.count < this.options.count) return false;
    this.#seen.delete(key);
    return true;
  }
}
