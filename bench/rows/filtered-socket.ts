// A filtered socket (docs/socket-mount-permissions.md §5) against the engine directly: the proxy serves one per allowed container,
// attributing every request on it to that container and passing it through the command list. It is an
// ordinary unix socket on the host, so the host can measure it like the main one: HEAD /_ping latency
// and GET /containers/json rate at concurrency 64, judged by the foundation's proxy targets.
import { stat } from 'node:fs/promises';
import type http from 'node:http';
import { alternate } from '../alternate.js';
import type { BenchContext, BenchRow, RowProducer, Side } from '../bench-row.js';
import { createBody, createContainer, removeContainer } from '../containers.js';
import { exchangeJson, keepAliveAgent } from '../socket-http.js';
import { percentile } from '../stats.js';
import { socketMountBinds } from './container-create.js';
import { timePings } from './ping.js';
import { measureRate, openConnections } from './request-rate.js';

const PING_ROUNDS = 6;
const PINGS_PER_ROUND = 400;
const PING_WARM_UP = 200;
const RATE_ROUNDS = 2;
const CONCURRENCY = 64;

/** The host path of the container's filtered socket, once it exists. */
export async function filteredSocketOf(context: BenchContext, id: string): Promise<string> {
  const inspected = await exchangeJson(context.directSocket, 'GET', `/containers/${id}/json`);
  const mounts = (inspected.json as { Mounts?: { Source?: string; Destination?: string }[] }).Mounts ?? [];
  const source = mounts.find((mount) => mount.Destination === '/var/run/docker.sock')?.Source;
  if (!source || source === context.directSocket)
    throw new Error(`no filtered socket mounted in the container: ${JSON.stringify(mounts)}`);
  for (let tries = 0; tries < 50; tries++) {
    if ((await stat(source).catch(() => null))?.isSocket()) return source;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the filtered socket ${source} never appeared`);
}

export const filteredSocketRows: RowProducer = {
  name: 'filtered-socket',
  async run(context) {
    const id = await createContainer(
      context.proxySocket,
      false,
      `${context.namePrefix}-filtered`,
      createBody(context.allowedImage, socketMountBinds(context)),
    );
    try {
      const filtered = await filteredSocketOf(context, id);
      const socketOf = (side: Side): string => (side === 'direct' ? context.directSocket : filtered);
      const rows: BenchRow[] = [];

      const pingAgents: Record<Side, http.Agent> = { direct: keepAliveAgent(1), proxy: keepAliveAgent(1) };
      try {
        for (const side of ['direct', 'proxy'] as const)
          await timePings(socketOf(side), pingAgents[side], PING_WARM_UP);
        context.progress(`filtered socket: ${PING_ROUNDS * PINGS_PER_ROUND} HEAD /_ping per side`);
        const pings = await alternate(PING_ROUNDS, (side) =>
          timePings(socketOf(side), pingAgents[side], PINGS_PER_ROUND),
        );
        rows.push(
          {
            metric: 'filtered socket: HEAD /_ping p50',
            unit: 'ms',
            direct: percentile(pings.direct.flat(), 50),
            proxy: percentile(pings.proxy.flat(), 50),
            target: { kind: 'added-at-most', max: 0.3 },
          },
          {
            metric: 'filtered socket: HEAD /_ping p99',
            unit: 'ms',
            direct: percentile(pings.direct.flat(), 99),
            proxy: percentile(pings.proxy.flat(), 99),
            target: { kind: 'none' },
          },
        );
      } finally {
        pingAgents.direct.destroy();
        pingAgents.proxy.destroy();
      }

      const rateAgents: Record<Side, http.Agent> = {
        direct: keepAliveAgent(CONCURRENCY),
        proxy: keepAliveAgent(CONCURRENCY),
      };
      try {
        for (const side of ['direct', 'proxy'] as const)
          await openConnections(socketOf(side), rateAgents[side], CONCURRENCY);
        context.progress(`filtered socket: GET /containers/json at concurrency ${CONCURRENCY}`);
        const rates = await alternate(RATE_ROUNDS, (side) =>
          measureRate(socketOf(side), rateAgents[side], CONCURRENCY),
        );
        const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
        rows.push({
          metric: `filtered socket: GET /containers/json rate, concurrency ${CONCURRENCY}`,
          unit: 'req/s',
          direct: mean(rates.direct),
          proxy: mean(rates.proxy),
          target: { kind: 'ratio-at-least', min: 0.8 },
        });
      } finally {
        rateAgents.direct.destroy();
        rateAgents.proxy.destroy();
      }
      return rows;
    } finally {
      await removeContainer(context.directSocket, id);
    }
  },
};
