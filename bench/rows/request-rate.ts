// GET /containers/json (docker ps) requests per second with N clients each looping on its own
// keep-alive connection, for a fixed time per side, beside the peers in the same run.
import type http from 'node:http';
import { alternateAmong } from '../alternate.js';
import type { BenchRow, PathName, RowProducer } from '../bench-row.js';
import { peerValues, socketOfPath } from '../peers/peer-paths.js';
import { withPeers } from '../peers/peers.js';
import { exchange, keepAliveAgent } from '../socket-http.js';

const CONCURRENCY = [1, 16, 64];
/** Two windows per side and level (ABBA), 3 s per side in all. */
const ROUNDS = 2;
const WINDOW_MS = 1500;
const PATH = '/containers/json';

/** Completed requests per second over one window. */
export async function measureRate(
  socketPath: string,
  agent: http.Agent,
  concurrency: number,
): Promise<number> {
  const start = performance.now();
  const deadline = start + WINDOW_MS;
  let completed = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const { status } = await exchange(socketPath, agent, 'GET', PATH);
      if (status !== 200) throw new Error(`GET ${PATH} answered ${status}`);
      if (performance.now() <= deadline) completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return completed / (WINDOW_MS / 1000);
}

/** Opens every connection before timing (one request on each). */
export async function openConnections(
  socketPath: string,
  agent: http.Agent,
  concurrency: number,
): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, () => exchange(socketPath, agent, 'GET', PATH)));
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

export const requestRateRows: RowProducer = {
  name: 'request-rate',
  run: (context) =>
    withPeers(context.directSocket, context.progress, async (peers) => {
      const paths: PathName[] = ['direct', 'proxy', ...peers.running];
      const socketOf = socketOfPath(context, peers);
      const rows: BenchRow[] = [];
      for (const concurrency of CONCURRENCY) {
        context.progress(
          `request rate: GET ${PATH} at concurrency ${concurrency} through ${paths.join(', ')}`,
        );
        const agents = new Map<PathName, http.Agent>(
          paths.map((path) => [path, keepAliveAgent(concurrency)]),
        );
        const agentOf = (path: PathName): http.Agent => agents.get(path) as http.Agent;
        try {
          for (const path of paths) await openConnections(socketOf(path), agentOf(path), concurrency);
          const rates = await alternateAmong(paths, ROUNDS, (path) =>
            measureRate(socketOf(path), agentOf(path), concurrency),
          );
          rows.push({
            metric: `GET ${PATH} rate, concurrency ${concurrency}`,
            unit: 'req/s',
            direct: mean(rates.direct),
            proxy: mean(rates.proxy),
            target: concurrency === 64 ? { kind: 'ratio-at-least', min: 0.8 } : { kind: 'none' },
            peers: peerValues(peers, (peer) => mean(rates[peer])),
            ahead: ['haproxy'],
          });
        } finally {
          for (const agent of agents.values()) agent.destroy();
        }
      }
      return rows;
    }),
};
