// Counts what one client holds (connections, buffered request bytes) against its limits, and against
// a shared parent's when it has one (every filtered socket draws from the containers' budget too).

export interface BudgetLimits {
  maxConnections: number;
  maxHeldBytes: number;
}

export class ClientBudget {
  private connections = 0;
  private held = 0;
  private lingering = 0;

  constructor(
    readonly limits: BudgetLimits,
    private readonly parent?: ClientBudget,
  ) {}

  /** Takes a connection slot, or says whose limit (this budget's or its parent's) is reached. */
  takeConnection(): 'taken' | 'full' | 'shared-full' {
    if (this.connections >= this.limits.maxConnections) return 'full';
    if (this.parent && this.parent.takeConnection() !== 'taken') return 'shared-full';
    this.connections += 1;
    return 'taken';
  }

  releaseConnection(): void {
    this.connections -= 1;
    this.parent?.releaseConnection();
  }

  /**
   * Takes a slot for a refused connection that lingers to deliver its answer (lingering-close.ts):
   * as many as connections, so refusals cannot hold more descriptors than the cap does.
   */
  takeLingering(): boolean {
    if (this.lingering >= this.limits.maxConnections) return false;
    if (this.parent && !this.parent.takeLingering()) return false;
    this.lingering += 1;
    return true;
  }

  releaseLingering(): void {
    this.lingering -= 1;
    this.parent?.releaseLingering();
  }

  /** Counts `delta` more (or, negative, fewer) held bytes. */
  adjustHeld(delta: number): void {
    this.held += delta;
    this.parent?.adjustHeld(delta);
  }

  /** Whether this budget or its parent holds more bytes than it may. */
  get overHeld(): boolean {
    return this.held > this.limits.maxHeldBytes || (this.parent?.overHeld ?? false);
  }

  get openConnections(): number {
    return this.connections;
  }

  get heldBytes(): number {
    return this.held;
  }
}
