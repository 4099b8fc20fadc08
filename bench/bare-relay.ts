// References for the streaming rows: the cheapest relays there are (no HTTP, no policy), each in its
// own process, as the daemon is. What they reach against the engine directly shows how much of the gap
// is the extra hop itself (copies, wake-ups, CPU shared with the engine) rather than Socket Warden:
// - `node`: one socket piped into another, the floor of a proxy whose bytes pass through JavaScript;
// - `splice`: the daemon's own splice(2) relay (native/splice/) moving everything each way until the
//   end, the floor of any proxy on this machine, since the bytes never leave the kernel.
//
//   node dist/bench/bare-relay.js <node|splice> <listen socket> <upstream socket>     (the child)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { readClient } from '../electron/core/proxy/client-reads.js';
import { ReadBufferPool } from '../electron/core/proxy/read-buffers.js';
import { spliceAvailable, spliceTransfer } from '../electron/core/proxy/splice-transfer.js';

export type BareRelayKind = 'node' | 'splice';

export interface BareRelay {
  socketPath: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startBareRelay(
  kind: BareRelayKind,
  socketPath: string,
  upstream: string,
): Promise<BareRelay> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), kind, socketPath, upstream], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await Promise.race([
    once(child.stdout, 'data'),
    once(child, 'exit').then(() => {
      throw new Error('the bare relay exited before listening');
    }),
  ])) as [Buffer];
  if (!line.toString().startsWith('listening') || child.pid === undefined)
    throw new Error(`the bare relay did not start: ${line.toString()}`);
  return {
    socketPath,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function serveNode(listen: string, upstream: string): void {
  rmSync(listen, { force: true });
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const engine = net.connect({ path: upstream, allowHalfOpen: true });
    client.pipe(engine);
    engine.pipe(client);
    client.on('error', () => engine.destroy());
    engine.on('error', () => client.destroy());
  });
  server.listen(listen, () => process.stdout.write('listening\n'));
  process.on('SIGTERM', () => process.exit(0));
}

/**
 * Everything from `from` to `to` through the kernel, then `to` is ended (half-close, as a pipe does).
 * Both sockets read through `onread`-style buffers, so a pause stops their reads at once and no byte
 * waits in Node while the kernel moves the ones behind it (zero-copy-relay.ts).
 */
function spliceAll(from: net.Socket, to: net.Socket): void {
  const transfer = spliceTransfer(from, to, {
    // Everything to the input's end: the relay never asks for a next plan.
    first: () => ({ move: 'all', last: true }),
    outcome: (result) => {
      if (result.kind === 'ended') to.end();
      else if (result.kind !== 'closed') {
        from.destroy();
        to.destroy();
      }
    },
  });
  if (!transfer) throw new Error('the splice relay could not start');
}

function serveSplice(listen: string, upstream: string): void {
  if (!spliceAvailable()) {
    console.error('bare-relay splice: the zero-copy relay is not available (npm run build builds it)');
    process.exit(1);
  }
  rmSync(listen, { force: true });
  const pool = new ReadBufferPool();
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    // Nothing is read in JS: bytes arriving before the relay starts would be dropped here, so the relay
    // starts (from a paused socket) before anything is read.
    readClient(client, pool, () => client.destroy(new Error('a byte reached JS')));
    const engine = net.connect({
      path: upstream,
      allowHalfOpen: true,
      onread: {
        buffer: Buffer.alloc(64 * 1024),
        callback: () => {
          engine.destroy(new Error('a byte reached JS'));
          return false;
        },
      },
    });
    engine.pause();
    client.on('error', () => engine.destroy());
    engine.on('error', () => client.destroy());
    engine.once('connect', () => {
      spliceAll(client, engine);
      spliceAll(engine, client);
    });
  });
  server.listen(listen, () => process.stdout.write('listening\n'));
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [kind, listen, upstream] = process.argv.slice(2);
  if ((kind !== 'node' && kind !== 'splice') || !listen || !upstream) {
    console.error('usage: bare-relay <node|splice> <listen socket> <upstream socket>');
    process.exit(2);
  }
  (kind === 'node' ? serveNode : serveSplice)(listen, upstream);
}
