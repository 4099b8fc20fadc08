// Reads the journal at open in 64 KiB chunks: a full history (10,000 entries, ~6 MB) is never held
// as one buffer, one string or one array of every line's record. Which lines count as intact, torn
// or corrupt is decided exactly as decodeJournal decides it (the same JournalScanner and line check).
import { open } from 'node:fs/promises';
import type { HistoryEntry, HistoryId } from '../../../shared/history-entry.js';
import { decodeJournalLine, JournalScanner, type JournalScanResult } from './journal-line.js';

const CHUNK_BYTES = 64 * 1024;

export interface JournalRead extends JournalScanResult {
  /** False when there is no journal file. */
  exists: boolean;
  /** Intact entries in id order, without duplicates (a line whose id is not above the last one's). */
  entries: HistoryEntry[];
  /** Entry lines in the file, duplicates included: what compaction is decided on. */
  entryLines: number;
  /** The id the sequence continues from (the header's, or past the last entry's). */
  nextId: HistoryId;
}

export async function readJournal(path: string): Promise<JournalRead> {
  const entries: HistoryEntry[] = [];
  let entryLines = 0;
  let nextId = 1;
  const scanner = new JournalScanner((line) => {
    const record = decodeJournalLine(line);
    if (!record) return false;
    if ('header' in record) {
      nextId = Math.max(nextId, record.header.nextId);
    } else {
      entryLines += 1;
      if (record.entry.id > (entries.at(-1)?.id ?? 0)) {
        entries.push(record.entry);
        nextId = Math.max(nextId, record.entry.id + 1);
      }
    }
    return true;
  });

  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { exists: false, entries, entryLines, nextId, ...scanner.finish() };
  }
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      scanner.feed(chunk.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return { exists: true, entries, entryLines, nextId, ...scanner.finish() };
}
