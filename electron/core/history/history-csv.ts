// CSV export of the history (RFC 4180: CRLF rows, fields quoted when they hold a comma, quote or
// line break). Request URIs and messages come from containers, so a field that a spreadsheet would
// run as a formula gets a leading apostrophe.
import type { HistoryEntry } from '../../../shared/history-entry.js';

const COLUMNS = [
  'id',
  'time',
  'kind',
  'reason',
  'requester',
  'container_id',
  'container_name',
  'container_image',
  'method',
  'uri',
  'image',
  'image_id',
  'message',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function rowOf(entry: HistoryEntry): string[] {
  const container = entry.requester.kind === 'container' ? entry.requester : undefined;
  return [
    String(entry.id),
    entry.time,
    entry.kind,
    entry.reason,
    entry.requester.kind,
    container?.id ?? '',
    container?.name ?? '',
    container?.image ?? '',
    entry.request.method,
    entry.request.uri,
    entry.image ?? '',
    entry.imageId ?? '',
    entry.message,
  ];
}

export function toCsv(entries: readonly HistoryEntry[]): string {
  const rows = [[...COLUMNS], ...entries.map(rowOf)];
  return rows.map((row) => row.map(csvField).join(',') + '\r\n').join('');
}
