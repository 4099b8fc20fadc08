// Runs at most `concurrency` turns at once, the rest in the order they asked. The proxy takes a turn
// to read and judge a whole body, so that one client's bodies are read (and held in memory) a few at
// a time and their synchronous decoding comes in bounded slices of the event loop.

export class TurnQueue {
  private running = 0;
  /** Insertion-ordered: the oldest waiter starts first; a cancelled one is simply deleted. */
  private readonly waiting = new Set<() => void>();

  constructor(readonly concurrency: number) {}

  /**
   * Calls `start` once a turn is free, with `done` to end the turn (calling it again does nothing).
   * Returns `cancel`, for a caller that goes away before its turn began.
   */
  take(start: (done: () => void) => void): () => void {
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

  get queued(): number {
    return this.waiting.size;
  }

  get active(): number {
    return this.running;
  }

  private next(): void {
    const first = this.waiting.values().next();
    if (!first.done && this.running < this.concurrency) first.value();
  }
}
