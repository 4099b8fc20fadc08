// The denial history survives `kill -9` at any moment: a child process appends in a tight loop and
// reports each id once its append resolved; it is killed at random moments, including in the
// middle of a compaction, and the journal must then open cleanly with every reported entry.
// The child runs the real store, bundled from the TypeScript source with esbuild (vitest's own
// transform is not available to a plain `node` child).
import { spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewHistoryEntry } from '../../shared/history-entry.js';
import { HistoryStore, JOURNAL_FILE } from '../../electron/core/history/history-store.js';
import { decodeJournal } from '../../electron/core/history/journal-line.js';

const repoRoot = resolve(import.meta.dirname, '../..');
let workDir: string;
let childScript: string;

const CHILD = `
import { HistoryStore } from './history-store.mjs';
const [dir, maxEntries, concurrency, messageBytes, tag] = process.argv.slice(2);
const store = await HistoryStore.open(dir, { maxEntries: Number(maxEntries) });
process.stdout.write('open\\n');
const filler = 'x'.repeat(Number(messageBytes));
let n = 0;
async function loop() {
  for (;;) {
    const seq = n++;
    const entry = await store.append({
      kind: 'command-blocked',
      requester: { kind: 'container', id: 'c0ffee', name: 'crasher', image: 'docker:cli' },
      request: { method: 'POST', uri: '/v1.41/images/app/push?tag=' + seq },
      image: 'docker.io/library/docker:cli',
      reason: 'command-blocked',
      message: tag + ' ' + seq + ' ' + filler,
    });
    // Written only after the append resolved: every id printed here is on disk.
    process.stdout.write('ok ' + entry.id + ' ' + seq + '\\n');
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, loop));
`;

interface ChildRun {
  /** id → the child's sequence number, for every append the child saw resolve. */
  reported: Map<number, number>;
}

/**
 * Runs the child until `killWhen` says to kill it (called with a kill function once the store is
 * open), then SIGKILLs it and collects what it reported.
 */
async function runChildAndKill(
  dir: string,
  opts: { maxEntries: number; concurrency: number; messageBytes: number; tag: string },
  killWhen: (kill: () => void) => void,
): Promise<ChildRun> {
  const child = spawn(
    process.execPath,
    [
      childScript,
      dir,
      String(opts.maxEntries),
      String(opts.concurrency),
      String(opts.messageBytes),
      opts.tag,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const reported = new Map<number, number>();
  let killed = false;
  const kill = (): void => {
    if (!killed) child.kill('SIGKILL');
    killed = true;
  };
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line === 'open') killWhen(kill);
    const match = /^ok (\d+) (\d+)$/.exec(line);
    if (match) reported.set(Number(match[1]), Number(match[2]));
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
    child.on('close', (c, s) => done([c, s])),
  );
  if (signal !== 'SIGKILL') throw new Error(`child ended by itself (code ${code}): ${stderr}`);
  return { reported };
}

function newDenial(message: string): NewHistoryEntry {
  return {
    kind: 'socket-mount-denied',
    requester: { kind: 'host' },
    request: { method: 'POST', uri: '/v1.41/containers/create' },
    image: 'docker.io/library/docker:cli',
    reason: 'not-allowed',
    message,
  };
}

/** The raw journal as a crashed writer left it, before any store repairs it. */
async function rawJournal(dir: string): Promise<ReturnType<typeof decodeJournal>> {
  return decodeJournal(await readFile(join(dir, JOURNAL_FILE)));
}

const randomInt = (low: number, high: number): number => low + Math.floor(Math.random() * (high - low + 1));

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'sw-history-crash-'));
  await build({
    entryPoints: [join(repoRoot, 'electron/core/history/history-store.ts')],
    outfile: join(workDir, 'history-store.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
  childScript = join(workDir, 'child.mjs');
  await writeFile(childScript, CHILD);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('denial history under kill -9', () => {
  it('keeps every reported entry through 20 kills at random moments, and restarts cleanly', async () => {
    const dir = join(workDir, 'random-kills');
    const maxEntries = 1_000_000; // no retention here: every entry ever reported must be present
    const allReported = new Map<number, string>();
    let appendedByParent = 0;
    for (let round = 0; round < 20; round++) {
      const tag = `round-${round}`;
      const { reported } = await runChildAndKill(
        dir,
        { maxEntries, concurrency: 4, messageBytes: 200, tag },
        (kill) => setTimeout(kill, randomInt(1, 60)),
      );
      for (const [id, seq] of reported) allReported.set(id, `${tag} ${seq}`);

      const raw = await rawJournal(dir);
      expect(raw.corruptLines, `round ${round}`).toBe(0);

      // The lock of the killed child is stale; a normal start takes it over.
      const store = await HistoryStore.open(dir, { maxEntries });
      expect(store.recovery.corruptLines).toBe(0);
      expect(store.recovery.tornTailBytes).toBe(raw.tornTailBytes);
      for (const [id, label] of allReported) {
        expect(
          store.get(id)?.message.startsWith(`${label} `),
          `entry ${id} (${label}) after round ${round}`,
        ).toBe(true);
      }
      // Unresolved appends leave no gap: the ids on disk run 1..n without holes.
      const ids = store.list({ limit: maxEntries }).map((e) => e.id);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => ids.length - i));

      const more = [
        await store.append(newDenial(`parent ${round} a`)),
        await store.append(newDenial(`parent ${round} b`)),
      ];
      appendedByParent += more.length;
      expect(more[0]!.id).toBe((ids[0] ?? 0) + 1);
      await store.close();
      const again = await HistoryStore.open(dir, { maxEntries });
      expect(again.get(more[1]!.id)?.message).toBe(`parent ${round} b`);
      await again.close();
    }
    expect(allReported.size).toBeGreaterThan(20);
    expect(appendedByParent).toBe(40);
  });

  it('leaves the old journal or the new one, never a torn one, when killed during compaction', async () => {
    const dir = join(workDir, 'compaction-kills');
    const maxEntries = 2_000;
    // ~2 KB entries make each compaction rewrite ~4 MB, long enough to be caught in the middle.
    const messageBytes = 2_000;
    let killedWithTempFile = 0;
    let killedAfterRename = 0;
    let highestReported = 0;
    for (let round = 0; round < 10; round++) {
      const compactionsBeforeKill = randomInt(1, 2);
      // Even rounds kill while the temp file is being written; odd ones right after it replaced the journal.
      const afterRename = round % 2 === 1;
      const { reported } = await runChildAndKill(
        dir,
        { maxEntries, concurrency: 8, messageBytes, tag: `compaction-${round}` },
        (kill) => {
          // The store is open, so the directory exists: watch it for the compaction's files.
          let compactions = 0;
          const watcher = watch(dir, (event, name) => {
            if (!afterRename && name === `${JOURNAL_FILE}.tmp` && existsSync(join(dir, name))) {
              compactions += 1;
              if (compactions >= compactionsBeforeKill) stop(randomInt(0, 3));
            } else if (afterRename && name === JOURNAL_FILE && event === 'rename') {
              compactions += 1;
              if (compactions >= compactionsBeforeKill) stop(0);
            }
          });
          // Never run forever if no compaction is seen; the assertions below then fail.
          const fallback = setTimeout(() => stop(0), 8_000);
          const stop = (afterMs: number): void => {
            watcher.close();
            clearTimeout(fallback);
            if (afterMs === 0) kill();
            else setTimeout(kill, afterMs);
          };
        },
      );
      for (const id of reported.keys()) highestReported = Math.max(highestReported, id);
      if (existsSync(join(dir, `${JOURNAL_FILE}.tmp`))) killedWithTempFile += 1;
      else killedAfterRename += 1;

      const raw = await rawJournal(dir);
      expect(raw.corruptLines, `round ${round}`).toBe(0);
      expect(raw.tornTailBytes, `round ${round}`).toBe(0);

      const store = await HistoryStore.open(dir, { maxEntries });
      expect(store.recovery.corruptLines).toBe(0);
      const ids = store.list({ limit: maxEntries * 2 }).map((e) => e.id);
      const newest = ids[0] ?? 0;
      expect(newest).toBeGreaterThanOrEqual(highestReported);
      // Exactly the newest N, without holes.
      expect(ids).toEqual(Array.from({ length: Math.min(newest, maxEntries) }, (_, i) => newest - i));
      for (const id of reported.keys()) if (id > newest - maxEntries) expect(store.get(id)).toBeDefined();
      await store.close();
    }
    console.info(
      `history: of 10 kills, ${killedWithTempFile} landed mid-compaction, ${killedAfterRename} after its rename`,
    );
    // Both sides of the rename were hit: the old journal with a half-written temp file beside it, and the new one.
    expect(killedWithTempFile).toBeGreaterThan(0);
    expect(killedAfterRename).toBeGreaterThan(0);
  });

  it('keeps exactly the newest 10,000 by default, and opens them all after a reopen', async () => {
    const dir = join(workDir, 'full');
    const store = await HistoryStore.open(dir);
    const total = 10_000 + 1_234;
    for (let i = 0; i < total; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, total - i) }, (_, k) => store.append(newDenial(`bulk ${i + k}`))),
      );
    }
    expect(store.count()).toBe(10_000);

    const latencies: number[] = [];
    for (let i = 0; i < 500; i++) {
      const started = performance.now();
      await store.append(newDenial(`timed ${i}`));
      latencies.push(performance.now() - started);
    }
    await store.close();
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length * 0.5)] ?? 0;
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;

    const started = performance.now();
    const reopened = await HistoryStore.open(dir);
    const openMs = performance.now() - started;
    const ids = reopened.list({ limit: 20_000 }).map((e) => e.id);
    const newest = total + 500;
    expect(ids).toEqual(Array.from({ length: 10_000 }, (_, i) => newest - i));
    expect(reopened.get(newest)?.message).toBe('timed 499');
    await reopened.close();

    // Printed, not asserted: how fast it opens is the bench's target (`restart on a history full of…`,
    // first /_ping < 2 s), measured against its own figures; a timed assertion here failed CI at 2.8 s
    // while two engines' suites shared the machine's two cores.
    console.info(
      `history: append p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms; open with 10,000 entries ${openMs.toFixed(0)} ms`,
    );
  });
});
