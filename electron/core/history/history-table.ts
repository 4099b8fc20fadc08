// The `socket-warden history` table. Request URIs and names come from containers, so control, bidi
// and format characters are shown escaped rather than sent to the terminal (terminal-text.ts).
import type { HistoryEntry } from '../../../shared/history-entry.js';
import { escapeForTerminal } from './terminal-text.js';

interface Column {
  title: string;
  max: number;
  cell: (entry: HistoryEntry) => string;
}

function who(entry: HistoryEntry): string {
  if (entry.requester.kind === 'host') return 'host';
  return `container ${entry.requester.name || entry.requester.id.slice(0, 12)}`;
}

/** `2025-06-01T12:00:00.123Z` → `2025-06-01 12:00:00Z`: second precision is plenty for a reader. */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

const COLUMNS: Column[] = [
  { title: 'ID', max: 20, cell: (e) => String(e.id) },
  { title: 'TIME', max: 25, cell: (e) => shortTime(e.time) },
  { title: 'WHO', max: 32, cell: who },
  { title: 'IMAGE', max: 48, cell: (e) => e.image ?? '-' },
  { title: 'REQUEST', max: 64, cell: (e) => `${e.request.method} ${e.request.uri}` },
  { title: 'REASON', max: 24, cell: (e) => e.reason },
];

function fit(text: string, max: number): string {
  const clean = escapeForTerminal(text);
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** A table of the entries in the order given, columns padded to their widest cell. */
export function formatHistoryTable(entries: readonly HistoryEntry[]): string {
  const rows = [
    COLUMNS.map((c) => c.title),
    ...entries.map((e) => COLUMNS.map((c) => fit(c.cell(e), c.max))),
  ];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('   ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
