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

/** The JSON of one line without its newline, as a view; undefined when the checksum is wrong. */
export function checkedJson(line: Uint8Array): Buffer | undefined {
  if (line.length < CHECKSUM_DIGITS + 2 || line[CHECKSUM_DIGITS] !== SPACE) return undefined;
  // A view, not a copy (Buffer.from(Uint8Array) copies): opening reads every line.
  const view = Buffer.from(line.buffer, line.byteOffset, line.byteLength);
  const json = view.subarray(CHECKSUM_DIGITS + 1);
  return view.toString('latin1', 0, CHECKSUM_DIGITS) === checksumOf(json) ? json : undefined;
}

/** Parses a checksummed line's JSON; undefined when it is not JSON or not an object. */
export function parseJson(json: Buffer): object | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null ? value : undefined;
}

/** Decodes one line without its newline; undefined when the checksum, JSON or shape is wrong. */
export function decodeJournalLine(line: Uint8Array): JournalRecord | undefined {
  const json = checkedJson(line);
  const value = json && parseJson(json);
  if (!value) return undefined;
  // Picked by key rather than with a zod union: a journal holds 10,000 of these.
  const parsed = 'entry' in value ? entryRecordSchema.safeParse(value) : headerRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** A header line's contents, or undefined when the value is not a valid header record. */
export function parseHeaderRecord(value: object): JournalHeader | undefined {
  const parsed = headerRecordSchema.safeParse(value);
  return parsed.success ? parsed.data.header : undefined;
}

export type JournalScanResult = Omit<DecodedJournal, 'records'>;

/**
 * Longer lines are skipped (counted damaged) without being held: the store never writes one (its
 * entries are bounded), and a journal from before those bounds had lines of about 2 MiB at most.
 */
export const MAX_JOURNAL_LINE_BYTES = 8 << 20;

/**
 * Splits a journal fed in chunks of any size into lines and keeps the torn-tail accounting; each
 * complete line goes to `accept`, which says whether it held a valid record. Opening streams the
 * file through this rather than holding all of it at once.
 */
export class JournalScanner {
  private intactBytes = 0;
  private badSinceIntact = 0;
  private corruptLines = 0;
  /** Bytes fed so far. */
  private offset = 0;
  /** The start of a line that earlier chunks did not finish, copied; joined once, when it ends. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The line being read is longer than MAX_JOURNAL_LINE_BYTES: its bytes are dropped until it ends. */
  private skipping = false;

  /** Set while the bytes before the first newline, the end of a line not read, are being passed over. */
  private partial: boolean;

  /**
   * `from`: the offset in the file of the first byte fed; when it is not 0, the bytes up to the first
   * newline end a line that was not read and are passed over (neither intact, torn nor corrupt).
   */
  constructor(
    private readonly accept: (line: Uint8Array) => boolean,
    private readonly maxLineBytes = MAX_JOURNAL_LINE_BYTES,
    from = 0,
  ) {
    this.offset = from;
    this.intactBytes = from;
    this.partial = from > 0;
  }

  /** `chunk` may be reused by the caller once this returns. */
  feed(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        this.hold(chunk.subarray(start));
        break;
      }
      const endOffset = this.offset + end + 1;
      if (this.partial) {
        this.partial = false;
        this.intactBytes = endOffset;
      } else if (this.skipping) {
        this.skipping = false;
        this.badSinceIntact += 1;
      } else if (this.pendingBytes > 0) {
        this.hold(chunk.subarray(start, end));
        if (this.skipping) {
          this.skipping = false;
          this.badSinceIntact += 1;
        } else {
          const line = Buffer.concat(this.pending, this.pendingBytes);
          this.pending = [];
          this.pendingBytes = 0;
          this.line(line, endOffset);
        }
      } else if (end - start > this.maxLineBytes) {
        this.badSinceIntact += 1;
      } else {
        this.line(chunk.subarray(start, end), endOffset);
      }
      start = end + 1;
    }
    this.offset += chunk.length;
  }

  /** A last line without its newline was never completely written: its append never resolved. */
  finish(): JournalScanResult {
    return {
      intactBytes: this.intactBytes,
      tornTailBytes: this.offset - this.intactBytes,
      corruptLines: this.corruptLines,
    };
  }

  /** Keeps a copy of an unfinished line's bytes, unless the line is already too long to keep. */
  private hold(bytes: Uint8Array): void {
    if (this.partial || this.skipping || bytes.length === 0) return;
    if (this.pendingBytes + bytes.length > this.maxLineBytes) {
      this.skipping = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(Buffer.from(bytes));
    this.pendingBytes += bytes.length;
  }

  private line(line: Uint8Array, endOffset: number): void {
    if (this.accept(line)) {
      this.intactBytes = endOffset;
      this.corruptLines += this.badSinceIntact;
      this.badSinceIntact = 0;
    } else {
      this.badSinceIntact += 1;
    }
  }
}

export function decodeJournal(bytes: Uint8Array): DecodedJournal {
  const records: JournalRecord[] = [];
  const scanner = new JournalScanner((line) => {
    const record = decodeJournalLine(line);
    if (record) records.push(record);
    return record !== undefined;
  });
  scanner.feed(bytes);
  return { records, ...scanner.finish() };
}
