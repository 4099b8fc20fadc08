// Reads the journal at open in 64 KiB chunks: a full history is never held as one buffer, one string
// or one array of every line's record. Which lines count as intact, torn or corrupt is decided exactly
// as decodeJournal decides it (the same JournalScanner and line check). What is kept is bounded as the
// store bounds it (entry-bounds.ts, retention.ts) while the file is read, so even a journal written
// before those bounds (hundreds of MB of huge entries) opens in bounded memory and time: of a journal
// far larger than the store ever leaves one, only the end is read.
import { open, type FileHandle } from 'node:fs/promises';
import type { HistoryId } from '../../../shared/history-entry.js';
import { boundHistoryEntry } from './entry-bounds.js';
import { KeptEntries } from './kept-entries.js';
import {
  decodeJournalLine,
  encodeJournalLine,
  JournalScanner,
  type JournalHeader,
  type JournalScanResult,
} from './journal-line.js';
import type { RetentionLimits } from './retention.js';

const CHUNK_BYTES = 64 * 1024;

/**
 * How much of the end of a journal is read at most. The store leaves at most a tenth over maxBytes
 * (and one batch) before it compacts, and the entries it keeps are the newest, within maxBytes: they
 * are all in the journal's last maxBytes, so reading twice that loses nothing it would keep. Only a
 * journal written before the bounds is read in part (its oldest entries go; it is compacted at open).
 */
export function journalReadLimit(limits: RetentionLimits): number {
  return 2 * limits.maxBytes;
}

export interface JournalRead extends JournalScanResult {
  /** False when there is no journal file. */
  exists: boolean;
  /** The newest intact entries within the limits, in id order, without duplicates (a line whose id is not above the last one's). */
  kept: KeptEntries;
  /** Entry lines in the file, duplicates included: what compaction is decided on. */
  entryLines: number;
  /** The id the sequence continues from (the header's, or past the last entry's). */
  nextId: HistoryId;
  /** Entries read that were larger than an entry may now be, and were cut. */
  cutEntries: number;
  /** Bytes at the start of a journal too large to read whole that were not read. */
  unreadBytes: number;
}

export async function readJournal(path: string, limits: RetentionLimits): Promise<JournalRead> {
  const kept = new KeptEntries(limits);
  let entryLines = 0;
  let nextId = 1;
  let lastId = 0;
  let cutEntries = 0;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    handle = undefined;
  }
  const size = handle ? (await handle.stat()).size : 0;
  const from = Math.max(0, size - journalReadLimit(limits));
  const accept = (line: Uint8Array): boolean => {
    const record = decodeJournalLine(line);
    if (!record) return false;
    if ('header' in record) {
      nextId = Math.max(nextId, record.header.nextId);
    } else {
      entryLines += 1;
      if (record.entry.id > lastId) {
        lastId = record.entry.id;
        const entry = boundHistoryEntry(record.entry);
        if (entry !== record.entry) cutEntries += 1;
        // The size it takes once rewritten: the line's own, unless it had to be cut.
        kept.push(entry, entry === record.entry ? line.length + 1 : encodeJournalLine({ entry }).length);
        if (kept.overdue) kept.trim();
        nextId = Math.max(nextId, record.entry.id + 1);
      }
    }
    return true;
  };
  const scanner = new JournalScanner(accept, undefined, from);

  if (handle) {
    try {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      // The id sequence goes on from the header's, even when the part read holds no entry above it.
      if (from > 0) nextId = Math.max(nextId, (await readHeader(handle, chunk))?.nextId ?? 1);
      for (let position = from; ;) {
        const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
        if (bytesRead === 0) break;
        scanner.feed(chunk.subarray(0, bytesRead));
        position += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }
  kept.trim();
  return {
    exists: handle !== undefined,
    kept,
    entryLines,
    nextId,
    cutEntries,
    unreadBytes: from,
    ...scanner.finish(),
  };
}

/** The header record on the journal's first line, if that line is one (it is short). */
async function readHeader(handle: FileHandle, chunk: Buffer): Promise<JournalHeader | undefined> {
  const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, 4096), 0);
  const end = chunk.subarray(0, bytesRead).indexOf(0x0a);
  const record = end === -1 ? undefined : decodeJournalLine(chunk.subarray(0, end));
  return record && 'header' in record ? record.header : undefined;
}
