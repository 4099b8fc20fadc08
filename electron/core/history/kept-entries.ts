// The entries the history keeps, oldest first, with each one's journal line size, so that the
// newest are kept within both bounds (retention.ts): a count and a total size.
import type { HistoryEntry } from '../../../shared/history-entry.js';
import { oldestToDrop, type RetentionLimits } from './retention.js';

export class KeptEntries {
  private entries: HistoryEntry[] = [];
  private sizes: number[] = [];
  private total = 0;

  constructor(private readonly limits: RetentionLimits) {}

  /** Adds the newest entry; the oldest go once the bounds are passed. */
  push(entry: HistoryEntry, size: number): void {
    this.entries.push(entry);
    this.sizes.push(size);
    this.total += size;
  }

  /** Drops the oldest entries beyond the bounds. Batched by the caller: each call copies the lists. */
  trim(): void {
    const drop = oldestToDrop(this.sizes, this.total, this.limits);
    if (drop === 0) return;
    for (let i = 0; i < drop; i++) this.total -= this.sizes[i] ?? 0;
    this.entries = this.entries.slice(drop);
    this.sizes = this.sizes.slice(drop);
  }

  /** Whether the lists ran far enough past the bounds that trimming now is worth its copy. */
  get overdue(): boolean {
    return this.entries.length > 2 * this.limits.maxEntries || this.total > 2 * this.limits.maxBytes;
  }

  /** Oldest first. */
  get list(): readonly HistoryEntry[] {
    return this.entries;
  }

  /** The journal bytes of the entries kept. */
  get bytes(): number {
    return this.total;
  }

  get count(): number {
    return this.entries.length;
  }
}
