// ~1 GB each way: `docker save` (GET /images/<name>/get), `docker cp` into a container (PUT
// /containers/<id>/archive, a tar generated on the fly) and back out (GET .../archive), bodies read and
// discarded. Throughput per side, and the proxy's memory while it relays, sampled from /proc: streaming
// must not buffer.
//
// Each transfer also runs through a bare socket relay (bench/bare-relay.ts): the floor any proxy on
// this machine stands on, shown beside the target rows for context.
//
// Download rates count from the first body byte: 20.10's `save` first copies the layers into a temp
// directory (7-12 s here, identical for both sides and noisy), which would otherwise hide the relay.
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import os from 'node:os';
import path from 'node:path';
import { startBareRelay } from '../bare-relay.js';
import type { BenchContext, BenchRow, RowProducer } from '../bench-row.js';
import { BIG_IMAGE, ensureBigImage } from '../big-image.js';
import { higher, readProcMemory, sampleRss, type ProcMemory } from '../proc-memory.js';
import { exchange, exchangeJson } from '../socket-http.js';
import { megabytesPerSecond } from '../stats.js';
import { oneFileTar, tarLength } from '../tar-stream.js';

const UPLOAD_BYTES = 1000 * (1 << 20);
const UPLOAD_NAME = 'swbench.bin';
/** Transfers per side and direction, the order reversed each round (direct, proxy, relay, relay, ...). */
const ROUNDS = 2;
type StreamSide = 'direct' | 'proxy' | 'relay';
const MEMORY_LIMIT_MB = 100;

interface Transfer {
  bytes: number;
  seconds: number;
}

/** Reads a response body to the end, timing from its first byte. */
function download(socketPath: string, path: string): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, agent: false, method: 'GET', path }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${path} answered ${res.statusCode}`));
      let bytes = 0;
      let first = 0;
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) first = performance.now();
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ bytes, seconds: (performance.now() - first) / 1000 }));
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

function sameSize(what: string, runs: Runs): void {
  const sizes = new Set([...runs.direct, ...runs.proxy, ...runs.relay].map((t) => t.bytes));
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

type Runs = Record<StreamSide, Transfer[]>;

const rateOf = (transfers: Transfer[]): number =>
  megabytesPerSecond(
    transfers.reduce((sum, t) => sum + t.bytes, 0),
    transfers.reduce((sum, t) => sum + t.seconds, 0),
  );

/** The target row (Socket Warden against direct) and the reference row (the bare relay against direct). */
function throughputRows(metric: string, runs: Runs): BenchRow[] {
  return [
    {
      metric,
      unit: 'MB/s',
      direct: rateOf(runs.direct),
      proxy: rateOf(runs.proxy),
      target: { kind: 'ratio-at-least', min: 0.9 },
    },
    {
      metric: '  same through a bare socket relay (floor)',
      unit: 'MB/s',
      direct: rateOf(runs.direct),
      proxy: rateOf(runs.relay),
      target: { kind: 'none' },
    },
  ];
}

/** Runs `measure` ROUNDS times per side, reversing the order each round so no side always goes first. */
async function alternateSides(measure: (side: StreamSide) => Promise<Transfer>): Promise<Runs> {
  const runs: Runs = { direct: [], proxy: [], relay: [] };
  const order: StreamSide[] = ['direct', 'proxy', 'relay'];
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? order : [...order].reverse()) runs[side].push(await measure(side));
  }
  return runs;
}

const megabytes = (kb: number): number => (kb * 1024) / 1e6;

export const streamingRows: RowProducer = {
  name: 'streaming',
  async run(context) {
    await ensureBigImage(context);
    const containerId = await createTarget(context);
    let peak: ProcMemory = { rssKb: 0, hwmKb: 0, anonKb: 0 };
    const relay = await startBareRelay(
      path.join(os.tmpdir(), `${context.namePrefix}-relay.sock`),
      context.directSocket,
    );
    const socketOf = (side: StreamSide): string =>
      side === 'direct' ? context.directSocket : side === 'proxy' ? context.proxySocket : relay.socketPath;
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
      context.progress(`streaming: GET /images/${BIG_IMAGE}/get (docker save), ${ROUNDS}x per side`);
      const saves = await alternateSides((side) =>
        measured(side, () => download(socketOf(side), `/images/${BIG_IMAGE}/get`)),
      );
      sameSize('save', saves);
      context.progress('streaming: PUT /containers/<id>/archive (docker cp in) of a 1000 MiB tar');
      const uploads = await alternateSides((side) =>
        measured(side, () => upload(socketOf(side), containerId)),
      );
      context.progress('streaming: GET /containers/<id>/archive (docker cp out) of that file');
      const copiesOut = await alternateSides((side) =>
        measured(side, () =>
          download(socketOf(side), `/containers/${containerId}/archive?path=/tmp/${UPLOAD_NAME}`),
        ),
      );
      sameSize('cp out', copiesOut);
      return [
        ...throughputRows('GET /images/{name}/get ~1 GB (from 1st byte)', saves),
        ...throughputRows('PUT /containers/{id}/archive ~1 GB', uploads),
        ...throughputRows('GET /containers/{id}/archive ~1 GB', copiesOut),
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
      await exchange(context.directSocket, false, 'DELETE', `/containers/${containerId}?force=1&v=1`);
    }
  },
};
