// The peer proxies every run measures beside Socket Warden, with the same client: HAProxy configured
// as the popular socket proxy, and socat as a bare relay. A row starts them for itself, in a private
// temp dir, and stops them when it is done; a peer not installed is reported and left out.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PeerName } from '../bench-row.js';
import { HAPROXY, startHaproxy } from './haproxy.js';
import type { PeerProcess } from './peer-process.js';
import { SOCAT, startSocat } from './socat.js';

export const PEER_NAMES: readonly PeerName[] = ['haproxy', 'socat'];

const STARTERS: Record<
  PeerName,
  { binary: string; start(dir: string, engine: string): Promise<PeerProcess> }
> = {
  haproxy: { binary: HAPROXY, start: startHaproxy },
  socat: { binary: SOCAT, start: startSocat },
};

export interface Peers {
  /** The socket of each running peer. */
  sockets: Partial<Record<PeerName, string>>;
  /** The peers that run, in PEER_NAMES order. */
  running: PeerName[];
  stop(): Promise<void>;
}

/** Starts every installed peer in front of `engine`; `progress` says which are missing. */
export async function startPeers(engine: string, progress: (line: string) => void): Promise<Peers> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swbench-peers-'));
  const processes: PeerProcess[] = [];
  const sockets: Partial<Record<PeerName, string>> = {};
  const running: PeerName[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((peer) => peer.stop()));
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    for (const name of PEER_NAMES) {
      const { binary, start } = STARTERS[name];
      if (!existsSync(binary)) {
        progress(
          `peer ${name}: ${binary} is not installed (apt-get install ${name}); its column stays empty`,
        );
        continue;
      }
      const peer = await start(dir, engine);
      processes.push(peer);
      sockets[name] = peer.socketPath;
      running.push(name);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { sockets, running, stop };
}

/** Runs `work` with the peers up, and stops them after. */
export async function withPeers<T>(
  engine: string,
  progress: (line: string) => void,
  work: (peers: Peers) => Promise<T>,
): Promise<T> {
  const peers = await startPeers(engine, progress);
  try {
    return await work(peers);
  } finally {
    await peers.stop();
  }
}
