// ~1 GB each way: `docker save` (GET /images/<name>/get), `docker cp` into a container (PUT
// /containers/<id>/archive, a tar generated on the fly) and back out (GET .../archive), bodies read and
// discarded. Throughput per side, and the proxy's memory while it relays, sampled from /proc: streaming
// must not buffer.
//
// Each transfer also runs through the peers (HAProxy as the popular socket proxy, socat as a bare
// relay; bench/peers/), which Socket Warden must beat, and through two bare relays (bench/bare-relay.ts):
// a Node pipe, the most a proxy whose bytes pass through JavaScript reaches on that machine, and the
// splice(2) relay alone, the most any proxy reaches there (the kernel floor).
//
// Download rates count from the first body byte: 20.10's `save` first copies the layers into a temp
// directory (7-12 s here, identical for both sides and noisy), which would otherwise hide the relay.
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import os from 'node:os';
import path from 'node:path';
import { startBareRelay } from '../bare-relay.js';
import { spliceAvailable } from '../../electron/core/proxy/splice-transfer.js';
import { alternateAmong } from '../alternate.js';
import type { BenchContext, BenchRow, PathName, PeerName, RowProducer } from '../bench-row.js';
import { BIG_IMAGE, ensureBigImage } from '../big-image.js';
import { socketOfPath } from '../peers/peer-paths.js';
import { withPeers, type Peers } from '../peers/peers.js';
import { higher, readProcMemory, sampleRss, type ProcMemory } from '../proc-memory.js';
import { exchange, exchangeJson } from '../socket-http.js';
import { median, megabytesPerSecond } from '../stats.js';
import { oneFileTar, tarLength } from '../tar-stream.js';

const UPLOAD_BYTES = 1000 * (1 << 20);
const UPLOAD_NAME = 'swbench.bin';
/**
 * Transfers per side and direction, the order reversed each round (direct, proxy, ..., ..., proxy,
 * direct). Three, so each side's median is a transfer that one disturbed transfer (a page-cache
 * writeback, the engine's own temp copy) cannot decide: with two, the sides' gaps of 2-3 points were
 * inside the noise, and the kernel floor itself read from 90 % to 105 % of direct in one day's runs.
 */
const ROUNDS = 3;
type StreamSide = PathName | 'relay' | 'kernel';
const MEMORY_LIMIT_MB = 100;

interface Transfer {
  bytes: number;
  seconds: number;
}

/**
 * A transfer that moves no byte for this long has stalled (the longest wait for a first byte is
 * 20.10's `save` copying its layers, 7-12 s here). HAProxy once stopped reading a `save` with 213 KB
 * in its receive queue, and the bench waited on it for good.
 */
const STALL_MS = 60_000;

class StalledTransfer extends Error {}

/** Fails the request once its socket has been idle STALL_MS, saying how far it got. */
function failWhenStalled(request: http.ClientRequest, what: string, bytes: () => number): void {
  request.setTimeout(STALL_MS, () =>
    request.destroy(
      new StalledTransfer(`${what}: no byte moved for ${STALL_MS / 1000} s, after ${bytes()} bytes`),
    ),
  );
}

/** Reads a response body to the end, timing from its first byte. */
function download(socketPath: string, path: string): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    // Which path failed, and how far it got: a stream cut short is told apart from a slow one.
    const failed = (error: Error, after: string): void =>
      reject(
        error instanceof StalledTransfer
          ? error
          : new Error(`GET ${path} through ${socketPath}: ${error.message}${after}`),
      );
    const request = http.request({ socketPath, agent: false, method: 'GET', path }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${path} answered ${res.statusCode}`));
      let first = 0;
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) first = performance.now();
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ bytes, seconds: (performance.now() - first) / 1000 }));
      res.on('error', (error) => failed(error, ` after ${bytes} bytes`));
    });
    failWhenStalled(request, `GET ${path} through ${socketPath}`, () => bytes);
    request.on('error', (error) => failed(error, ''));
    request.end();
  });
}

function sameSize(what: string, runs: Runs): void {
  const sizes = new Set(
    Object.values<Transfer[]>(runs).flatMap((transfers) => transfers.map((t) => t.bytes)),
  );
  if (sizes.size !== 1)
    throw new Error(`${what}: the two sides received different sizes: ${[...sizes].join(', ')}`);
}

async function upload(socketPath: string, containerId: string): Promise<Transfer> {
  const start = performance.now();
  const request = http.request({
    socketPath,
    agent: false,
    method: 'PUT',
    path: `/containers/${containerId}/archive?path=/tmp`,
    // No Content-Length: chunked, as the docker CLI sends it.
    headers: { 'Content-Type': 'application/x-tar' },
  });
  failWhenStalled(request, `PUT /containers/${containerId}/archive through ${socketPath}`, () =>
    request.socket ? request.socket.bytesWritten : 0,
  );
  const answered = new Promise<number>((resolve, reject) => {
    request.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    request.on('error', reject);
  });
  await pipeline(oneFileTar(UPLOAD_NAME, UPLOAD_BYTES), request);
  const status = await answered;
  if (status !== 200) throw new Error(`PUT /containers/${containerId}/archive answered ${status}`);
  return { bytes: tarLength(UPLOAD_BYTES), seconds: (performance.now() - start) / 1000 };
}

async function createTarget(context: BenchContext): Promise<string> {
  const created = await exchangeJson(
    context.directSocket,
    'POST',
    `/containers/create?name=${context.namePrefix}-upload`,
    { Image: 'sw-test/busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } },
  );
  const id = (created.json as { Id?: unknown } | null)?.Id;
  if (created.status !== 201 || typeof id !== 'string')
    throw new Error(
      `creating the upload container failed (${created.status}): ${JSON.stringify(created.json)}`,
    );
  return id;
}

type Runs = Partial<Record<StreamSide, Transfer[]>>;

const ratesOf = (transfers: Transfer[] = []): number[] =>
  transfers.map((t) => megabytesPerSecond(t.bytes, t.seconds));

/** A side's throughput: the median of its transfers' rates. */
const rateOf = (transfers: Transfer[] = []): number => median(ratesOf(transfers));

/** Every transfer's rate, per side, so a reader can see the spread the medians come from. */
function spread(what: string, runs: Runs): string {
  const sides = Object.entries(runs) as [StreamSide, Transfer[]][];
  return `streaming: ${what} MB/s per round: ${sides
    .map(
      ([side, transfers]) =>
        `${side} ${ratesOf(transfers)
          .map((rate) => rate.toFixed(0))
          .join('/')}`,
    )
    .join(', ')}`;
}

/**
 * The target row (Socket Warden against direct, beside the peers) and the reference rows (the bare
 * relays against direct).
 */
function throughputRows(metric: string, runs: Runs, peers: readonly PeerName[]): BenchRow[] {
  return [
    {
      metric,
      unit: 'MB/s',
      direct: rateOf(runs.direct),
      proxy: rateOf(runs.proxy),
      target: { kind: 'ratio-at-least', min: 0.9 },
      peers: Object.fromEntries(peers.map((peer) => [peer, rateOf(runs[peer])])),
      ahead: ['haproxy'],
    },
    {
      metric: '  same through a bare Node relay (JS floor)',
      unit: 'MB/s',
      direct: rateOf(runs.direct),
      proxy: rateOf(runs.relay),
      target: { kind: 'none' },
    },
    ...(runs.kernel
      ? [
          {
            metric: '  same through a bare splice relay (kernel floor)',
            unit: 'MB/s',
            direct: rateOf(runs.direct),
            proxy: rateOf(runs.kernel),
            target: { kind: 'none' },
          } satisfies BenchRow,
        ]
      : []),
  ];
}

const megabytes = (kb: number): number => (kb * 1024) / 1e6;

export const streamingRows: RowProducer = {
  name: 'streaming',
  run: (context) => withPeers(context.directSocket, context.progress, (peers) => stream(context, peers)),
};

async function stream(context: BenchContext, peers: Peers): Promise<BenchRow[]> {
  await ensureBigImage(context);
  const containerId = await createTarget(context);
  let peak: ProcMemory = { rssKb: 0, hwmKb: 0, anonKb: 0 };
  const relay = await startBareRelay(
    'node',
    path.join(os.tmpdir(), `${context.namePrefix}-relay.sock`),
    context.directSocket,
  );
  // Only where the daemon has the splice relay too (not with SW_ZERO_COPY=off).
  const kernel = spliceAvailable()
    ? await startBareRelay(
        'splice',
        path.join(os.tmpdir(), `${context.namePrefix}-kernel.sock`),
        context.directSocket,
      )
    : null;
  const pathSocket = socketOfPath(context, peers);
  const socketOf = (side: StreamSide): string => {
    if (side === 'relay') return relay.socketPath;
    if (side === 'kernel') {
      if (!kernel) throw new Error('the bare splice relay is not running');
      return kernel.socketPath;
    }
    return pathSocket(side);
  };
  const sides: StreamSide[] = [
    'direct',
    'proxy',
    ...peers.running,
    'relay',
    ...(kernel ? ['kernel' as const] : []),
  ];
  // A peer that stalls gets one more try, said in the progress; Socket Warden, the engine and the
  // bare relays get none: their stall fails the bench.
  const alternateSides = (measure: (side: StreamSide) => Promise<Transfer>): Promise<Runs> =>
    alternateAmong(sides, ROUNDS, async (side) => {
      try {
        return await measure(side);
      } catch (error) {
        if (!(error instanceof StalledTransfer) || !peers.running.includes(side as PeerName)) throw error;
        context.progress(`streaming: ${side} stalled (${error.message}); once more`);
        return measure(side);
      }
    });
  // Sample only while the proxy relays, so the peak is the streaming one.
  const measured = async (side: StreamSide, work: () => Promise<Transfer>): Promise<Transfer> => {
    if (side !== 'proxy') return work();
    const sampler = sampleRss(context.proxyPid);
    try {
      return await work();
    } finally {
      peak = higher(peak, sampler.stop());
    }
  };
  const before = readProcMemory(context.proxyPid);
  try {
    context.progress(
      `streaming: GET /images/${BIG_IMAGE}/get (docker save), ${ROUNDS}x through ${sides.join(', ')}`,
    );
    const saves = await alternateSides((side) =>
      measured(side, () => download(socketOf(side), `/images/${BIG_IMAGE}/get`)),
    );
    sameSize('save', saves);
    context.progress(spread('save', saves));
    context.progress('streaming: PUT /containers/<id>/archive (docker cp in) of a 1000 MiB tar');
    const uploads = await alternateSides((side) => measured(side, () => upload(socketOf(side), containerId)));
    context.progress(spread('cp in', uploads));
    context.progress('streaming: GET /containers/<id>/archive (docker cp out) of that file');
    const copiesOut = await alternateSides((side) =>
      measured(side, () =>
        download(socketOf(side), `/containers/${containerId}/archive?path=/tmp/${UPLOAD_NAME}`),
      ),
    );
    sameSize('cp out', copiesOut);
    context.progress(spread('cp out', copiesOut));
    return [
      ...throughputRows('GET /images/{name}/get ~1 GB (from 1st byte)', saves, peers.running),
      ...throughputRows('PUT /containers/{id}/archive ~1 GB', uploads, peers.running),
      ...throughputRows('GET /containers/{id}/archive ~1 GB', copiesOut, peers.running),
      {
        metric: 'proxy VmRSS before transfers',
        unit: 'MB',
        direct: null,
        proxy: megabytes(before?.rssKb ?? Number.NaN),
        target: { kind: 'none' },
      },
      {
        metric: 'proxy VmRSS peak during transfers',
        unit: 'MB',
        direct: null,
        proxy: megabytes(peak.rssKb),
        target: { kind: 'below', max: MEMORY_LIMIT_MB },
      },
      {
        metric: 'proxy RssAnon peak (heap, buffers)',
        unit: 'MB',
        direct: null,
        proxy: megabytes(peak.anonKb),
        target: { kind: 'none' },
      },
      {
        metric: 'proxy VmHWM (peak since start)',
        unit: 'MB',
        direct: null,
        proxy: megabytes(peak.hwmKb),
        target: { kind: 'below', max: MEMORY_LIMIT_MB },
      },
    ];
  } finally {
    await relay.stop();
    await kernel?.stop();
    await exchange(context.directSocket, false, 'DELETE', `/containers/${containerId}?force=1&v=1`);
  }
}
