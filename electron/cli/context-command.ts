// `socket-warden context`: a docker context so `docker --context socket-warden ...` (or `docker context
// use socket-warden`) goes through the proxy.
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { defaultDataDir, defaultListen } from '../core/default-paths.js';

export async function runContextCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string' },
      'data-dir': { type: 'string' },
      name: { type: 'string', default: 'socket-warden' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('Usage: socket-warden context [--name socket-warden] [--listen <socket>] [--data-dir <dir>]');
    return 0;
  }
  const listen = values.listen ?? defaultListen(values['data-dir'] ?? defaultDataDir());
  const name = values.name ?? 'socket-warden';
  const args = [
    'context',
    'create',
    name,
    '--description',
    'Docker through Socket Warden',
    '--docker',
    `host=unix://${listen}`,
  ];
  return new Promise((resolve) => {
    execFile('docker', args, (error, stdout, stderr) => {
      if (error) {
        console.error(`socket-warden: docker context create failed: ${stderr.trim() || error.message}`);
        resolve(1);
        return;
      }
      process.stdout.write(stdout);
      console.log(`Use it with: docker context use ${name}   (or: export DOCKER_HOST=unix://${listen})`);
      resolve(0);
    });
  });
}
