// The journal's line format: `<crc32 as 8 hex digits> <json>\n`. The checksum lets a reader tell a
// complete line from one torn by a crash mid-write, so a bad tail is dropped and nothing before it.
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { historyEntrySchema, historyIdSchema } from '../../../shared/history-entry.js';

export const JOURNAL_FORMAT = 'socket-warden-history';

/** First line of every journal the store writes: carries the id sequence across compactions and clears. */
const journalHeaderSchema = z.object({
  format: z.literal(JOURNAL_FORMAT),
  version: z.literal(1),
  nextId: historyIdSchema,
});
export type JournalHeader = z.infer<typeof journalHeaderSchema>;

const entryRecordSchema = z.object({ entry: historyEntrySchema });
const headerRecordSchema = z.object({ header: journalHeaderSchema });
export type JournalRecord = z.infer<typeof entryRecordSchema> | z.infer<typeof headerRecordSchema>;

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CHECKSUM_DIGITS = 8;

function checksumOf(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(CHECKSUM_DIGITS, '0');
}

export function encodeJournalLine(record: JournalRecord): Buffer {
  const json = Buffer.from(JSON.stringify(record), 'utf8');
  return Buffer.concat([Buffer.from(`${checksumOf(json)} `, 'ascii'), json, Buffer.from('\n', 'ascii')]);
}

export interface DecodedJournal {
  records: JournalRecord[];
  /** Bytes up to and including the last intact line: what a writer keeps. */
  intactBytes: number;
  /** Bytes after that: a line torn by a crash (or garbage); dropped. */
  tornTailBytes: number;
  /** Damaged lines before the last intact one; skipped, the lines around them are kept. */
  corruptLines: number;
}

/** Decodes one line without its newline; undefined when the checksum, JSON or shape is wrong. */
export function decodeJournalLine(line: Uint8Array): JournalRecord | undefined {
  if (line.length < CHECKSUM_DIGITS + 2 || line[CHECKSUM_DIGITS] !== SPACE) return undefined;
  // A view, not a copy (Buffer.from(Uint8Array) copies): opening reads every line.
  const view = Buffer.from(line.buffer, line.byteOffset, line.byteLength);
  const json = view.subarray(CHECKSUM_DIGITS + 1);
  if (view.toString('latin1', 0, CHECKSUM_DIGITS) !== checksumOf(json)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  // Picked by key rather than with a zod union: opening 10,000 entries parses 10,000 of these.
  const parsed = 'entry' in value ? entryRecordSchema.safeParse(value) : headerRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export function decodeJournal(bytes: Uint8Array): DecodedJournal {
  const records: JournalRecord[] = [];
  let intactBytes = 0;
  let badSinceIntact = 0;
  let corruptLines = 0;
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(NEWLINE, start);
    // A last line without its newline was never completely written: its append never resolved.
    if (end === -1) break;
    const record = decodeJournalLine(bytes.subarray(start, end));
    if (record) {
      records.push(record);
      intactBytes = end + 1;
      corruptLines += badSinceIntact;
      badSinceIntact = 0;
    } else {
      badSinceIntact += 1;
    }
    start = end + 1;
  }
  return { records, intactBytes, tornTailBytes: bytes.length - intactBytes, corruptLines };
}
