// Reads a journal at open in chunks, entry by entry, so opening a full history never holds the
// whole file, nor every line's parsed form, at once. Decides which lines are intact exactly as
// decodeJournal does.
import { open } from 'node:fs/promises';
import type { HistoryEntry, HistoryId } from '../../../shared/history-entry.js';
import { isHistoryEntry } from './entry-shape.js';
import {
  checkedJson,
  JournalScanner,
  parseHeaderRecord,
  parseJson,
  type JournalScanResult,
} from './journal-line.js';

const CHUNK_BYTES = 64 * 1024;

export interface JournalRead extends JournalScanResult {
  /** False when there is no journal file. */
  exists: boolean;
  /** Entry lines in the file, duplicates included: what compaction is decided on. */
  entryLines: number;
  /** The id the sequence continues from. */
  nextId: HistoryId;
}

/**
 * Reads the journal at `path`, giving `onEntry` each intact entry in id order (an entry whose id
 * is not above the last one given is a duplicate and skipped).
 */
export async function readJournal(
  path: string,
  onEntry: (entry: HistoryEntry) => void,
): Promise<JournalRead> {
  let entryLines = 0;
  let lastId = 0;
  let nextId = 1;
  const scanner = new JournalScanner((line) => {
    const json = checkedJson(line);
    const value = json && parseJson(json);
    if (!value) return false;
    if ('entry' in value) {
      if (!isHistoryEntry(value.entry)) return false;
      const entry = value.entry;
      entryLines += 1;
      if (entry.id > lastId) {
        onEntry(entry);
        lastId = entry.id;
        nextId = Math.max(nextId, entry.id + 1);
      }
      return true;
    }
    const header = parseHeaderRecord(value);
    if (header) nextId = Math.max(nextId, header.nextId);
    return header !== undefined;
  });

  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { exists: false, entryLines, nextId, ...scanner.finish() };
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
  return { exists: true, entryLines, nextId, ...scanner.finish() };
}
