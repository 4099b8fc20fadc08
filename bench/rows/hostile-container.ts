// Issue 12's targets: a container flooding its filtered socket cannot take Socket Warden down. Each
// flood (bench/hostile-client.ts, a child process) runs against a filtered socket while the host pings
// the main socket on fresh connections (and the engine directly, for the machine's own latency under
// that load) and the daemon's RSS is sampled: main-socket GET /_ping p99 ≤ 100 ms and RSS growth
// ≤ 100 MB under every flood. Then a second daemon starts on a history at its
// bounds: it answers within 2 s and holds under 150 MB. The filtered socket is an ordinary unix socket
// on the host, so the flood runs here rather than inside the container (the tests run it inside).
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HISTORY_TEXT_LIMITS } from '../../electron/core/history/entry-bounds.js';
import { HistoryStore, historyDirIn } from '../../electron/core/history/history-store.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES } from '../../electron/core/history/retention.js';
import { DEFAULT_PROXY_LIMITS } from '../../electron/core/proxy/client-limits.js';
import type { NewHistoryEntry } from '../../shared/history-entry.js';
import { writeBenchAdminSettings } from '../admin-settings.js';
import type { BenchContext, BenchRow, RowProducer } from '../bench-row.js';
import { createBody, createContainer, removeContainer } from '../containers.js';
import { startDaemon } from '../daemon-process.js';
import type { AttackReport } from '../hostile-client.js';
import { pingOnce, pingWhile } from '../ping-probe.js';
import { readProcMemory, sampleRss } from '../proc-memory.js';
import { percentile } from '../stats.js';
import { socketMountBinds } from './container-create.js';
import { filteredSocketOf } from './filtered-socket.js';

const CLIENT = fileURLToPath(new URL('../hostile-client.js', import.meta.url));

interface Flood {
  label: string;
  args: string[];
}

const TARGET_FILL = DEFAULT_PROXY_LIMITS.container.maxTargetBytes - '/v1.41/plugins/pull?remote='.length;
const FLOODS: Flood[] = [
  { label: '3000 half-sent heads', args: ['half-heads', '3000', '30000'] },
  // Plugin installs are refused on every filtered socket, whatever the command list: all denied.
  {
    label: '300 denied, 900 KB targets',
    args: ['denied', '300', '8', '900000', '/v1.41/plugins/pull?remote={fill}'],
  },
  {
    label: '300 denied, 64 KiB targets',
    args: ['denied', '300', '8', String(TARGET_FILL), '/v1.41/plugins/pull?remote={fill}'],
  },
  { label: '24 x 8 MiB create bodies', args: ['bodies', '24', String(8 << 20)] },
];
/**
 * The costliest bodies to judge: as many JSON values as are judged (each one decoded on the event
 * loop), and a megabyte of them (refused by their count before any is decoded).
 */
const JUDGED_VALUES = DEFAULT_PROXY_LIMITS.container.maxJudgedBodyValues;
const DENSE: Flood[] = [
  {
    label: `24 create bodies of ${JUDGED_VALUES} JSON values`,
    args: ['dense-bodies', '24', String(2 * (JUDGED_VALUES - 4) + 40)],
  },
  {
    label: '24 x 1 MiB create bodies of JSON values',
    args: ['dense-bodies', '24', String(DEFAULT_PROXY_LIMITS.container.maxJudgedBodyBytes - 64)],
  },
];
/** A short flood is repeated for this long, so the pings around it are enough for a p99. */
const FLOOD_MS = 5000;

function runAttack(args: string[], socketPath: string): Promise<AttackReport> {
  const [attack, ...rest] = args;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, attack ?? '', socketPath, ...rest], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as AttackReport);
      else reject(new Error(`hostile-client ${args.join(' ')} exited ${code}`));
    });
  });
}

/** Runs the flood again and again until FLOOD_MS have passed; the outcomes of every run. */
async function sustain(flood: Flood, socketPath: string): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  const started = performance.now();
  do {
    const report = await runAttack(flood.args, socketPath);
    for (const [status, n] of Object.entries(report.outcomes)) outcomes[status] = (outcomes[status] ?? 0) + n;
  } while (performance.now() - started < FLOOD_MS);
  return outcomes;
}

async function floodRows(context: BenchContext, filtered: string, flood: Flood): Promise<BenchRow[]> {
  const before = readProcMemory(context.proxyPid)?.rssKb ?? 0;
  const sampler = sampleRss(context.proxyPid, 25);
  const attack = sustain(flood, filtered);
  // The engine pinged directly at the same time: what the machine's load alone does to a ping.
  const [pings, direct, outcomes] = await Promise.all([
    pingWhile(context.proxySocket, attack),
    pingWhile(context.directSocket, attack),
    attack,
  ]);
  const peak = sampler.stop();
  context.progress(
    `hostile container: ${flood.label}: ${JSON.stringify(outcomes)}, ${pings.ms.length} pings (${pings.failed} failed)`,
  );
  return [
    {
      metric: `main /_ping p99 while a filtered socket gets ${flood.label}`,
      unit: 'ms',
      direct: percentile(direct.ms, 99),
      proxy: percentile(pings.ms, 99),
      target: { kind: 'below', max: 100 },
    },
    {
      metric: `RSS growth under ${flood.label}`,
      unit: 'MB',
      direct: null,
      proxy: (peak.rssKb - before) / 1024,
      target: { kind: 'below', max: 100 },
    },
  ];
}

/** Fills a data dir's history to its bounds with copies of `entry` (none: an empty history). */
async function fillHistory(dataDir: string, entry: NewHistoryEntry | null): Promise<number> {
  if (!entry) return 0;
  const store = await HistoryStore.open(historyDirIn(dataDir));
  try {
    while (store.count() < DEFAULT_MAX_ENTRIES && store.keptBytes() < DEFAULT_MAX_BYTES - 100_000)
      await Promise.all(Array.from({ length: 200 }, () => store.append(entry)));
    return store.count();
  } finally {
    await store.close();
  }
}

/** Starts a second daemon on a history filled with `entry`; how long until it answers, and its RSS. */
async function restartRows(
  context: BenchContext,
  label: string,
  entry: NewHistoryEntry | null,
): Promise<BenchRow[]> {
  const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
  const dir = await fs.mkdtemp(path.join(path.dirname(context.proxySocket), 'restart-'));
  try {
    const adminSettings = path.join(dir, 'admin-settings.json');
    await writeBenchAdminSettings(adminSettings, context.allowedImage.split('/')[0] ?? '');
    const entries = await fillHistory(path.join(dir, 'data'), entry);
    const started = performance.now();
    const daemon = await startDaemon({ repoRoot, upstream: context.directSocket, dir, adminSettings });
    try {
      let ping = await pingOnce(daemon.socketPath);
      while (!ping.ok && performance.now() - started < 20_000) ping = await pingOnce(daemon.socketPath);
      const answeredMs = performance.now() - started;
      // A moment for what opening left behind to settle, as a running daemon would.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const rssMb = (readProcMemory(daemon.pid)?.rssKb ?? 0) / 1024;
      context.progress(
        `hostile container: restart on a history ${label} (${entries} entries): answered after ${answeredMs.toFixed(0)} ms`,
      );
      return [
        {
          metric: `restart on a history ${label}: first /_ping`,
          unit: 'ms',
          direct: null,
          proxy: answeredMs,
          target: entry ? { kind: 'below', max: 2000 } : { kind: 'none' },
        },
        {
          metric: `restart on a history ${label}: RSS`,
          unit: 'MB',
          direct: null,
          proxy: rssMb,
          target: entry ? { kind: 'below', max: 150 } : { kind: 'none' },
        },
      ];
    } finally {
      await daemon.stop();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const ordinary: NewHistoryEntry = {
  kind: 'command-blocked',
  requester: {
    kind: 'container',
    id: 'f'.repeat(64),
    name: 'ci-runner-1',
    image: 'docker.io/library/docker:cli',
  },
  request: { method: 'POST', uri: `/v1.41/images/${'r'.repeat(250)}/push?tag=latest` },
  image: 'docker.io/library/docker:cli',
  reason: 'command-blocked',
  message: `socket-warden: docker command "/v1.41/images/.../push" is blocked; if you wish to allow it, configure the docker socket command list`,
};
const huge = (n: number): string => '\u0001'.repeat(n + 1);
/** Every text field at its bound, in characters JSON writes as six bytes: ~80 KB a line. */
const largest: NewHistoryEntry = {
  kind: 'command-blocked',
  requester: {
    kind: 'container',
    id: huge(HISTORY_TEXT_LIMITS.requesterId),
    name: huge(HISTORY_TEXT_LIMITS.requesterName),
    image: huge(HISTORY_TEXT_LIMITS.requesterImage),
  },
  request: { method: 'POST', uri: huge(HISTORY_TEXT_LIMITS.uri) },
  image: huge(HISTORY_TEXT_LIMITS.image),
  imageId: huge(HISTORY_TEXT_LIMITS.imageId),
  reason: 'command-blocked',
  message: huge(HISTORY_TEXT_LIMITS.message),
};

export const hostileContainerRows: RowProducer = {
  name: 'hostile-container',
  async run(context) {
    const id = await createContainer(
      context.proxySocket,
      false,
      `${context.namePrefix}-hostile`,
      createBody(context.allowedImage, socketMountBinds(context)),
    );
    const rows: BenchRow[] = [];
    try {
      const filtered = await filteredSocketOf(context, id);
      for (const flood of [...FLOODS, ...DENSE]) rows.push(...(await floodRows(context, filtered, flood)));
    } finally {
      await removeContainer(context.directSocket, id);
    }
    rows.push(...(await restartRows(context, 'full of ~800-byte entries', ordinary)));
    rows.push(...(await restartRows(context, 'full of the largest entries', largest)));
    // For comparison: what a start costs with nothing to read.
    rows.push(...(await restartRows(context, 'that is empty', null)));
    return rows;
  },
};
