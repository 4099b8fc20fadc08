// Sockets and values by path (the engine, Socket Warden, each running peer), for rows that measure
// them all alike.
import type { BenchContext, PathName, PeerName } from '../bench-row.js';
import type { Peers } from './peers.js';

export function socketOfPath(context: BenchContext, peers: Peers): (path: PathName) => string {
  return (path) => {
    if (path === 'direct') return context.directSocket;
    if (path === 'proxy') return context.proxySocket;
    const socket = peers.sockets[path];
    if (socket === undefined) throw new Error(`peer ${path} is not running`);
    return socket;
  };
}

/** `valueOf` for each running peer, for BenchRow.peers. */
export function peerValues(
  peers: Peers,
  valueOf: (peer: PeerName) => number,
): Partial<Record<PeerName, number>> {
  return Object.fromEntries(peers.running.map((peer) => [peer, valueOf(peer)]));
}
