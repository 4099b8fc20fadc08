// How much history to keep and when to rewrite the journal. Rewriting on every append past the
// bound would copy N lines per denial; letting the journal run a little over amortises that.

export const DEFAULT_MAX_ENTRIES = 10_000;

/** Entries the journal may hold beyond the bound before it is compacted: a tenth, at least one. */
export function compactionSlack(maxEntries: number): number {
  return Math.max(1, Math.floor(maxEntries / 10));
}

export function needsCompaction(entriesInJournal: number, maxEntries: number): boolean {
  return entriesInJournal > maxEntries + compactionSlack(maxEntries);
}

/** The newest `maxEntries` of a list ordered oldest first. */
export function keepNewest<T>(oldestFirst: readonly T[], maxEntries: number): T[] {
  return oldestFirst.slice(Math.max(0, oldestFirst.length - maxEntries));
}
