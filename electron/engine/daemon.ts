// Wires the engine together: upstream, policy gate, main proxy socket. Runs unchanged in the Electron
// main process and in `socket-warden serve`.
import fs from 'node:fs/promises';
import type { Log } from './log.js';
import { transparentGate } from './proxy/request-gate.js';
import { ProxyServer } from './proxy/proxy-server.js';
import { Upstream } from './proxy/upstream.js';

export interface DaemonOptions {
  upstream: string;
  listen: string;
  dataDir: string;
  adminSettings: string;
  transparent?: boolean;
  ui?: { port: number };
  log: Log;
}

export interface Daemon {
  listenPath: string;
  upstreamPath: string;
  uiUrl?: string;
  close(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { log } = options;
  await fs.mkdir(options.dataDir, { recursive: true, mode: 0o750 });
  const upstream = new Upstream(options.upstream);
  const engineSocket = await fs.stat(options.upstream).catch(() => null);
  if (!engineSocket)
    log.warn(`engine socket ${options.upstream} not found yet; requests get an error until it appears`);
  if (options.transparent) log.warn('TRANSPARENT MODE: nothing is judged, every request is forwarded as is');
  const main = await ProxyServer.listen({
    listenPath: options.listen,
    upstream,
    gate: transparentGate,
    requester: { kind: 'host' },
    gid: engineSocket?.gid,
    onError: (error) => log.error(`proxy: ${error.stack ?? error.message}`),
  });
  return {
    listenPath: main.listenPath,
    upstreamPath: options.upstream,
    async close() {
      await main.close();
      upstream.close();
    },
  };
}
