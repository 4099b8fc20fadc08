// HEAD /_ping latency over one keep-alive connection per side: what the proxy adds to the cheapest
// request (every docker CLI command starts with it).
import type http from 'node:http';
import { alternate } from '../alternate.js';
import { socketFor, type BenchRow, type RowProducer, type Side } from '../bench-row.js';
import { exchange, keepAliveAgent } from '../socket-http.js';
import { percentile } from '../stats.js';

const ROUNDS = 10;
const PER_ROUND = 400;
const WARM_UP = 200;

/** `count` sequential HEAD /_ping on one agent; each one's milliseconds. */
export async function timePings(socketPath: string, agent: http.Agent, count: number): Promise<number[]> {
  const millis: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    const { status } = await exchange(socketPath, agent, 'HEAD', '/_ping');
    millis.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (status !== 200) throw new Error(`HEAD /_ping answered ${status}`);
  }
  return millis;
}

export const pingRow: RowProducer = {
  name: 'ping',
  async run(context) {
    const agents: Record<Side, http.Agent> = { direct: keepAliveAgent(1), proxy: keepAliveAgent(1) };
    try {
      for (const side of ['direct', 'proxy'] as const)
        await timePings(socketFor(context, side), agents[side], WARM_UP);
      context.progress(`ping: ${ROUNDS * PER_ROUND} sequential HEAD /_ping per side`);
      const rounds = await alternate(ROUNDS, (side) =>
        timePings(socketFor(context, side), agents[side], PER_ROUND),
      );
      const direct = rounds.direct.flat();
      const proxy = rounds.proxy.flat();
      const rows: BenchRow[] = [
        {
          metric: 'HEAD /_ping latency p50',
          unit: 'ms',
          direct: percentile(direct, 50),
          proxy: percentile(proxy, 50),
          target: { kind: 'added-at-most', max: 0.3 },
        },
        {
          metric: 'HEAD /_ping latency p99',
          unit: 'ms',
          direct: percentile(direct, 99),
          proxy: percentile(proxy, 99),
          target: { kind: 'none' },
        },
      ];
      return rows;
    } finally {
      agents.direct.destroy();
      agents.proxy.destroy();
    }
  },
};
