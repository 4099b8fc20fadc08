// `npm run bench`: Socket Warden against the engine directly, in one run, on the test stack's private
// engine. Prints a table of socket-warden/direct ratios; exits 0 even when a target is missed (it is a
// measurement), 1 when it cannot measure (no stack, daemon does not start).
//
//   node dist/bench/run.js [row ...]     rows: ping, request-rate, streaming, container-create,
//                                        derived-images, filtered-socket, hostile-container
//                                        (default: all)
//   SW_BENCH_CPU_PROF=<dir>              write a --cpu-prof profile of the daemon there
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allowedImageOf, writeBenchAdminSettings } from './admin-settings.js';
import type { BenchContext, BenchRow, RowProducer } from './bench-row.js';
import { startDaemon, type DaemonProcess } from './daemon-process.js';
import { containerCreateRows } from './rows/container-create.js';
import { derivedImageRows } from './rows/derived-images.js';
import { filteredSocketRows } from './rows/filtered-socket.js';
import { hostileContainerRows } from './rows/hostile-container.js';
import { pingRow } from './rows/ping.js';
import { requestRateRows } from './rows/request-rate.js';
import { streamingRows } from './rows/streaming.js';
import { zeroCopy } from '../electron/core/proxy/zero-copy-relay.js';
import { exchange, exchangeJson } from './socket-http.js';
import { readStackEnv } from './stack-env.js';
import { formatTable, summarize } from './table.js';
import { errorMessage } from '../shared/error-message.js';

/**
 * In the order they run; later issues add theirs here. The policy rows come after streaming so its
 * VmHWM (peak since start) row still measures the relay of the foundation rows alone.
 */
const PRODUCERS: RowProducer[] = [
  pingRow,
  requestRateRows,
  streamingRows,
  containerCreateRows,
  derivedImageRows,
  filteredSocketRows,
  hostileContainerRows,
];

/** The daemon inherits this environment and loads the same build: what the bench finds, it finds. */
const zeroCopyWords = (): string => (zeroCopy.available ? 'on' : `off: ${zeroCopy.detail}`);

const progress = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (dir !== path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes('"name": "socket-warden"'))
      return dir;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the socket-warden checkout above the bench');
}

async function engineAnswers(socketPath: string): Promise<boolean> {
  try {
    return (await exchange(socketPath, false, 'HEAD', '/_ping')).status === 200;
  } catch {
    return false;
  }
}

/** Removes the containers this run created (named `<prefix>-...`), e.g. after Ctrl-C mid-row. */
async function removeOwnContainers(socketPath: string, prefix: string): Promise<void> {
  const filters = encodeURIComponent(JSON.stringify({ name: [`^/${prefix}-`] }));
  const listed = await exchangeJson(socketPath, 'GET', `/containers/json?all=1&filters=${filters}`);
  if (!Array.isArray(listed.json)) return;
  for (const entry of listed.json as { Id?: unknown }[]) {
    if (typeof entry.Id === 'string')
      await exchange(socketPath, false, 'DELETE', `/containers/${entry.Id}?force=1&v=1`);
  }
}

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((name) => !PRODUCERS.some((producer) => producer.name === name));
  if (unknown.length > 0) {
    console.error(`unknown row(s): ${unknown.join(', ')}; rows: ${PRODUCERS.map((p) => p.name).join(', ')}`);
    return 2;
  }
  const producers = argv.length === 0 ? PRODUCERS : PRODUCERS.filter((p) => argv.includes(p.name));

  const lookup = readStackEnv();
  if (lookup.kind === 'missing' || !(await engineAnswers(lookup.stack.dockerSocket))) {
    const why = lookup.kind === 'missing' ? lookup.reason : `${lookup.stack.dockerSocket} does not answer`;
    const engine = process.env.SW_ENGINE ?? 'docker20';
    console.error(
      `bench: the ${engine} test stack is not up (${why}).\nStart it with: sudo SW_ENGINE=${engine} scripts/test-stack.sh up`,
    );
    return 1;
  }
  const { stack } = lookup;

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swbench-'));
  const profileDir = process.env.SW_BENCH_CPU_PROF;
  let daemon: DaemonProcess | null = null;
  const namePrefix = `swbench-${process.pid}`;
  const cleanUp = async (): Promise<void> => {
    await daemon?.stop();
    await removeOwnContainers(stack.dockerSocket, namePrefix).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  };
  const interrupted = (): void => {
    progress('interrupted; cleaning up');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    const adminSettings = path.join(dir, 'admin-settings.json');
    await writeBenchAdminSettings(adminSettings, stack.registry);
    daemon = await startDaemon({
      repoRoot: repoRoot(),
      upstream: stack.dockerSocket,
      dir,
      adminSettings,
      nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [],
    });
    progress(`socket-warden serve (pid ${daemon.pid}) on ${daemon.socketPath}; engine ${stack.dockerSocket}`);
    const context: BenchContext = {
      directSocket: stack.dockerSocket,
      proxySocket: daemon.socketPath,
      proxyPid: daemon.pid,
      cli: stack.cli,
      allowedImage: allowedImageOf(stack.registry),
      namePrefix,
      progress,
    };
    const rows: BenchRow[] = [];
    const started = performance.now();
    for (const producer of producers) rows.push(...(await producer.run(context)));
    progress(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(
      `\nSocket Warden bench (${os.cpus().length} CPUs, node ${process.version}; zero-copy relay ${zeroCopyWords()}); ratio = socket-warden / direct\n`,
    );
    console.log(formatTable(rows));
    console.log(`\n${summarize(rows)}`);
    return 0;
  } catch (error) {
    console.error(`bench: ${errorMessage(error)}`);
    if (daemon) console.error(`daemon output:\n${daemon.output()}`);
    return 1;
  } finally {
    await cleanUp();
  }
}

process.exitCode = await main(process.argv.slice(2));
