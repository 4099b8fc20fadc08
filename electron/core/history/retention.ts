// How much history to keep and when to rewrite the journal. The history is bounded in entries and in
// bytes (each entry's journal line): entries alone let 10,000 large denials hold hundreds of MB.
// Rewriting on every append past a bound would copy the whole journal per denial; letting the journal
// run a tenth over amortises that.

export const DEFAULT_MAX_ENTRIES = 10_000;
/**
 * Journal bytes of the entries kept (in memory they take about as much). 10,000 ordinary denials take
 * ~6 MB; entries at their largest (entry-bounds.ts) 10-80 KB each, so a full history of those is a
 * few hundred. Compaction holds a copy of it for a moment: 8 MiB keeps that within the daemon's budget.
 */
export const DEFAULT_MAX_BYTES = 8 << 20;

export interface RetentionLimits {
  maxEntries: number;
  maxBytes: number;
}

/** What the journal holds beyond what is kept, before it is compacted: a tenth, at least one. */
export function compactionSlack(max: number): number {
  return Math.max(1, Math.floor(max / 10));
}

/** The journal's entry lines and bytes (header and superseded lines included). */
export interface JournalSize {
  entryLines: number;
  bytes: number;
}

export function needsCompaction(journal: JournalSize, limits: RetentionLimits): boolean {
  return (
    journal.entryLines > limits.maxEntries + compactionSlack(limits.maxEntries) ||
    journal.bytes > limits.maxBytes + compactionSlack(limits.maxBytes)
  );
}

/**
 * How many of the oldest entries to drop so that the rest fit: at most maxEntries, together at most
 * maxBytes. `sizes` are the entries' line sizes, oldest first; `total` is their sum. Pure.
 */
export function oldestToDrop(sizes: readonly number[], total: number, limits: RetentionLimits): number {
  let drop = Math.max(0, sizes.length - limits.maxEntries);
  let bytes = total;
  for (let i = 0; i < drop; i++) bytes -= sizes[i] ?? 0;
  while (bytes > limits.maxBytes && drop < sizes.length) bytes -= sizes[drop++] ?? 0;
  return drop;
}

export function validateLimits(limits: RetentionLimits): void {
  for (const [name, value] of Object.entries(limits))
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be ≥ 1: ${value}`);
}
