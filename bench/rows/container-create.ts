// POST /containers/create latency, directly and through Socket Warden, without and with a bind mount
// of the engine socket (target: ≤ 2 ms added p50 for a cached verdict, in the bench's output). Through the proxy the mount is
// judged (the image's digest against the registry's, cached after the first create) and rewritten to a
// fresh filtered socket; directly there is no policy, so the engine creates the same body as sent.
// Each create is removed right after it (not timed), so the engine's container count stays flat.
import type http from 'node:http';
import { alternate } from '../alternate.js';
import { socketFor, type BenchContext, type BenchRow, type RowProducer, type Side } from '../bench-row.js';
import { createBody, removeContainer, timeCreate } from '../containers.js';
import { exchangeJson, keepAliveAgent } from '../socket-http.js';
import { percentile } from '../stats.js';

const ROUNDS = 10;
const PER_ROUND = 10;
const WARM_UP = 5;
export const SOCKET_MOUNT_TARGET_MS = 2;

/** The spec's mount: the engine socket at /var/run/docker.sock. */
export function socketMountBinds(context: BenchContext): string[] {
  return [`${context.directSocket}:/var/run/docker.sock`];
}

/**
 * `count` creates of `body` on one side, each removed before the next; their milliseconds. Names are
 * `<prefix>-<label>-<side>-<n>` so an interrupted run's leftovers are found and removed.
 */
export async function timeCreates(
  context: BenchContext,
  side: Side,
  agent: http.Agent,
  label: string,
  body: unknown,
  count: number,
): Promise<number[]> {
  const millis: number[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${context.namePrefix}-${label}-${side}-${process.hrtime.bigint()}`;
    const { id, ms } = await timeCreate(socketFor(context, side), agent, name, body);
    millis.push(ms);
    await removeContainer(context.directSocket, id);
  }
  return millis;
}

/** Proves the proxy judged and rewrote the mount: the container sees a filtered socket, not the engine's. */
export async function assertRewritten(
  context: BenchContext,
  agent: http.Agent,
  body: unknown,
): Promise<void> {
  const name = `${context.namePrefix}-rewrite-check`;
  const { id } = await timeCreate(context.proxySocket, agent, name, body);
  try {
    const inspected = await exchangeJson(context.directSocket, 'GET', `/containers/${id}/json`);
    const mounts = (inspected.json as { Mounts?: { Source?: string; Destination?: string }[] }).Mounts ?? [];
    const socket = mounts.find((mount) => mount.Destination === '/var/run/docker.sock');
    if (!socket?.Source || socket.Source === context.directSocket)
      throw new Error(`the proxy did not rewrite the socket mount: ${JSON.stringify(mounts)}`);
  } finally {
    await removeContainer(context.directSocket, id);
  }
}

export function latencyRows(
  metric: string,
  runs: Record<Side, number[][]>,
  p50Target: BenchRow['target'],
): BenchRow[] {
  const direct = runs.direct.flat();
  const proxy = runs.proxy.flat();
  return [
    {
      metric: `${metric} p50`,
      unit: 'ms',
      direct: percentile(direct, 50),
      proxy: percentile(proxy, 50),
      target: p50Target,
    },
    {
      metric: `${metric} p99`,
      unit: 'ms',
      direct: percentile(direct, 99),
      proxy: percentile(proxy, 99),
      target: { kind: 'none' },
    },
  ];
}

export const containerCreateRows: RowProducer = {
  name: 'container-create',
  async run(context) {
    const agents: Record<Side, http.Agent> = { direct: keepAliveAgent(1), proxy: keepAliveAgent(1) };
    const plain = createBody(context.allowedImage);
    const mounted = createBody(context.allowedImage, socketMountBinds(context));
    try {
      // Warm both paths; the first mounted create through the proxy fills the digest cache.
      for (const side of ['direct', 'proxy'] as const) {
        await timeCreates(context, side, agents[side], 'plain', plain, WARM_UP);
        await timeCreates(context, side, agents[side], 'mount', mounted, WARM_UP);
      }
      await assertRewritten(context, agents.proxy, mounted);

      const count = ROUNDS * PER_ROUND;
      context.progress(`container create: ${count} creates per side without a socket mount`);
      const plainRuns = await alternate(ROUNDS, (side) =>
        timeCreates(context, side, agents[side], 'plain', plain, PER_ROUND),
      );
      context.progress(`container create: ${count} creates per side with the engine socket mounted`);
      const mountedRuns = await alternate(ROUNDS, (side) =>
        timeCreates(context, side, agents[side], 'mount', mounted, PER_ROUND),
      );
      return [
        ...latencyRows('POST /containers/create, no socket mount', plainRuns, { kind: 'none' }),
        ...latencyRows('POST /containers/create, socket mount (cached verdict)', mountedRuns, {
          kind: 'added-at-most',
          max: SOCKET_MOUNT_TARGET_MS,
        }),
      ];
    } finally {
      agents.direct.destroy();
      agents.proxy.destroy();
    }
  },
};
