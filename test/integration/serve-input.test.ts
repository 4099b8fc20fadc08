// Every input checked at the edge (README, "serve"): each mistake a new user makes with `serve` is refused
// before anything starts, with one line that names the flag, a non-zero exit, no socket file and no
// process left behind; an upstream that is Socket Warden's own socket (by path, DOCKER_HOST, symlink,
// or round another Socket Warden) is refused at start; a loop that forms while running is refused per
// request in the engine's format and does not spin. Runs the real CLI against the test stack's engine.
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countFds } from '../../bench/proc-fds.js';
import { waitFor } from './daemon-harness.js';
import { freeLoopbackPort } from './free-port.js';
import { processesMentioning, ServeCli, socketsUnder } from './serve-cli.js';
import { docker, loadStack } from './stack.js';

const stack = loadStack();
let root: string;
let dir: string;
let running: ServeCli[] = [];
let caseNumber = 0;

const listen = (): string => path.join(dir, 'warden.sock');
/** Flags every run shares: its own socket, data dir, and (absent) admin file. */
const own = (): string[] => ['--listen', listen(), '--data-dir', path.join(dir, 'data')];
const ownEnv = (): NodeJS.ProcessEnv => ({ SOCKET_WARDEN_ADMIN_SETTINGS: path.join(dir, 'admin.json') });

function serve(args: string[], env: NodeJS.ProcessEnv = {}): ServeCli {
  const cli = new ServeCli(args, { ...ownEnv(), ...env });
  running.push(cli);
  return cli;
}

/** Serve refused to start: its exit code, its one line on stderr, nothing left behind. */
async function expectRefused(cli: ServeCli, code: number, line: string | RegExp): Promise<void> {
  const exit = await cli.exit();
  expect(exit.code, cli.output).toBe(code);
  const lines = cli.stderr.trimEnd().split('\n');
  expect(lines, cli.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(typeof line === 'string' ? new RegExp(`^${escape(line)}`) : line);
  expect(cli.stderr).not.toMatch(/\n\s+at /);
  expect(cli.stdout).not.toContain('DOCKER_HOST=');
  expect(socketsUnder(dir)).toEqual([]);
  expect(processesMentioning(dir)).toEqual([]);
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** CPU seconds a process has used (utime + stime from /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-input-'));
});

afterEach(async () => {
  for (const cli of running) if (cli.running) await cli.stop('SIGKILL');
  running = [];
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

// Each test gets a fresh directory, so "nothing left behind" is about this test alone.
const fresh = async (): Promise<void> => {
  dir = path.join(root, String(++caseNumber));
  await fs.mkdir(dir);
};

describe('serve refuses bad flags before anything starts (exit 2, one line naming the flag)', () => {
  const engine = (): string[] => ['--upstream', stack.dockerSocket];
  it.each<[string, () => string[], NodeJS.ProcessEnv, string]>([
    ['--ui-port abc', () => [...engine(), '--ui', '--ui-port', 'abc'], {}, '--ui-port abc: not a TCP port'],
    [
      '--ui-port 99999',
      () => [...engine(), '--ui', '--ui-port', '99999'],
      {},
      '--ui-port 99999: not a TCP port',
    ],
    [
      '--refresh-interval abc',
      () => [...engine(), '--refresh-interval', 'abc'],
      {},
      '--refresh-interval abc: not a whole number of seconds',
    ],
    [
      '--refresh-interval 0',
      () => [...engine(), '--refresh-interval', '0'],
      {},
      '--refresh-interval 0: at least 30 seconds',
    ],
    [
      '--refresh-interval -5',
      () => [...engine(), '--refresh-interval', '-5'],
      {},
      '--refresh-interval -5: at least 30 seconds',
    ],
    [
      '--refresh-interval huge',
      () => [...engine(), '--refresh-interval', '99999999999'],
      {},
      '--refresh-interval 99999999999: at most 86400 seconds',
    ],
    ['an unknown flag', () => [...engine(), '--upstrem', stack.dockerSocket], {}, 'unknown option --upstrem'],
    ['a flag without its value', () => [...engine(), '--listen'], {}, '--listen needs a value'],
    [
      '--upstream tcp://',
      () => ['--upstream', 'tcp://127.0.0.1:2375'],
      {},
      '--upstream tcp://127.0.0.1:2375 is a TCP address: Socket Warden can only proxy',
    ],
    [
      '--upstream ssh://',
      () => ['--upstream', 'ssh://me@builder'],
      {},
      '--upstream ssh://me@builder is an engine reached over ssh',
    ],
    [
      '--upstream npipe://',
      () => ['--upstream', 'npipe:////./pipe/docker_engine'],
      {},
      '--upstream npipe:////./pipe/docker_engine is a Windows named pipe',
    ],
    ['--upstream fd://', () => ['--upstream', 'fd://'], {}, '--upstream fd:// is a file descriptor'],
    [
      'a tcp:// DOCKER_HOST, no --upstream',
      () => [],
      { DOCKER_HOST: 'tcp://127.0.0.1:2375' },
      'DOCKER_HOST=tcp://127.0.0.1:2375 is a TCP address',
    ],
    [
      'an ssh:// DOCKER_HOST, no --upstream',
      () => [],
      { DOCKER_HOST: 'ssh://me@builder' },
      'DOCKER_HOST=ssh://me@builder is an engine reached over ssh',
    ],
  ])('%s', async (_name, args, env, line) => {
    await fresh();
    await expectRefused(serve([...args(), ...own()], env), 2, `socket-warden serve: ${line}`);
  });

  it('a missing explicit --admin-settings is an error, not "no admin policy"', async () => {
    await fresh();
    const file = path.join(dir, 'admin-setings.json');
    const cli = serve(['--upstream', stack.dockerSocket, ...own(), '--admin-settings', file]);
    await expectRefused(cli, 2, `socket-warden serve: --admin-settings ${file}: no such file`);
  });

  it('a missing default admin file is no admin policy, as before', async () => {
    await fresh();
    const cli = serve(['--upstream', stack.dockerSocket, ...own()]);
    await cli.listening();
    expect(cli.stdout).toContain(
      `no admin settings file at ${path.join(dir, 'admin.json')}; the user's settings apply`,
    );
  });

  it('--upstream in the DOCKER_HOST form reaches the engine', async () => {
    await fresh();
    const cli = serve(['--upstream', `unix://${stack.dockerSocket}`, ...own()]);
    await cli.listening();
    expect(cli.stdout).toContain(`(engine: ${stack.dockerSocket})`);
    expect(await docker(`unix://${listen()}`, ['version', '--format', '{{.Server.Os}}'])).toMatchObject({
      code: 0,
      stdout: 'linux\n',
    });
  });

  it('a tcp:// DOCKER_HOST is fine when --upstream says where the engine is', async () => {
    await fresh();
    const cli = serve(['--upstream', stack.dockerSocket, ...own()], { DOCKER_HOST: 'tcp://127.0.0.1:2375' });
    await cli.listening();
  });
});

describe('serve refuses to proxy to itself (exit 1, at start)', () => {
  it.each<[string, () => { args: string[]; env: NodeJS.ProcessEnv }, RegExp]>([
    [
      'DOCKER_HOST=unix://<its own listen path> (the README export, then start again)',
      () => ({ args: [], env: { DOCKER_HOST: `unix://${listen()}` } }),
      /^socket-warden serve: cannot start: upstream: the upstream (\S+) is this Socket Warden's own socket \1: it would proxy to itself \(from DOCKER_HOST=unix:\/\/\S+; unset DOCKER_HOST or pass --upstream/,
    ],
    [
      '--upstream <its own listen path>',
      () => ({ args: ['--upstream', listen()], env: {} }),
      /^socket-warden serve: cannot start: upstream: the upstream \S+ is this Socket Warden's own socket \S+: it would proxy to itself$/,
    ],
    [
      '--upstream unix://<its own listen path>',
      () => ({ args: ['--upstream', `unix://${listen()}`], env: {} }),
      /it would proxy to itself$/,
    ],
    [
      '--upstream <a symlink to its listen path>',
      () => ({ args: ['--upstream', path.join(dir, 'link.sock')], env: {} }),
      /the upstream \S+link\.sock leads to \S+warden\.sock, which is this Socket Warden's own socket/,
    ],
    [
      '--upstream <its listen path through a symlinked directory>',
      () => ({ args: ['--upstream', path.join(dir, 'linked-dir', 'warden.sock')], env: {} }),
      /leads to \S+warden\.sock, which is this Socket Warden's own socket/,
    ],
  ])('%s', async (_name, make, line) => {
    await fresh();
    await fs.symlink(listen(), path.join(dir, 'link.sock'));
    await fs.symlink(dir, path.join(dir, 'linked-dir'));
    const { args, env } = make();
    await expectRefused(serve([...args, ...own()], env), 1, line);
  });

  it('round another Socket Warden: the second to start finds its probe come back, and refuses', async () => {
    await fresh();
    const a = path.join(dir, 'a.sock');
    // B is in front of where A will listen; A then names B as its upstream.
    const b = serve([
      '--upstream',
      a,
      '--listen',
      path.join(dir, 'b.sock'),
      '--data-dir',
      path.join(dir, 'b'),
    ]);
    await b.listening();
    const started = Date.now();
    const cli = new ServeCli(
      ['--upstream', path.join(dir, 'b.sock'), '--listen', a, '--data-dir', path.join(dir, 'a')],
      ownEnv(),
    );
    running.push(cli);
    const exit = await cli.exit();
    expect(exit.code, cli.output).toBe(1);
    expect(cli.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^socket-warden serve: cannot start: loop check: the upstream \S+b\.sock leads back to this Socket Warden's own socket \S+a\.sock \(through another proxy\): it would proxy to itself$/,
      ),
    ]);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(b.running).toBe(true);
    expect(socketsUnder(dir).filter((file) => !file.startsWith(path.join(dir, 'b', path.sep)))).toEqual([
      path.join(dir, 'b.sock'),
    ]);
  });
});

describe('a failed start undoes itself (exit 1, one line, nothing left)', () => {
  it('--ui-port already in use', async () => {
    await fresh();
    const port = await freeLoopbackPort();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const cli = serve(['--upstream', stack.dockerSocket, ...own(), '--ui', '--ui-port', String(port)]);
      await expectRefused(
        cli,
        1,
        `socket-warden serve: cannot start: settings pane: 127.0.0.1:${port} is already in use (--ui-port)`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('a second serve on a socket in use leaves the first one serving', async () => {
    await fresh();
    const first = serve(['--upstream', stack.dockerSocket, ...own()]);
    await first.listening();
    const second = serve([
      '--upstream',
      stack.dockerSocket,
      '--listen',
      listen(),
      '--data-dir',
      path.join(dir, 'second'),
    ]);
    const exit = await second.exit();
    expect(exit.code).toBe(1);
    expect(second.stderr.trimEnd().split('\n')).toEqual([
      `socket-warden serve: cannot start: proxy socket: ${listen()} is in use by another process (is Socket Warden already running?)`,
    ]);
    // Its own filtered sockets are gone; the first daemon's socket is untouched and still answers.
    expect(socketsUnder(path.join(dir, 'second'))).toEqual([]);
    expect(first.running).toBe(true);
    expect((await docker(`unix://${listen()}`, ['version'])).code).toBe(0);
  });

  it('a second serve on the same data directory', async () => {
    await fresh();
    const first = serve(['--upstream', stack.dockerSocket, ...own()]);
    await first.listening();
    const second = serve([
      '--upstream',
      stack.dockerSocket,
      '--listen',
      path.join(dir, 'other.sock'),
      '--data-dir',
      path.join(dir, 'data'),
    ]);
    expect((await second.exit()).code).toBe(1);
    expect(second.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^socket-warden serve: cannot start: history: .* is held by process \d+/),
    ]);
    expect(socketsUnder(dir).filter((file) => file.endsWith('other.sock'))).toEqual([]);
  });
});

describe('a loop that forms while running', () => {
  it('A → B → A: refused per request in the engine format, without spinning', async () => {
    await fresh();
    const [aSock, bSock, aUp] = ['a.sock', 'b.sock', 'a-upstream.sock'].map((name) =>
      path.join(dir, name),
    ) as [string, string, string];
    // A's upstream is a symlink, at first to the engine; B is in front of A. Then A's symlink is
    // repointed at B: A → B → A.
    await fs.symlink(stack.dockerSocket, aUp);
    const a = serve(['--upstream', aUp, '--listen', aSock, '--data-dir', path.join(dir, 'a')]);
    await a.listening();
    const b = serve(['--upstream', aSock, '--listen', bSock, '--data-dir', path.join(dir, 'b')]);
    await b.listening();
    expect((await docker(`unix://${bSock}`, ['version'])).code).toBe(0);
    await fs.rm(aUp);
    await fs.symlink(bSock, aUp);
    // On a failure, what both daemons said: which of detection, refusal or recovery went wrong.
    const said = (): string => `A said:\n${a.output.slice(-4000)}\nB said:\n${b.output.slice(-4000)}`;
    const withSaid = (error: unknown): never => {
      throw new Error(`${String(error)}\n${said()}`);
    };

    // A's pooled engine connections still reach the engine; its next probe (every 5 s) goes the new
    // way, comes back, and from then on A refuses every request, at once.
    const loopError =
      /Error response from daemon: socket-warden: request loop: the upstream \S+ leads back to this Socket Warden/;
    let first = await docker(`unix://${aSock}`, ['ps'], { timeoutMs: 20_000 });
    await waitFor(
      async () => {
        first = await docker(`unix://${aSock}`, ['ps'], { timeoutMs: 20_000 });
        return first.code !== 0;
      },
      15_000,
      'A to find the loop',
    ).catch(withSaid);
    expect(first.stderr, said()).toMatch(loopError);

    // Settled: every request is answered at once, on either socket, and neither daemon works.
    for (const socket of [aSock, bSock]) {
      const t = Date.now();
      const again = await docker(`unix://${socket}`, ['ps'], { timeoutMs: 10_000 });
      expect(again.stderr, `${socket}: ${said()}`).toContain('socket-warden: request loop:');
      expect(Date.now() - t, `${socket}: ${said()}`).toBeLessThan(2000);
    }
    const pids = [a.child.pid, b.child.pid] as number[];
    const before = pids.map(cpuSeconds);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const used = pids.map((pid, i) => cpuSeconds(pid) - (before[i] ?? 0));
    for (const seconds of used) expect(seconds, said()).toBeLessThan(0.5);
    for (const pid of pids) expect(countFds(pid), said()).toBeLessThan(400);
    expect(a.output + b.output).toContain('request loop');

    // Fixed: A's upstream is the engine again; requests flow once a probe no longer comes back.
    await fs.rm(aUp);
    await fs.symlink(stack.dockerSocket, aUp);
    await waitFor(
      async () => (await docker(`unix://${bSock}`, ['version'])).code === 0,
      20_000,
      'the loop to be noticed gone',
    ).catch(withSaid);
    const version = await docker(`unix://${aSock}`, ['version']);
    expect(version.code, `${version.stderr}\n${said()}`).toBe(0);
  });
});
