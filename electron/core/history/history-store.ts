// The denial history on disk: an append-only journal of checksummed JSON lines under the data
// dir. An append resolves only once its line is on disk (fdatasync), appends are written in order
// (those arriving together share one write and one sync), and a crash at any moment loses at most
// the appends that had not resolved. Each entry is bounded (entry-bounds.ts), and the history is
// bounded in entries and in bytes, in memory and on disk (retention.ts): past the bound, the newest
// entries are rewritten to a temp file that replaces the journal in one rename, so a crash leaves the
// old journal or the new one.
import { EventEmitter } from 'node:events';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  newHistoryEntrySchema,
  type HistoryEntry,
  type HistoryId,
  type HistoryQuery,
  type NewHistoryEntry,
} from '../../../shared/history-entry.js';
import { queryHistory } from '../../../shared/history-query.js';
import { boundHistoryEntry } from './entry-bounds.js';
import { encodeJournalLine, JOURNAL_FORMAT } from './journal-line.js';
import { readJournal } from './journal-reader.js';
import { KeptEntries } from './kept-entries.js';
import { acquirePidLock, type PidLock } from './pid-lock.js';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ENTRIES,
  needsCompaction,
  validateLimits,
  type RetentionLimits,
} from './retention.js';

export const JOURNAL_FILE = 'history.jsonl';
export const LOCK_FILE = 'history.lock';
const TEMP_SUFFIX = '.tmp';
/** Entries encoded and written at once when the journal is rewritten. */
const REWRITE_SLICE = 256;
/** Bytes read and written at once when compaction copies the journal's tail. */
const COPY_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** Where the history lives inside the data dir that `serve` and `history` share. */
export function historyDirIn(dataDir: string): string {
  return join(dataDir, 'history');
}

export interface HistoryStoreOptions {
  /** Entries kept (the newest); default 10,000. */
  maxEntries?: number;
  /** Journal bytes of the entries kept (the newest); default 8 MiB. */
  maxBytes?: number;
  /**
   * Read what is there without taking the lock or repairing anything, so `socket-warden history`
   * works while `serve` runs. Appending and clearing throw.
   */
  readOnly?: boolean;
  /** Clock for entry times. */
  now?: () => Date;
}

/** What opening found, for logs and tests. */
export interface HistoryRecovery {
  /** Bytes of a line torn by a crash mid-write, dropped from the end of the journal. */
  tornTailBytes: number;
  /** Damaged lines in the middle of the journal, skipped. */
  corruptLines: number;
  /** A compaction's temp file left by a crash, removed. */
  removedTempFile: boolean;
  /** Entries larger than an entry may now be (written before the bounds), cut as they were read. */
  cutEntries: number;
  /** The start of a journal far over the bounds (written before them), not read: its oldest entries. */
  unreadBytes: number;
}

interface Batch {
  entries: HistoryEntry[];
  settle: Array<{ resolve: (entry: HistoryEntry) => void; reject: (error: unknown) => void }>;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms cannot sync a directory; the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

function headerLine(nextId: HistoryId): Buffer {
  return encodeJournalLine({ header: { format: JOURNAL_FORMAT, version: 1, nextId } });
}

export class HistoryStore {
  private readonly events = new EventEmitter();
  /** Oldest first, within the limits once each flush is done. */
  private kept: KeptEntries;
  private nextId: HistoryId;
  /** Entry lines in the journal file, which may run past maxEntries until compaction. */
  private entriesInJournal: number;
  /** Size of the journal up to its last complete line, to cut off a failed partial write. */
  private journalBytes: number;
  /**
   * The kept entries' lines are the journal's last `kept.bytes` bytes, exactly: true once the store
   * has written the journal whole (appends keep it so). Compaction then copies those bytes instead
   * of encoding every entry again.
   */
  private keptIsJournalTail: boolean;
  private openBatch: Batch | undefined;
  /** Every write and rewrite runs on this chain, one at a time, in call order. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly limits: RetentionLimits,
    readonly recovery: HistoryRecovery,
    private readonly now: () => Date,
    private handle: FileHandle | undefined,
    private readonly lock: PidLock | undefined,
    loaded: {
      kept: KeptEntries;
      nextId: HistoryId;
      entriesInJournal: number;
      journalBytes: number;
      keptIsJournalTail: boolean;
    },
  ) {
    this.kept = loaded.kept;
    this.keptIsJournalTail = loaded.keptIsJournalTail;
    this.nextId = loaded.nextId;
    this.entriesInJournal = loaded.entriesInJournal;
    this.journalBytes = loaded.journalBytes;
    this.events.setMaxListeners(0);
  }

  static async open(dir: string, opts: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const limits: RetentionLimits = {
      maxEntries: opts.maxEntries ?? DEFAULT_MAX_ENTRIES,
      maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    };
    validateLimits(limits);
    const now = opts.now ?? (() => new Date());
    const absDir = resolve(dir);
    const journalPath = join(absDir, JOURNAL_FILE);

    if (opts.readOnly) {
      const read = await readJournal(journalPath, limits);
      const recovery = {
        tornTailBytes: read.tornTailBytes,
        corruptLines: read.corruptLines,
        removedTempFile: false,
        cutEntries: read.cutEntries,
        unreadBytes: read.unreadBytes,
      };
      return new HistoryStore(absDir, limits, recovery, now, undefined, undefined, {
        kept: read.kept,
        nextId: read.nextId,
        entriesInJournal: read.kept.count,
        journalBytes: read.intactBytes,
        keptIsJournalTail: false,
      });
    }

    await mkdir(absDir, { recursive: true });
    const lock = await acquirePidLock(join(absDir, LOCK_FILE));
    try {
      const removedTempFile = await exists(journalPath + TEMP_SUFFIX);
      if (removedTempFile) await rm(journalPath + TEMP_SUFFIX, { force: true });
      const read = await readJournal(journalPath, limits);
      const recovery = {
        tornTailBytes: read.tornTailBytes,
        corruptLines: read.corruptLines,
        removedTempFile,
        cutEntries: read.cutEntries,
        unreadBytes: read.unreadBytes,
      };
      const store = new HistoryStore(absDir, limits, recovery, now, undefined, lock, {
        kept: read.kept,
        nextId: read.nextId,
        entriesInJournal: read.entryLines,
        journalBytes: read.intactBytes,
        // Unknown until the first compaction: lines skipped, repeated or cut as read are not kept.
        keptIsJournalTail: false,
      });
      if (!read.exists || store.journalNeedsCompaction()) {
        await store.rewrite(store.kept.list);
      } else {
        const handle = await open(journalPath, 'a');
        store.handle = handle;
        // Cut a torn tail off so the next line starts on a line of its own.
        if (read.tornTailBytes > 0) {
          await handle.truncate(read.intactBytes);
          await handle.datasync();
        }
      }
      return store;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private get journalPath(): string {
    return join(this.dir, JOURNAL_FILE);
  }

  /** Records a denial (its text bounded); resolves with its id and time once it is on disk. */
  async append(input: NewHistoryEntry): Promise<HistoryEntry> {
    this.assertWritable();
    const entry: HistoryEntry = {
      ...boundHistoryEntry(newHistoryEntrySchema.parse(input)),
      id: this.nextId,
      time: this.now().toISOString(),
    };
    this.nextId += 1;
    return new Promise<HistoryEntry>((resolve, reject) => {
      let batch = this.openBatch;
      if (!batch) {
        const fresh: Batch = { entries: [], settle: [] };
        batch = fresh;
        this.openBatch = fresh;
        // flush settles the batch's appends itself; should it throw before it does, they fail with it.
        this.enqueue(() => this.flush(fresh)).catch((error: unknown) => {
          for (const { reject } of fresh.settle) reject(error);
        });
      }
      batch.entries.push(entry);
      batch.settle.push({ resolve, reject });
    });
  }

  /** Up to `query.limit` entries, newest first. */
  list(query: HistoryQuery): HistoryEntry[] {
    return queryHistory(this.kept.list, query);
  }

  get(id: HistoryId): HistoryEntry | undefined {
    // Ids increase along the list, so a binary search finds one.
    let low = 0;
    const entries = this.kept.list;
    let high = entries.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const entry = entries[mid];
      if (!entry) return undefined;
      if (entry.id === id) return entry;
      if (entry.id < id) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  count(): number {
    return this.kept.count;
  }

  /** The journal bytes of the entries kept (what the byte bound limits). */
  keptBytes(): number {
    return this.kept.bytes;
  }

  /** Forgets every entry. Ids keep counting, so a link to an old entry never shows a new one. */
  async clear(): Promise<void> {
    this.assertWritable();
    this.openBatch = undefined; // appends made after this call land after the clear
    await this.enqueue(async () => {
      await this.rewrite([]);
      this.events.emit('clear');
    });
  }

  onAppend(listener: (entry: HistoryEntry) => void): () => void {
    this.events.on('append', listener);
    return () => this.events.off('append', listener);
  }

  onClear(listener: () => void): () => void {
    this.events.on('clear', listener);
    return () => this.events.off('clear', listener);
  }

  /** A compaction that failed; the journal stays as it was and appends go on. */
  onError(listener: (error: unknown) => void): () => void {
    this.events.on('error', listener);
    return () => this.events.off('error', listener);
  }

  /** Waits for pending appends, then releases the file and the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.openBatch = undefined;
    await this.enqueue(async () => {
      await this.handle?.close();
      this.handle = undefined;
    });
    await this.lock?.release();
  }

  private assertWritable(): void {
    if (this.closed) throw new Error('history store is closed');
    if (!this.lock) throw new Error('history store was opened read-only');
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flush(batch: Batch): Promise<void> {
    if (this.openBatch === batch) this.openBatch = undefined;
    const lines = batch.entries.map((entry) => encodeJournalLine({ entry }));
    try {
      // Reopened here if a failed rewrite left no handle.
      this.handle ??= await open(this.journalPath, 'a');
      const handle = this.handle;
      const bytes = Buffer.concat(lines);
      try {
        await writeAll(handle, bytes);
        await handle.datasync();
      } catch (error) {
        // Don't leave a partial line for the next append to run into. Should that fail too, the file
        // holds bytes the sizes do not count: the next compaction encodes instead of copying.
        await handle.truncate(this.journalBytes).catch(() => {
          this.keptIsJournalTail = false;
        });
        throw error;
      }
      this.journalBytes += bytes.length;
    } catch (error) {
      for (const { reject } of batch.settle) reject(error);
      return;
    }
    this.entriesInJournal += batch.entries.length;
    batch.entries.forEach((entry, i) => this.kept.push(entry, lines[i]?.length ?? 0));
    this.kept.trim();
    batch.entries.forEach((entry, i) => batch.settle[i]?.resolve(entry));
    for (const entry of batch.entries) {
      try {
        this.events.emit('append', entry);
      } catch {
        // A listener's failure is its own; the entry is recorded either way.
      }
    }
    if (this.journalNeedsCompaction()) {
      try {
        if (this.keptIsJournalTail) await this.rewriteFromTail();
        else await this.rewrite(this.kept.list);
      } catch (error) {
        if (this.events.listenerCount('error') > 0) this.events.emit('error', error);
      }
    }
  }

  private journalNeedsCompaction(): boolean {
    return needsCompaction({ entryLines: this.entriesInJournal, bytes: this.journalBytes }, this.limits);
  }

  /** Replaces the journal with a header and `keep`, atomically. */
  private async rewrite(keep: readonly HistoryEntry[]): Promise<void> {
    const sizes: number[] = [];
    let bytes = 0;
    await this.replaceJournal(
      headerLine(this.nextId),
      async (out) => {
        // Encoded and written a slice at a time: the event loop is never held for the whole
        // history, nor is a second copy of it made.
        for (let start = 0; start < keep.length; start += REWRITE_SLICE) {
          const lines = keep.slice(start, start + REWRITE_SLICE).map((entry) => encodeJournalLine({ entry }));
          for (const line of lines) sizes.push(line.length);
          const slice = Buffer.concat(lines);
          await writeAll(out, slice);
          bytes += slice.length;
        }
      },
      (headerBytes) => {
        const kept = new KeptEntries(this.limits);
        keep.forEach((entry, i) => kept.push(entry, sizes[i] ?? 0));
        this.kept = kept;
        this.entriesInJournal = keep.length;
        this.journalBytes = headerBytes + bytes;
        this.keptIsJournalTail = true;
      },
    );
  }

  /**
   * Compaction as a copy: a header, then the journal's last `kept.bytes` bytes, which are the kept
   * entries' lines. Under a flood of large denials the history compacts every few hundred appends;
   * encoding every kept entry each time made hundreds of MB of garbage a minute and held the event
   * loop for the encoding, while this moves the bytes through one reused buffer.
   */
  private async rewriteFromTail(): Promise<void> {
    // Taken before anything is awaited, as rewrite() does (see replaceJournal).
    const header = headerLine(this.nextId);
    const from = this.journalBytes - this.kept.bytes;
    const journal = await open(this.journalPath, 'r');
    try {
      // The file must be as long as the sizes say, and the copy start where a line starts: anything
      // else means the sizes and the file disagree.
      const before = Buffer.alloc(1);
      const sameSize = (await journal.stat()).size === this.journalBytes;
      const startsALine = from >= 1 && (await journal.read(before, 0, 1, from - 1)).bytesRead === 1;
      if (!sameSize || !startsALine || before[0] !== NEWLINE) {
        this.keptIsJournalTail = false;
        await this.rewrite(this.kept.list);
        return;
      }
      await this.replaceJournal(
        header,
        async (out) => {
          const buffer = Buffer.allocUnsafe(Math.min(COPY_BYTES, this.kept.bytes) || 1);
          for (let at = from; at < this.journalBytes;) {
            const want = Math.min(buffer.length, this.journalBytes - at);
            const read = await journal.read(buffer, 0, want, at);
            if (read.bytesRead === 0) throw new Error(`history journal ended at ${at} while compacting`);
            await writeAll(out, buffer.subarray(0, read.bytesRead));
            at += read.bytesRead;
          }
        },
        (headerBytes) => {
          this.entriesInJournal = this.kept.count;
          this.journalBytes = headerBytes + this.kept.bytes;
        },
      );
    } finally {
      await journal.close();
    }
  }

  /**
   * Writes a new journal to a temp file (`header`, then what `write` writes), syncs it and renames it
   * over the journal; `installed` then records what the journal now holds (it is given the header's
   * size), before the new file is opened for appends: should that open fail, the next flush opens
   * it, and the sizes already describe it. The header carries the id sequence as of the
   * compaction's start, taken before anything is awaited: ids handed out later are in appends not
   * yet written, and a crash before they are must not leave a gap in the sequence.
   */
  private async replaceJournal(
    header: Buffer,
    write: (out: FileHandle) => Promise<void>,
    installed: (headerBytes: number) => void,
  ): Promise<void> {
    const temp = this.journalPath + TEMP_SUFFIX;
    const out = await open(temp, 'w');
    try {
      await writeAll(out, header);
      await write(out);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(temp, this.journalPath);
    // The old handle now writes to the replaced file: drop it before anything can use it.
    const previous = this.handle;
    this.handle = undefined;
    installed(header.length);
    await previous?.close().catch(() => undefined);
    this.handle = await open(this.journalPath, 'a');
    await fsyncDir(this.dir);
  }
}
