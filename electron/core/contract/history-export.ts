// The history as a file the user saves from the pane: JSON (the entries exactly as the contract
// defines them) or the same CSV the CLI writes. Pure.
import type { HistoryEntry } from '../../../shared/history-entry.js';
import type { HistoryExport } from '../../../shared/ipc-contract.js';
import { toCsv } from '../history/history-csv.js';

export function formatHistoryExport(
  entries: readonly HistoryEntry[],
  format: 'json' | 'csv',
  now: Date = new Date(),
): HistoryExport {
  const stamp = now.toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  return format === 'json'
    ? {
        filename: `socket-warden-history-${stamp}.json`,
        mimeType: 'application/json',
        content: `${JSON.stringify(entries, null, 2)}\n`,
      }
    : { filename: `socket-warden-history-${stamp}.csv`, mimeType: 'text/csv', content: toCsv(entries) };
}
