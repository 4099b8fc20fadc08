// A hostile container cannot take Socket Warden down (docs/containment.md). Each attack runs from inside a
// container allowed to mount the socket (node and bench/hostile-client.js bind-mounted into it), against
// its filtered socket, while this process pings the main socket with fresh connections. Judged by
// outcome: what the attacker was answered, the daemon's descriptors (/proc/<pid>/fd) and RSS
// (/proc/<pid>/status), the journal's size, and ping latency. The bounds here are generous, to prove
// the mechanism on a loaded machine; the targets are rows of `npm run bench` (hostile-container).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttackReport } from '../../bench/hostile-client.js';
import { pingOnce, pingWhile, type PingSeries } from '../../bench/ping-probe.js';
import { countFds } from '../../bench/proc-fds.js';
import { readProcMemory } from '../../bench/proc-memory.js';
import { percentile } from '../../bench/stats.js';
import { HISTORY_TEXT_LIMITS } from '../../electron/core/history/entry-bounds.js';
import { HistoryStore, historyDirIn, JOURNAL_FILE } from '../../electron/core/history/history-store.js';
import { DEFAULT_MAX_BYTES } from '../../electron/core/history/retention.js';
import { DEFAULT_PROXY_LIMITS } from '../../electron/core/proxy/client-limits.js';
import { adminSettingsJson, WardenProcess, writeAdminFile } from './daemon-harness.js';
import { docker, loadStack, type CliResult } from './stack.js';

const stack = loadStack();
const P = `swt-hc-${randomBytes(4).toString('hex')}`;
const CURL_IMAGE = `${stack.registry}/library/curl:latest`;
const ENGINE = stack.dockerSocket;
const SOCK = '/var/run/docker.sock';
const ATTACKER = `${P}-attacker`;
const CLIENT = path.resolve('dist/bench/hostile-client.js');
const PER_CONTAINER = DEFAULT_PROXY_LIMITS.container.maxConnections;

let dir: string;
let warden: WardenProcess;

const direct = (args: string[], timeoutMs?: number): Promise<CliResult> =>
  docker(stack.dockerHost, args, timeoutMs === undefined ? {} : { timeoutMs });

/**
 * `-v` options that let the host's node run in a busybox container: the binary, its ELF interpreter and
 * the directories of its libraries, each at the path the binary looks for it.
 */
function nodeMounts(): string[] {
  const node = realpathSync(process.execPath);
  const mounts = new Map<string, string>([['/usr/local/bin/node', node]]);
  const ldd = execFileSync('ldd', [node], { encoding: 'utf8' });
  for (const [, file] of ldd.matchAll(/(\/\S+)\s+\(0x/g)) {
    if (!file) continue;
    const where = path.dirname(file);
    if (!mounts.has(where)) mounts.set(where, realpathSync(where));
  }
  return [...mounts].flatMap(([target, source]) => ['-v', `${source}:${target}:ro`]);
}

/** Runs an attack inside the attacker container, against its filtered socket. */
async function attackInside(args: string[], timeoutMs = 90_000): Promise<AttackReport> {
  const [attack, ...rest] = args;
  const result = await direct(
    ['exec', ATTACKER, '/usr/local/bin/node', '/attack/hostile-client.mjs', attack ?? '', SOCK, ...rest],
    timeoutMs,
  );
  if (result.code !== 0) throw new Error(`attack ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as AttackReport;
}

interface Sampled {
  peakRssMb: number;
  peakFds: number;
}

/** The daemon's highest RSS and descriptor count while `during` runs. */
async function sampleWhile(pid: number, during: Promise<unknown>): Promise<Sampled> {
  const sampled: Sampled = { peakRssMb: 0, peakFds: 0 };
  const take = (): void => {
    sampled.peakRssMb = Math.max(sampled.peakRssMb, (readProcMemory(pid)?.rssKb ?? 0) / 1024);
    sampled.peakFds = Math.max(sampled.peakFds, countFds(pid));
  };
  take();
  const timer = setInterval(take, 25);
  try {
    await during.catch(() => undefined);
  } finally {
    clearInterval(timer);
    take();
  }
  return sampled;
}

const rssMb = (): number => (readProcMemory(wardenPid())?.rssKb ?? 0) / 1024;
function wardenPid(): number {
  const pid = warden.child.pid;
  if (pid === undefined) throw new Error('the daemon has no pid');
  return pid;
}

/** Runs `attack` while pinging the main socket and sampling the daemon; everything it saw. */
async function underAttack(attack: () => Promise<AttackReport>): Promise<{
  report: AttackReport;
  pings: PingSeries;
  sampled: Sampled;
  rssBeforeMb: number;
  fdsBefore: number;
}> {
  const rssBeforeMb = rssMb();
  const fdsBefore = countFds(wardenPid());
  const running = attack();
  const [pings, sampled, report] = await Promise.all([
    pingWhile(warden.listen, running),
    sampleWhile(wardenPid(), running),
    running,
  ]);
  return { report, pings, sampled, rssBeforeMb, fdsBefore };
}

beforeAll(async () => {
  if (!existsSync(CLIENT)) throw new Error('run `npm run build:engine` first (the attacker runs from dist/)');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-hc-'));
  // The engine (root) reaches the filtered sockets under the data dir.
  await fs.chmod(dir, 0o755);
  await writeAdminFile(
    WardenProcess.paths(dir).adminFile,
    adminSettingsJson({ images: [CURL_IMAGE], commandList: { type: 'deny', commands: ['push'] } }),
  );
  warden = await WardenProcess.start({ dir, upstream: ENGINE });
  const run = await docker(warden.host, [
    'run',
    '-d',
    '--name',
    ATTACKER,
    '--network',
    'none',
    '-v',
    `${ENGINE}:${SOCK}`,
    ...nodeMounts(),
    '-v',
    `${CLIENT}:/attack/hostile-client.mjs:ro`,
    CURL_IMAGE,
    'sleep',
    '3600',
  ]);
  if (run.code !== 0) throw new Error(`cannot start the attacker: ${run.stderr}\n${warden.output}`);
});

afterAll(async () => {
  await direct(['rm', '-f', ATTACKER]);
  await warden?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('from inside an allowed container', () => {
  it('reaches the engine through its filtered socket, with node (the control)', async () => {
    const result = await direct([
      'exec',
      ATTACKER,
      '/usr/local/bin/node',
      '-e',
      `require('http').get({ socketPath: '${SOCK}', path: '/_ping', agent: false }, (r) => { console.log(r.statusCode); r.resume(); })`,
    ]);
    expect(result.stdout.trim()).toBe('200');
  });

  it('3000 connections sending half a head: the main socket answers, descriptors stay bounded, the heads are cut at the deadline', async () => {
    const { report, pings, sampled, fdsBefore } = await underAttack(() =>
      attackInside(['half-heads', '3000', '30000']),
    );
    expect(report.connections).toBe(3000);
    // At most the cap were accepted and waited for; every other one was refused at once.
    const cut = report.outcomes['408'] ?? 0;
    expect(cut).toBeGreaterThan(0);
    expect(cut).toBeLessThanOrEqual(PER_CONTAINER);
    // The rest were refused at once: told 429, or (past as many lingering refusals as the cap) closed.
    const outcomes = JSON.stringify(report.outcomes);
    expect(report.outcomes['429'], outcomes).toBeGreaterThan(0);
    expect((report.outcomes['429'] ?? 0) + (report.outcomes.none ?? 0), outcomes).toBe(3000 - cut);
    expect(report.outcomes.open ?? 0).toBe(0);
    const deadline = DEFAULT_PROXY_LIMITS.container.headTimeoutMs;
    expect(report.answeredMs['408']?.first).toBeGreaterThan(deadline - 1000);
    expect(report.answeredMs['408']?.last).toBeLessThan(deadline + 10_000);
    expect(sampled.peakFds - fdsBefore).toBeLessThan(PER_CONTAINER + 200);
    expect(pings.failed).toBe(0);
    expect(percentile(pings.ms, 99)).toBeLessThan(1000);
    expect(countFds(wardenPid()) - fdsBefore).toBeLessThan(20);
  });

  it('300 requests with ~900 KB targets: refused 414 unjudged, RSS bounded, the main socket fast', async () => {
    const { report, pings, sampled, rssBeforeMb } = await underAttack(() =>
      attackInside(['denied', '300', '8', '900000', '/v1.41/images/{fill}/push']),
    );
    expect(report.outcomes).toEqual({ '414': 300 });
    expect(pings.failed).toBe(0);
    expect(percentile(pings.ms, 99)).toBeLessThan(1000);
    expect(sampled.peakRssMb - rssBeforeMb).toBeLessThan(300);
  });

  it('300 denied requests with targets at the limit: RSS and the journal stay bounded, each entry cut and saying so', async () => {
    const fill = DEFAULT_PROXY_LIMITS.container.maxTargetBytes - '/v1.41/images//push'.length;
    const { report, pings, sampled, rssBeforeMb } = await underAttack(() =>
      attackInside(['denied', '300', '8', String(fill), '/v1.41/images/{fill}/push']),
    );
    expect(report.outcomes).toEqual({ '403': 300 });
    expect(pings.failed).toBe(0);
    expect(percentile(pings.ms, 99)).toBeLessThan(1000);
    expect(sampled.peakRssMb - rssBeforeMb).toBeLessThan(300);
    const history = await warden.history();
    const denied = history.filter((entry) => entry.request.uri.startsWith('/v1.41/images/aaaa'));
    expect(denied).toHaveLength(300);
    for (const entry of denied) {
      expect(entry.request.uri.length).toBe(HISTORY_TEXT_LIMITS.uri);
      expect(entry.truncated?.uri).toBe(DEFAULT_PROXY_LIMITS.container.maxTargetBytes);
      expect(entry.message.length).toBeLessThanOrEqual(HISTORY_TEXT_LIMITS.message);
    }
    const journal = await fs.stat(path.join(historyDirIn(warden.dataDir), JOURNAL_FILE));
    expect(journal.size).toBeLessThan(300 * 12_000);
  });

  it('24 concurrent 8 MiB create bodies: refused 413 at once, the main socket stays fast, RSS bounded', async () => {
    const { report, pings, sampled, rssBeforeMb } = await underAttack(() =>
      attackInside(['bodies', '24', String(8 << 20)]),
    );
    expect(report.outcomes).toEqual({ '413': 24 });
    expect(report.answeredMs['413']?.last).toBeLessThan(10_000);
    expect(pings.failed).toBe(0);
    expect(percentile(pings.ms, 99)).toBeLessThan(1000);
    expect(sampled.peakRssMb - rssBeforeMb).toBeLessThan(300);
  });
});

describe('restart on a full history', () => {
  it('a journal full of the largest entries: answers within seconds and stays small', async () => {
    await warden.stop();
    // The largest entries there are: every text field at its bound, in characters JSON writes as six bytes.
    const store = await HistoryStore.open(historyDirIn(warden.dataDir));
    const huge = (n: number): string => '\u0001'.repeat(n + 1);
    const largest = {
      kind: 'command-blocked' as const,
      requester: {
        kind: 'container' as const,
        id: huge(HISTORY_TEXT_LIMITS.requesterId),
        name: huge(HISTORY_TEXT_LIMITS.requesterName),
        image: huge(HISTORY_TEXT_LIMITS.requesterImage),
      },
      request: { method: 'POST', uri: huge(HISTORY_TEXT_LIMITS.uri) },
      image: huge(HISTORY_TEXT_LIMITS.image),
      imageId: huge(HISTORY_TEXT_LIMITS.imageId),
      reason: 'command-blocked' as const,
      message: huge(HISTORY_TEXT_LIMITS.message),
    };
    // Until the history is at its byte bound (each entry is ~80 KB).
    while (store.keptBytes() < DEFAULT_MAX_BYTES - 100_000)
      await Promise.all(Array.from({ length: 20 }, () => store.append(largest)));
    await store.close();
    const journal = await fs.stat(path.join(historyDirIn(warden.dataDir), JOURNAL_FILE));
    expect(journal.size).toBeGreaterThan(DEFAULT_MAX_BYTES - 100_000);

    const started = performance.now();
    warden = await WardenProcess.start({ dir, upstream: ENGINE });
    let ping = await pingOnce(warden.listen);
    while (!ping.ok && performance.now() - started < 30_000) ping = await pingOnce(warden.listen);
    const answeredAfterMs = performance.now() - started;
    expect(ping.ok).toBe(true);
    expect(answeredAfterMs).toBeLessThan(10_000);
    expect(rssMb()).toBeLessThan(300);
    expect((await warden.history()).length).toBeGreaterThan(100);
  });
});
