// Filtering and paging the history for the CLI and the app: newest first, `before` for the next page.
import type { HistoryEntry, HistoryQuery } from './history-entry.js';

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

/** Up to `limit` matching entries, newest first, from a list ordered oldest first. */
export function queryHistory(oldestFirst: readonly HistoryEntry[], query: HistoryQuery): HistoryEntry[] {
  const page: HistoryEntry[] = [];
  for (let i = oldestFirst.length - 1; i >= 0 && page.length < query.limit; i--) {
    const entry = oldestFirst[i];
    if (entry && matchesHistoryQuery(entry, query)) page.push(entry);
  }
  return page;
}
