// Filtering and paging the history for the CLI and the app: newest first, `before` for the next page.
import type {
  HistoryEntry,
  HistoryId,
  HistoryKind,
  HistoryQuery,
  HistoryReason,
} from '../../../shared/history-entry.js';

function searchableText(entry: HistoryEntry): string {
  const requester =
    entry.requester.kind === 'host'
      ? 'host'
      : `container ${entry.requester.name} ${entry.requester.id} ${entry.requester.image}`;
  return [
    entry.message,
    entry.image ?? '',
    entry.imageId ?? '',
    `${entry.request.method} ${entry.request.uri}`,
    requester,
    entry.reason,
    entry.kind,
  ]
    .join('\n')
    .toLowerCase();
}

export function matchesHistoryQuery(entry: HistoryEntry, query: Omit<HistoryQuery, 'limit'>): boolean {
  if (query.before !== undefined && entry.id >= query.before) return false;
  if (query.kind !== undefined && entry.kind !== query.kind) return false;
  if (query.reason !== undefined && entry.reason !== query.reason) return false;
  const needle = query.search?.trim().toLowerCase();
  if (needle && !searchableText(entry).includes(needle)) return false;
  return true;
}

/** Entries ordered oldest first, read by index: a plain list, or the store's compact columns. */
export interface HistorySource {
  readonly length: number;
  idAt(index: number): HistoryId;
  kindAt(index: number): HistoryKind;
  reasonAt(index: number): HistoryReason;
  /** The entry, for matching only. */
  entryAt(index: number): HistoryEntry;
  /** The entry to hand out, or undefined when it must not be (it fails the schema). */
  checkedEntryAt(index: number): HistoryEntry | undefined;
}

/** Up to `limit` matching entries, newest first. */
export function queryHistorySource(source: HistorySource, query: HistoryQuery): HistoryEntry[] {
  const page: HistoryEntry[] = [];
  const needle = query.search?.trim() ? query.search : undefined;
  // Id, kind and reason are read without making the entry; only candidates are made into objects.
  for (let i = source.length - 1; i >= 0 && page.length < query.limit; i--) {
    if (query.before !== undefined && source.idAt(i) >= query.before) continue;
    if (query.kind !== undefined && source.kindAt(i) !== query.kind) continue;
    if (query.reason !== undefined && source.reasonAt(i) !== query.reason) continue;
    if (needle !== undefined && !matchesHistoryQuery(source.entryAt(i), { search: needle })) continue;
    const entry = source.checkedEntryAt(i);
    if (entry) page.push(entry);
  }
  return page;
}

function arraySource(oldestFirst: readonly HistoryEntry[]): HistorySource {
  const at = (index: number): HistoryEntry => {
    const entry = oldestFirst[index];
    if (!entry) throw new RangeError(`no entry at ${index}`);
    return entry;
  };
  return {
    length: oldestFirst.length,
    idAt: (index) => at(index).id,
    kindAt: (index) => at(index).kind,
    reasonAt: (index) => at(index).reason,
    entryAt: at,
    checkedEntryAt: at,
  };
}

/** Up to `limit` matching entries, newest first, from a list ordered oldest first. */
export function queryHistory(oldestFirst: readonly HistoryEntry[], query: HistoryQuery): HistoryEntry[] {
  return queryHistorySource(arraySource(oldestFirst), query);
}
