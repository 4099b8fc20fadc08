// Runs at most `concurrency` turns at once, the rest in the order they asked. The proxy takes a turn
// to judge what is costly to judge (a whole body, a long request-target), so that one client's
// requests are held in memory and judged a few at a time and their synchronous work comes in bounded
// slices of the event loop. A queue may have a parent whose turn is taken as well, once this one's is
// given: every filtered socket has its own queue and all of them share one, so containers together
// get one turn at a time and take it in rotation. A waiter's turn begins on a later turn of the event
// loop, never in the call that ended the previous one: bodies already read would otherwise be judged
// back to back, and everything else (the host's requests) would wait for all of them.

export class TurnQueue {
  private running = 0;
  /** Insertion-ordered: the oldest waiter starts first; a cancelled one is simply deleted. */
  private readonly waiting = new Set<() => void>();

  constructor(
    readonly concurrency: number,
    private readonly parent?: TurnQueue,
  ) {}

  /**
   * Calls `start` once a turn is free (here and in the parent), with `done` to end the turn (calling
   * it again does nothing). Returns `cancel`, for a caller that goes away before its turn began.
   */
  take(start: (done: () => void) => void): () => void {
    const parent = this.parent;
    if (!parent) return this.takeOwn(start);
    let cancelled = false;
    let started = false;
    let doneOwn: (() => void) | null = null;
    let cancelParent = (): void => undefined;
    const cancelOwn = this.takeOwn((done) => {
      if (cancelled) return done();
      doneOwn = done;
      cancelParent = parent.take((doneParent) => {
        started = true;
        start(() => {
          doneParent();
          done();
        });
      });
    });
    return () => {
      if (started) return;
      cancelled = true;
      cancelOwn();
      cancelParent();
      // Given here but still waiting for the parent: this queue's turn goes back.
      doneOwn?.();
    };
  }

  get queued(): number {
    return this.waiting.size;
  }

  get active(): number {
    return this.running;
  }

  private takeOwn(start: (done: () => void) => void): () => void {
    const begin = (): void => {
      this.waiting.delete(begin);
      this.running += 1;
      let ended = false;
      start(() => {
        if (ended) return;
        ended = true;
        this.running -= 1;
        this.next();
      });
    };
    if (this.running < this.concurrency) {
      begin();
      return () => undefined;
    }
    this.waiting.add(begin);
    return () => this.waiting.delete(begin);
  }

  private next(): void {
    if (this.waiting.size === 0) return;
    // Counted as running from now, so no other waiter is started for the same slot meanwhile.
    this.running += 1;
    setImmediate(() => {
      this.running -= 1;
      const first = this.waiting.values().next();
      if (!first.done && this.running < this.concurrency) first.value();
    });
  }
}
