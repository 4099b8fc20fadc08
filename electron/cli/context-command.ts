// `socket-warden context`: a docker context so `docker --context socket-warden ...` (or `docker context
// use socket-warden`) goes through the proxy. An existing context of that name is updated, so running
// it again after the socket moved (or from another directory) just works; the path stored is absolute.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultListen, userPaths } from '../core/default-paths.js';

const DESCRIPTION = 'Docker through Socket Warden';

/** The `docker context` arguments that make `name` point at `listen` (resolved against `cwd`). */
export function contextArgs(options: {
  name: string;
  listen: string;
  exists: boolean;
  cwd: string;
}): string[] {
  const socket = path.resolve(options.cwd, options.listen);
  return [
    'context',
    options.exists ? 'update' : 'create',
    options.name,
    '--description',
    DESCRIPTION,
    '--docker',
    `host=unix://${socket}`,
  ];
}

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
    console.log(
      'Usage: socket-warden context [--name socket-warden] [--listen <socket>] [--data-dir <dir>]\n\n' +
        'Creates the docker context, or updates it when it exists; the socket path is stored absolute.',
    );
    return 0;
  }
  const listen = path.resolve(values.listen ?? defaultListen(userPaths({ dataDir: values['data-dir'] })));
  const name = values.name ?? 'socket-warden';
  const inspected = await docker(['context', 'inspect', name]);
  const args = contextArgs({ name, listen, exists: inspected.ok, cwd: process.cwd() });
  const done = await docker(args);
  if (!done.ok) {
    console.error(`socket-warden: docker context ${args[1]} failed: ${done.stderr.trim() || done.message}`);
    return 1;
  }
  process.stdout.write(done.stdout);
  console.log(`Use it with: docker context use ${name}   (or: export DOCKER_HOST=unix://${listen})`);
  return 0;
}

type DockerResult = { ok: boolean; stdout: string; stderr: string; message: string };

function docker(args: string[]): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile('docker', args, (error, stdout, stderr) =>
      resolve({ ok: !error, stdout, stderr, message: error?.message ?? '' }),
    );
  });
}
