// HAProxy as a peer row: Debian's haproxy (2.6 on bookworm) with the path-filter configuration of the
// popular socket proxy (haproxy-config.ts), in front of the engine's socket.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { haproxyConfig } from './haproxy-config.js';
import { startPeerProcess, type PeerProcess } from './peer-process.js';

export const HAPROXY = process.env.SW_BENCH_HAPROXY ?? '/usr/sbin/haproxy';

export async function startHaproxy(dir: string, engine: string): Promise<PeerProcess> {
  const listen = path.join(dir, 'haproxy.sock');
  const config = path.join(dir, 'haproxy.cfg');
  // What the bench's rows ask for: ping, `docker ps`, `docker save`, `docker cp` both ways (PUT).
  await writeFile(
    config,
    haproxyConfig({
      listen,
      engine,
      sections: ['_ping', 'version', 'events', 'containers', 'images'],
      writes: true,
    }),
  );
  // -db: in the foreground, a child the bench can stop.
  return startPeerProcess('haproxy', HAPROXY, ['-db', '-f', config], listen);
}
