// socat as a peer row: a bare byte relay (a process per connection, read and write through an 8 KiB
// buffer, no HTTP), the cheapest proxy in common use.
import path from 'node:path';
import { startPeerProcess, type PeerProcess } from './peer-process.js';

export const SOCAT = process.env.SW_BENCH_SOCAT ?? '/usr/bin/socat';

export function startSocat(dir: string, engine: string): Promise<PeerProcess> {
  const listen = path.join(dir, 'socat.sock');
  // backlog: socat's default of 5 refuses (EAGAIN) the 16 and 64 connections the rate rows open at once.
  return startPeerProcess(
    'socat',
    SOCAT,
    [`UNIX-LISTEN:${listen},fork,backlog=128`, `UNIX-CONNECT:${engine}`],
    listen,
  );
}
