// HEAD /_ping latency over one keep-alive connection per side: what the proxy adds to the cheapest
// request (every docker CLI command starts with it), beside what the peers add in the same run.
import type http from 'node:http';
import { alternateAmong } from '../alternate.js';
import type { BenchRow, PathName, RowProducer } from '../bench-row.js';
import { withPeers } from '../peers/peers.js';
import { peerValues, socketOfPath } from '../peers/peer-paths.js';
import { exchange, keepAliveAgent } from '../socket-http.js';
import { percentile } from '../stats.js';

const ROUNDS = 10;
const PER_ROUND = 400;
/**
 * The daemon runs for hours, so it is measured warm: V8 optimizes the proxy's functions over its first
 * couple of thousand requests, which were 2-5 ms slower at the same request numbers run after run
 * (most of the p99 after a 200-request warm-up). Every side gets the same warm-up.
 */
const WARM_UP = 3000;

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
  run: (context) =>
    withPeers(context.directSocket, context.progress, async (peers) => {
      const paths: PathName[] = ['direct', 'proxy', ...peers.running];
      const socketOf = socketOfPath(context, peers);
      const agents = new Map<PathName, http.Agent>(paths.map((path) => [path, keepAliveAgent(1)]));
      const agentOf = (path: PathName): http.Agent => agents.get(path) as http.Agent;
      try {
        for (const path of paths) await timePings(socketOf(path), agentOf(path), WARM_UP);
        context.progress(`ping: ${ROUNDS * PER_ROUND} sequential HEAD /_ping through ${paths.join(', ')}`);
        const rounds = await alternateAmong(paths, ROUNDS, (path) =>
          timePings(socketOf(path), agentOf(path), PER_ROUND),
        );
        const at = (p: number) => (path: PathName) => percentile(rounds[path].flat(), p);
        const rows: BenchRow[] = [
          {
            metric: 'HEAD /_ping latency p50',
            unit: 'ms',
            direct: at(50)('direct'),
            proxy: at(50)('proxy'),
            target: { kind: 'added-at-most', max: 0.3 },
            peers: peerValues(peers, at(50)),
            ahead: ['haproxy'],
          },
          {
            metric: 'HEAD /_ping latency p99',
            unit: 'ms',
            direct: at(99)('direct'),
            proxy: at(99)('proxy'),
            target: { kind: 'none' },
            peers: peerValues(peers, at(99)),
          },
        ];
        return rows;
      } finally {
        for (const agent of agents.values()) agent.destroy();
      }
    }),
};
