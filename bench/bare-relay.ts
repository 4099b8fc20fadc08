// A reference for the streaming rows: the cheapest relay Node can be (one socket piped into another,
// no HTTP, no policy) in its own process, as the daemon is. What it reaches against the engine directly
// is the floor any userspace proxy on this machine stands on: its ratio shows how much of the gap is
// the extra hop itself (copies, wake-ups, CPU shared with the engine) rather than Socket Warden.
//
//   node dist/bench/bare-relay.js <listen socket> <upstream socket>     (the child)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export interface BareRelay {
  socketPath: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startBareRelay(socketPath: string, upstream: string): Promise<BareRelay> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), socketPath, upstream], {
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

function serve(listen: string, upstream: string): void {
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [listen, upstream] = process.argv.slice(2);
  if (!listen || !upstream) {
    console.error('usage: bare-relay <listen socket> <upstream socket>');
    process.exit(2);
  }
  serve(listen, upstream);
}
