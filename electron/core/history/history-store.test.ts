import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  appendFile,
  mkdtemp,
  open,
  readFile,
  readdir,
  rm,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEntry, NewHistoryEntry } from '../../../shared/history-entry.js';
import { HistoryStore, JOURNAL_FILE, LOCK_FILE } from './history-store.js';
import { HISTORY_TEXT_LIMITS } from './entry-bounds.js';
import { decodeJournal, encodeJournalLine, JOURNAL_FORMAT } from './journal-line.js';
import { LockHeldError } from './pid-lock.js';

function denial(n: number, overrides: Partial<NewHistoryEntry> = {}): NewHistoryEntry {
  return {
    kind: 'socket-mount-denied',
    requester: { kind: 'container', id: `c${n}`, name: `probe-${n}`, image: 'docker:cli' },
    request: { method: 'POST', uri: `/v1.41/containers/create?name=probe-${n}` },
    image: 'docker.io/library/docker:cli',
    reason: 'not-allowed',
    message: `denial ${n}`,
    ...overrides,
  };
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid;
}

let dir: string;
const opened: HistoryStore[] = [];
async function openStore(opts: Parameters<typeof HistoryStore.open>[1] = {}): Promise<HistoryStore> {
  const store = await HistoryStore.open(dir, opts);
  opened.push(store);
  return store;
}
async function journalLines(): Promise<string[]> {
  return (await readFile(join(dir, JOURNAL_FILE), 'utf8')).split('\n').filter(Boolean);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-history-'));
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('HistoryStore', () => {
  it('records a denial with an id and time and finds it again', async () => {
    const store = await openStore({ now: () => new Date('2025-06-01T12:00:00Z') });
    const entry = await store.append(denial(1));
    expect(entry).toEqual({ ...denial(1), id: 1, time: '2025-06-01T12:00:00.000Z' });
    expect(store.get(1)).toEqual(entry);
    expect(store.get(2)).toBeUndefined();
    expect(store.count()).toBe(1);
  });

  it('lists newest first and pages with before', async () => {
    const store = await openStore();
    for (let n = 1; n <= 5; n++) await store.append(denial(n));
    expect(store.list({ limit: 2 }).map((e) => e.id)).toEqual([5, 4]);
    expect(store.list({ limit: 2, before: 4 }).map((e) => e.id)).toEqual([3, 2]);
    expect(store.list({ limit: 10, search: 'probe-3' }).map((e) => e.id)).toEqual([3]);
  });

  it('keeps entries and continues the id sequence across a restart', async () => {
    const first = await openStore();
    await first.append(denial(1));
    await first.append(denial(2));
    await first.close();
    const second = await openStore();
    expect(second.list({ limit: 10 }).map((e) => e.message)).toEqual(['denial 2', 'denial 1']);
    expect((await second.append(denial(3))).id).toBe(3);
  });

  it('gives concurrent appends distinct ids in call order and writes them in that order', async () => {
    const store = await openStore();
    const entries = await Promise.all(Array.from({ length: 200 }, (_, n) => store.append(denial(n))));
    expect(entries.map((e) => e.id)).toEqual(Array.from({ length: 200 }, (_, n) => n + 1));
    expect(entries.map((e) => e.message)).toEqual(Array.from({ length: 200 }, (_, n) => `denial ${n}`));
    await store.close();
    const reopened = await openStore();
    expect(reopened.list({ limit: 500 }).reverse()).toEqual(entries);
  });

  it('rejects an entry that does not fit the schema and records nothing', async () => {
    const store = await openStore();
    const bad = { ...denial(1), reason: 'because' } as unknown as NewHistoryEntry;
    await expect(store.append(bad)).rejects.toThrow();
    expect(store.count()).toBe(0);
  });

  it('tells listeners about an entry once it is on disk', async () => {
    const store = await openStore();
    const seen: Array<{ entry: HistoryEntry; onDisk: boolean }> = [];
    const stop = store.onAppend((entry) => {
      const onDisk = decodeJournal(readFileSync(join(dir, JOURNAL_FILE))).records.some(
        (r) => 'entry' in r && r.entry.id === entry.id,
      );
      seen.push({ entry, onDisk });
    });
    const entry = await store.append(denial(1));
    stop();
    await store.append(denial(2));
    expect(seen).toEqual([{ entry, onDisk: true }]);
  });

  it('keeps exactly the newest N, in memory, on disk and after a restart', async () => {
    const store = await openStore({ maxEntries: 10 });
    for (let n = 1; n <= 37; n++) await store.append(denial(n));
    expect(store.count()).toBe(10);
    expect(store.list({ limit: 100 }).map((e) => e.id)).toEqual([37, 36, 35, 34, 33, 32, 31, 30, 29, 28]);
    expect(store.get(27)).toBeUndefined();
    // The journal may run over by the slack (one entry for N = 10), never more.
    expect((await journalLines()).length - 1).toBeLessThanOrEqual(11);
    await store.close();
    const reopened = await openStore({ maxEntries: 10 });
    expect(reopened.list({ limit: 100 }).map((e) => e.id)).toEqual([37, 36, 35, 34, 33, 32, 31, 30, 29, 28]);
    expect((await reopened.append(denial(38))).id).toBe(38);
  });

  it('compacts a journal written with a larger bound when opened with a smaller one', async () => {
    const big = await openStore({ maxEntries: 100 });
    for (let n = 1; n <= 50; n++) await big.append(denial(n));
    await big.close();
    const small = await openStore({ maxEntries: 5 });
    expect(small.list({ limit: 100 }).map((e) => e.id)).toEqual([50, 49, 48, 47, 46]);
    expect(await journalLines()).toHaveLength(6);
  });

  it('keeps a huge denied request bounded, saying what was cut and how long it was', async () => {
    const store = await openStore();
    const uri = `/v1.41/images/${'a'.repeat(900_000)}/push?tag=end`;
    const entry = await store.append(
      denial(1, { request: { method: 'POST', uri }, message: `docker command "${uri}" is blocked; advice` }),
    );
    expect(entry.request.uri.length).toBe(HISTORY_TEXT_LIMITS.uri);
    expect(entry.request.uri).toMatch(/^\/v1\.41\/images\/a+\.\.\.a+\/push\?tag=end$/);
    expect(entry.message).toMatch(
      /^docker command "\/v1\.41\/images\/a+\.\.\.a+\/push\?tag=end" is blocked; advice$/,
    );
    expect(entry.truncated).toEqual({ uri: uri.length, message: uri.length + 36 });
    expect((await readFile(join(dir, JOURNAL_FILE))).length).toBeLessThan(10_000);
    await store.close();
    const reopened = await openStore();
    expect(reopened.get(1)).toEqual(entry);
  });

  it('keeps the newest entries within the byte bound, in memory, on disk and after a restart', async () => {
    const maxBytes = 20_000;
    const store = await openStore({ maxBytes });
    const big = (n: number): NewHistoryEntry => denial(n, { message: `${n} ${'m'.repeat(3000)}` });
    for (let n = 1; n <= 40; n++) await store.append(big(n));
    // Each line is ~3.3 KB: six fit in 20,000 bytes.
    expect(store.list({ limit: 100 }).map((e) => e.id)).toEqual([40, 39, 38, 37, 36, 35]);
    expect(store.keptBytes()).toBeLessThanOrEqual(maxBytes);
    // The journal may run over by the slack (a tenth) and one entry, never more.
    expect((await readFile(join(dir, JOURNAL_FILE))).length).toBeLessThanOrEqual(maxBytes * 1.1 + 3500);
    await store.close();
    const reopened = await openStore({ maxBytes });
    expect(reopened.list({ limit: 100 }).map((e) => e.id)).toEqual([40, 39, 38, 37, 36, 35]);
  });

  const headerLine = (nextId: number): Buffer =>
    encodeJournalLine({ header: { format: JOURNAL_FORMAT, version: 1, nextId } });
  const entryLine = (id: number, overrides: Partial<NewHistoryEntry> = {}): Buffer =>
    encodeJournalLine({ entry: { ...denial(id, overrides), id, time: new Date(0).toISOString() } });

  it('bounds the entries of a journal written before entries were bounded, as it opens', async () => {
    // What an older version wrote: whole targets, and the message quoting them.
    const huge = `/v1.41/images/${'h'.repeat(20_000)}/push`;
    const lines = [headerLine(1)];
    for (let id = 1; id <= 10; id++)
      lines.push(entryLine(id, { request: { method: 'POST', uri: huge }, message: huge }));
    await writeFile(join(dir, JOURNAL_FILE), Buffer.concat(lines));
    const store = await openStore();
    expect(store.recovery).toMatchObject({ cutEntries: 10, unreadBytes: 0, corruptLines: 0 });
    expect(store.count()).toBe(10);
    expect(store.keptBytes()).toBeLessThan(10 * 9000);
    expect(store.get(10)).toMatchObject({ truncated: { uri: huge.length, message: huge.length } });
    expect(store.get(10)?.request.uri).toHaveLength(HISTORY_TEXT_LIMITS.uri);
    expect((await store.append(denial(11))).id).toBe(11);
  });

  it('reads only the end of a journal far over the byte bound, and compacts it', async () => {
    const maxBytes = 20_000;
    const lines = [headerLine(1000)];
    for (let id = 1000; id < 1200; id++) lines.push(entryLine(id));
    const journal = Buffer.concat(lines);
    await writeFile(join(dir, JOURNAL_FILE), journal);
    const store = await openStore({ maxBytes });
    expect(store.recovery.unreadBytes).toBe(journal.length - 2 * maxBytes);
    expect(store.recovery.corruptLines).toBe(0);
    const ids = store.list({ limit: 1000 }).map((e) => e.id);
    expect(ids[0]).toBe(1199);
    expect(ids).toEqual(ids.map((_, i) => 1199 - i));
    expect(store.keptBytes()).toBeLessThanOrEqual(maxBytes);
    expect(store.keptBytes()).toBeGreaterThan(maxBytes - 1000);
    expect((await readFile(join(dir, JOURNAL_FILE))).length).toBeLessThanOrEqual(maxBytes + 100);
    expect((await store.append(denial(1))).id).toBe(1200);
  });

  it("goes on from the header's id when the end it read holds no entry", async () => {
    const garbage = Buffer.from(`${'00000000 not a record\n'.repeat(5000)}`);
    await writeFile(join(dir, JOURNAL_FILE), Buffer.concat([headerLine(5000), garbage]));
    const store = await openStore({ maxBytes: 10_000 });
    expect(store.count()).toBe(0);
    expect((await store.append(denial(1))).id).toBe(5000);
  });

  it('clears everything, durably, and never reuses an id', async () => {
    const store = await openStore();
    await store.append(denial(1));
    await store.append(denial(2));
    let cleared = 0;
    store.onClear(() => (cleared += 1));
    await store.clear();
    expect(cleared).toBe(1);
    expect(store.count()).toBe(0);
    expect(store.get(2)).toBeUndefined();
    await store.close();
    const reopened = await openStore();
    expect(reopened.count()).toBe(0);
    expect((await reopened.append(denial(3))).id).toBe(3);
  });

  it('keeps an append made after clear() was called', async () => {
    const store = await openStore();
    const before = store.append(denial(1));
    const clearing = store.clear();
    const after = store.append(denial(2));
    await Promise.all([before, clearing, after]);
    expect(store.list({ limit: 10 }).map((e) => e.message)).toEqual(['denial 2']);
  });

  it('drops a torn last line at open, keeps every line before it, and appends cleanly after', async () => {
    const store = await openStore();
    await store.append(denial(1));
    await store.append(denial(2));
    await store.close();
    const journal = join(dir, JOURNAL_FILE);
    const intact = (await readFile(journal)).length;
    const torn = '1a2b3c4d {"entry":{"id":3,"kind":"socket-mo';
    await appendFile(journal, torn);
    const reopened = await openStore();
    expect(reopened.recovery).toEqual({
      tornTailBytes: torn.length,
      corruptLines: 0,
      removedTempFile: false,
      cutEntries: 0,
      unreadBytes: 0,
    });
    expect(reopened.list({ limit: 10 }).map((e) => e.id)).toEqual([2, 1]);
    expect((await readFile(journal)).length).toBe(intact);
    await reopened.append(denial(3));
    await reopened.close();
    const third = await openStore();
    expect(third.recovery.tornTailBytes).toBe(0);
    expect(third.list({ limit: 10 }).map((e) => e.message)).toEqual(['denial 3', 'denial 2', 'denial 1']);
  });

  it('skips a damaged line in the middle and keeps the ones after it', async () => {
    const store = await openStore();
    for (let n = 1; n <= 3; n++) await store.append(denial(n));
    await store.close();
    const journal = join(dir, JOURNAL_FILE);
    const text = await readFile(journal, 'utf8');
    await writeFile(journal, text.replace('denial 2', 'denial X'));
    const reopened = await openStore();
    expect(reopened.recovery.corruptLines).toBe(1);
    expect(reopened.list({ limit: 10 }).map((e) => e.id)).toEqual([3, 1]);
  });

  it.each([
    { bound: 'entries', opts: { maxEntries: 7 }, size: 10 },
    { bound: 'bytes', opts: { maxBytes: 12_000 }, size: 2000 },
  ])(
    'compacts again and again by $bound into a journal of exactly the kept entries, each once, in order',
    async ({ opts, size }) => {
      const store = await openStore(opts);
      const entry = (n: number): NewHistoryEntry => denial(n, { message: `${n} ${'m'.repeat(size)}` });
      // Concurrent appends share batches, so compaction runs after batches of several sizes.
      for (let n = 1; n <= 200; n += 5)
        await Promise.all([0, 1, 2, 3, 4].map((i) => store.append(entry(n + i))));
      const kept = store.list({ limit: 1000 }).reverse();
      await store.close(); // an append resolves before the compaction it starts; close waits for it
      const lines = await journalLines();
      const records = decodeJournal(Buffer.from(`${lines.join('\n')}\n`)).records;
      expect(records[0]).toMatchObject({ header: { format: JOURNAL_FORMAT, version: 1 } });
      // Past the last compaction there may be appends, never an entry twice or out of order.
      const ids = records.slice(1).map((r) => ('entry' in r ? r.entry.id : -1));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.slice(-kept.length)).toEqual(kept.map((e) => e.id));
      expect(kept.at(-1)?.id).toBe(200);
      const reopened = await openStore(opts);
      expect(reopened.recovery).toMatchObject({ corruptLines: 0, tornTailBytes: 0 });
      expect(reopened.list({ limit: 1000 })).toEqual(kept.reverse());
    },
  );

  it('does not carry a damaged line into the journal it compacts to', async () => {
    const store = await openStore({ maxEntries: 10 });
    for (let n = 1; n <= 10; n++) await store.append(denial(n));
    await store.close();
    const journal = join(dir, JOURNAL_FILE);
    await writeFile(journal, (await readFile(journal, 'utf8')).replace('denial 9', 'denial X'));
    const reopened = await openStore({ maxEntries: 10 });
    expect(reopened.recovery.corruptLines).toBe(1);
    // Two more: the journal passes its slack and is compacted, without the line it could not read.
    for (let n = 11; n <= 13; n++) await reopened.append(denial(n));
    await reopened.close(); // an append resolves before the compaction it starts; close waits for it
    const lines = await journalLines();
    expect(lines.some((line) => line.includes('denial X'))).toBe(false);
    expect(decodeJournal(Buffer.from(`${lines.join('\n')}\n`)).corruptLines).toBe(0);
    const again = await openStore({ maxEntries: 10 });
    expect(again.recovery.corruptLines).toBe(0);
    expect(again.list({ limit: 100 }).map((e) => e.id)).toEqual([13, 12, 11, 10, 8, 7, 6, 5, 4, 3]);
  });

  it('keeps every recorded entry through compactions after a write that failed and could not be undone', async () => {
    const store = await openStore({ maxEntries: 10 });
    for (let n = 1; n <= 5; n++) await store.append(denial(n));
    // The disk fails mid-line and the cut-back fails too: half a line stays in the journal.
    const probe = await open(join(dir, JOURNAL_FILE), 'r');
    const handleProto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const { write, truncate } = handleProto;
    type BufferWrite = (this: FileHandle, bytes: Buffer, offset: number, length: number) => Promise<unknown>;
    const writeBuffer = write as unknown as BufferWrite;
    const failure = Object.assign(new Error('simulated EIO'), { code: 'EIO' });
    handleProto.write = async function (this: FileHandle, bytes: Buffer, offset: number, length: number) {
      await writeBuffer.call(this, bytes, offset, Math.floor(length / 2));
      throw failure;
    } as unknown as FileHandle['write'];
    handleProto.truncate = () => Promise.reject(failure);
    try {
      await expect(store.append(denial(6))).rejects.toThrow('simulated EIO');
    } finally {
      handleProto.write = write;
      handleProto.truncate = truncate;
    }
    // Enough for a compaction while the entries before the half line are still kept.
    for (let n = 7; n <= 14; n++) await store.append(denial(n));
    const kept = store.list({ limit: 100 }).map((e) => e.id);
    expect(kept).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 5, 4]);
    await store.close();
    const reopened = await openStore({ maxEntries: 10 });
    expect(reopened.list({ limit: 100 }).map((e) => e.id)).toEqual(kept);
    expect(reopened.recovery).toMatchObject({ corruptLines: 0, tornTailBytes: 0 });
  });

  it('removes a temp file left by a crash during compaction and keeps the journal', async () => {
    const store = await openStore();
    await store.append(denial(1));
    await store.close();
    await writeFile(join(dir, `${JOURNAL_FILE}.tmp`), 'half a compacti');
    const reopened = await openStore();
    expect(reopened.recovery.removedTempFile).toBe(true);
    expect(reopened.count()).toBe(1);
    expect(await readdir(dir)).not.toContain(`${JOURNAL_FILE}.tmp`);
  });

  it('opens an empty journal file and starts from id 1', async () => {
    await writeFile(join(dir, JOURNAL_FILE), '');
    const store = await openStore();
    expect((await store.append(denial(1))).id).toBe(1);
  });

  it('lets only one writer open a directory at a time', async () => {
    const store = await openStore();
    await expect(HistoryStore.open(dir)).rejects.toBeInstanceOf(LockHeldError);
    await store.close();
    await expect(openStore()).resolves.toBeInstanceOf(HistoryStore);
  });

  it('takes over the lock of a process that died without releasing it', async () => {
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), nonce: 'x' }));
    const store = await openStore();
    expect((await store.append(denial(1))).id).toBe(1);
  });

  it('takes over the lock of a dead process its parent has not reaped yet (a zombie)', async () => {
    // The shell forks a short sleep, then becomes a long one, which never reaps the first.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 10'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const zombie = Number(line.toString().trim());
      await expect.poll(() => readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]?.[0]).toBe('Z');
      await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: zombie, nonce: 'x' }));
      await expect(openStore()).resolves.toBeInstanceOf(HistoryStore);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('takes over a lock naming its own pid that it does not hold (a restarted container)', async () => {
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, nonce: 'x' }));
    await expect(openStore()).resolves.toBeInstanceOf(HistoryStore);
  });

  it('takes over a lock whose pid now belongs to a different process', async () => {
    // pid 1 is alive but started long before this "owner" claims to have.
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 1, nonce: 'x', startTime: 'not-its-start-time' }),
    );
    await expect(openStore()).resolves.toBeInstanceOf(HistoryStore);
  });

  it('reads, read-only, what a writer holding the lock has written', async () => {
    const writer = await openStore();
    await writer.append(denial(1));
    const reader = await openStore({ readOnly: true });
    expect(reader.list({ limit: 10 }).map((e) => e.message)).toEqual(['denial 1']);
    await expect(reader.append(denial(2))).rejects.toThrow(/read-only/);
    await expect(reader.clear()).rejects.toThrow(/read-only/);
  });

  it('reads an absent history, read-only, as empty without creating anything', async () => {
    const missing = join(dir, 'nothing-here');
    const reader = await HistoryStore.open(missing, { readOnly: true });
    expect(reader.count()).toBe(0);
    await reader.close();
    await expect(readdir(missing)).rejects.toThrow();
  });

  it('finishes pending appends before close resolves', async () => {
    const store = await openStore();
    const pending = Array.from({ length: 20 }, (_, n) => store.append(denial(n)));
    await store.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(20);
    await expect(store.append(denial(99))).rejects.toThrow(/closed/);
    const reopened = await openStore();
    expect(reopened.count()).toBe(20);
  });
});
