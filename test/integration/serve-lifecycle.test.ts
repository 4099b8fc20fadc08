// `socket-warden serve` as a user runs it: socket permissions, an engine that dies mid-stream and comes
// back, and a clean SIGTERM. Uses a private dockerd of its own so killing it disturbs no other test.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './daemon-harness.js';
import { docker } from './stack.js';

const CLI = path.resolve('bin/socket-warden.js');
let dir: string;
let engine: ChildProcess | null = null;
let serve: ChildProcess | null = null;
let serveOutput = '';

const engineSocket = (): string => path.join(dir, 'engine.sock');
const listenSocket = (): string => path.join(dir, 'run', 'warden.sock');

async function startEngine(): Promise<void> {
  engine = spawn(
    'dockerd',
    [
      '--host',
      `unix://${engineSocket()}`,
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      path.join(dir, 'docker.pid'),
      '--iptables=false',
      '--bridge=none',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(
    async () => (await docker(`unix://${engineSocket()}`, ['version'])).code === 0,
    60_000,
    'private dockerd',
  );
}

async function killEngine(): Promise<void> {
  const proc = engine;
  engine = null;
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
  // Its containerd would linger as an unreaped zombie that the next dockerd mistakes for a live one.
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('pkill', ['-9', '-f', path.join(dir, 'exec')]);
  } catch {
    // already gone
  }
  await fs.rm(path.join(dir, 'exec', 'containerd', 'containerd.pid'), { force: true });
}

beforeAll(async () => {
  if (!existsSync('dist/electron/cli/main.js'))
    throw new Error('run `npm run build` first (the CLI runs from dist/)');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-serve-'));
  await fs.chmod(dir, 0o755);
  await startEngine();
  serve = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--upstream',
      engineSocket(),
      '--listen',
      listenSocket(),
      '--data-dir',
      path.join(dir, 'state'),
    ],
    // No admin file: as the default path (an explicit --admin-settings must exist).
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SOCKET_WARDEN_ADMIN_SETTINGS: path.join(dir, 'no-admin.json') },
    },
  );
  serve.stdout?.on('data', (d: Buffer) => (serveOutput += d.toString()));
  serve.stderr?.on('data', (d: Buffer) => (serveOutput += d.toString()));
  await waitFor(() => serveOutput.includes('DOCKER_HOST='), 20_000, 'socket-warden serve to listen');
});

afterAll(async () => {
  serve?.kill('SIGKILL');
  await killEngine();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('pkill', ['-f', path.join(dir, 'exec')]);
  } catch {
    // nothing left
  }
  try {
    execFileSync('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
  } catch {
    // nothing mounted
  }
  await fs.rm(dir, { recursive: true, force: true });
});

describe('socket-warden serve', () => {
  it('prints where it listens and the DOCKER_HOST line', () => {
    expect(serveOutput).toContain(`listening on ${listenSocket()}`);
    expect(serveOutput).toContain(`export DOCKER_HOST=unix://${listenSocket()}`);
  });

  it('gives its socket the engine socket group and no access for others', async () => {
    const [mine, theirs] = [await fs.stat(listenSocket()), await fs.stat(engineSocket())];
    expect(mine.mode & 0o777).toBe(0o660);
    expect(mine.gid).toBe(theirs.gid);
  });

  it('creates a docker context that the real CLI uses to reach the engine through it', async () => {
    const config = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-ctx-'));
    try {
      const { execFileSync } = await import('node:child_process');
      const env = { ...process.env, DOCKER_CONFIG: config };
      execFileSync(process.execPath, [CLI, 'context', '--listen', listenSocket()], { env });
      const host = execFileSync(
        'docker',
        ['context', 'inspect', 'socket-warden', '--format', '{{.Endpoints.docker.Host}}'],
        { env, encoding: 'utf8' },
      );
      expect(host.trim()).toBe(`unix://${listenSocket()}`);
      const version = execFileSync(
        'docker',
        ['--context', 'socket-warden', 'version', '--format', '{{.Server.Os}}'],
        { env, encoding: 'utf8' },
      );
      expect(version.trim()).toBe('linux');
    } finally {
      await fs.rm(config, { recursive: true, force: true });
    }
  });

  it('survives the engine dying mid-stream, says so in the engine format, and recovers', async () => {
    const host = `unix://${listenSocket()}`;
    expect((await docker(host, ['version', '--format', '{{.Server.Version}}'])).code).toBe(0);
    const events = docker(host, ['events'], { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await killEngine();
    const cut = await events;
    expect(cut.code).not.toBe(0);

    const down = await docker(host, ['ps']);
    expect(down.code).not.toBe(0);
    expect(down.stderr).toContain(
      `Error response from daemon: socket-warden: cannot reach the Docker Engine at ${engineSocket()}`,
    );
    expect(serve?.exitCode).toBeNull();

    await startEngine();
    const back = await docker(host, ['ps', '--format', '{{.ID}}']);
    expect(back).toMatchObject({ code: 0, stdout: '' });
  });

  it('stops on SIGTERM, letting an in-flight request finish, and removes its socket', async () => {
    // An events stream that ends by itself 2 s after it is asked for: it must end normally, inside
    // the grace period. SIGTERM goes only once the response has begun (its headers came back), so
    // the request is in flight, not still being started by a slow client on a loaded machine.
    const until = ((Date.now() + 2000) / 1000).toFixed(3);
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ socketPath: listenSocket(), path: `/events?until=${until}` }, resolve).on('error', reject);
    });
    let body = '';
    response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    const ended = new Promise<boolean>((resolve) => {
      response.once('end', () => resolve(response.complete));
      response.once('error', () => resolve(false));
    });
    const exited = new Promise<number | null>((resolve) => serve?.once('exit', (code) => resolve(code)));
    expect(response.complete, 'the stream ended before SIGTERM: nothing was in flight').toBe(false);
    serve?.kill('SIGTERM');
    expect(response.statusCode).toBe(200);
    expect(await ended).toBe(true);
    expect(body).not.toContain('socket-warden');
    expect(await exited).toBe(0);
    expect(serveOutput).toContain('SIGTERM, shutting down');
    expect(existsSync(listenSocket())).toBe(false);
  });
});
