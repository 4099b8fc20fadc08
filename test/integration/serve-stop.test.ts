// The daemon lifecycle (README, "serve"): however serve is stopped, it ends within its grace period and
// leaves no socket behind: SIGTERM during a request that never ends, with an engine that accepts and
// never answers, while it is still starting; and `npm start` (scripts/start.mjs) killed, by SIGTERM or
// SIGKILL, takes its daemon with it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './daemon-harness.js';
import { processesMentioning, ServeCli, socketsUnder } from './serve-cli.js';
import { docker, loadStack } from './stack.js';

const stack = loadStack();
/** serve's SHUTDOWN_GRACE_MS for in-flight requests, and its hard limit past which it exits anyway. */
const GRACE_MS = 3000;
const HARD_LIMIT_MS = 5000;
/** Time for a node process to notice and exit, on a loaded machine. */
const SLACK_MS = 1500;

let root: string;
let dir: string;
let caseNumber = 0;
let running: ServeCli[] = [];
let others: ChildProcess[] = [];
let hungEngines: net.Server[] = [];

const fresh = async (): Promise<void> => {
  dir = path.join(root, String(++caseNumber));
  await fs.mkdir(dir);
};
const listen = (): string => path.join(dir, 'warden.sock');

function serve(upstream: string): ServeCli {
  const cli = new ServeCli(
    ['--upstream', upstream, '--listen', listen(), '--data-dir', path.join(dir, 'data')],
    {
      SOCKET_WARDEN_ADMIN_SETTINGS: path.join(dir, 'admin.json'),
    },
  );
  running.push(cli);
  return cli;
}

/** An "engine" that accepts every connection and never answers a byte. */
async function hungEngine(): Promise<string> {
  const socketPath = path.join(dir, 'hung-engine.sock');
  const server = net.createServer((socket) => socket.on('data', () => undefined));
  hungEngines.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return socketPath;
}

async function expectGone(): Promise<void> {
  await waitFor(() => processesMentioning(dir).length === 0, 5000, 'no process left');
  expect(socketsUnder(dir).filter((file) => !file.endsWith('hung-engine.sock'))).toEqual([]);
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-stop-'));
});

afterEach(async () => {
  for (const cli of running) if (cli.running) await cli.stop('SIGKILL');
  for (const child of others) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of processesMentioning(root)) process.kill(pid, 'SIGKILL');
  for (const server of hungEngines) await new Promise((resolve) => server.close(resolve));
  running = [];
  others = [];
  hungEngines = [];
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('SIGTERM ends serve within the grace period', () => {
  it('during a request that never ends (an events stream): cut after the grace, exit 0', async () => {
    await fresh();
    const cli = serve(stack.dockerSocket);
    await cli.listening();
    const events = docker(`unix://${listen()}`, ['events'], { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exit = await cli.stop('SIGTERM');
    expect(exit.code, cli.output).toBe(0);
    expect(exit.elapsedMs).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(exit.elapsedMs).toBeLessThan(GRACE_MS + SLACK_MS);
    expect((await events).code).not.toBe(0);
    await expectGone();
  });

  it('with a hung engine and a request waiting on it', async () => {
    await fresh();
    const cli = serve(await hungEngine());
    await cli.listening();
    expect(cli.output).toContain('Socket Warden listening');
    const waiting = docker(`unix://${listen()}`, ['ps'], { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exit = await cli.stop('SIGTERM');
    expect(exit.code, cli.output).toBe(0);
    expect(exit.elapsedMs).toBeLessThan(GRACE_MS + SLACK_MS);
    expect((await waiting).code).not.toBe(0);
    await expectGone();
  });

  it.each([
    ['just after the launch', 800],
    ['while it waits for a hung engine', 2500],
  ])('while still starting (%s): what started is stopped at once', async (_name, delayMs) => {
    await fresh();
    const cli = serve(await hungEngine());
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    expect(cli.stdout).not.toContain('DOCKER_HOST=');
    const exit = await cli.stop('SIGTERM');
    expect([0, null]).toContain(exit.code);
    expect(exit.elapsedMs).toBeLessThan(SLACK_MS);
    await expectGone();
  });

  it('a second SIGINT exits at once, without waiting for the grace', async () => {
    await fresh();
    const cli = serve(stack.dockerSocket);
    await cli.listening();
    const events = docker(`unix://${listen()}`, ['events'], { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exited = cli.stop('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    cli.child.kill('SIGINT');
    const exit = await exited;
    expect(exit.code).toBe(1);
    expect(exit.elapsedMs).toBeLessThan(GRACE_MS);
    expect(cli.stdout).toContain('SIGINT again, exiting now');
    await events;
    await expectGone();
  });

  it('past its hard limit when something hangs (a settings-pane request never finished): exit 1, no socket', async () => {
    await fresh();
    const cli = new ServeCli(
      ['--upstream', stack.dockerSocket, '--listen', listen(), '--data-dir', path.join(dir, 'data'), '--ui'],
      { SOCKET_WARDEN_ADMIN_SETTINGS: path.join(dir, 'admin.json') },
    );
    running.push(cli);
    await cli.listening();
    // The pane's address is printed once its server listens, after the socket's line.
    const uiLine = /UI: http:\/\/127\.0\.0\.1:(\d+)\//;
    await waitFor(() => uiLine.test(cli.stdout), 30_000, 'the settings pane to listen');
    const port = Number(uiLine.exec(cli.stdout)?.[1]);
    // A request whose body never arrives keeps its connection busy: the pane's server waits for it.
    const stuck = net.connect(port, '127.0.0.1');
    stuck.on('error', () => undefined);
    await new Promise<void>((resolve) => stuck.once('connect', resolve));
    stuck.write(`POST /api/getStatus HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 100\r\n\r\n{`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exit = await cli.stop('SIGTERM');
    stuck.destroy();
    expect(exit.code).toBe(1);
    expect(exit.elapsedMs).toBeGreaterThanOrEqual(HARD_LIMIT_MS - 100);
    expect(exit.elapsedMs).toBeLessThan(HARD_LIMIT_MS + SLACK_MS);
    expect(cli.stdout).toContain('still stopping settings pane after 5 s; exiting without waiting for it');
    await expectGone();
  });
});

describe('npm start (scripts/start.mjs) does not orphan its daemon', () => {
  function start(): { child: ChildProcess; output: () => string } {
    let output = '';
    // No Electron binary is installed here, so start.mjs runs `serve --ui` with these arguments.
    const child = spawn(
      process.execPath,
      [
        'scripts/start.mjs',
        '--upstream',
        stack.dockerSocket,
        '--listen',
        listen(),
        '--data-dir',
        path.join(dir, 'data'),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          SOCKET_WARDEN_ADMIN_SETTINGS: path.join(dir, 'admin.json'),
        },
      },
    );
    others.push(child);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    return { child, output: () => output };
  }

  const daemonOf = (pid: number): number => {
    const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(children).toHaveLength(1);
    return Number(children[0]);
  };
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it.each<[NodeJS.Signals]>([['SIGTERM'], ['SIGINT'], ['SIGKILL']])(
    'kill -%s of its pid: the daemon stops and removes its socket',
    async (signal) => {
      await fresh();
      const { child, output } = start();
      await waitFor(() => output().includes('DOCKER_HOST='), 30_000, 'npm start to run serve');
      if (!output().includes('No Electron binary'))
        throw new Error('an Electron binary is installed: start.mjs would run the app, not serve');
      const daemon = daemonOf(child.pid as number);
      expect(alive(daemon)).toBe(true);
      child.kill(signal);
      await waitFor(() => !alive(daemon), GRACE_MS + SLACK_MS, `serve to stop after ${signal} of start.mjs`);
      await expectGone();
    },
  );
});
