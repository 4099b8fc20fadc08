// The CLI's conventions, run as a user runs them: `--version`; `status` with and without a daemon to
// ask (and its exit codes); `serve --ui` keeping its token out of the log, in a 0600 file that status
// reads and that goes when serve stops; `context` creating, then updating, a context with an absolute
// path; XDG directories and the one-time move of 0.1's files.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './daemon-harness.js';
import { ServeCli } from './serve-cli.js';
import { loadStack } from './stack.js';

const stack = loadStack();
const CLI = path.resolve('bin/socket-warden.js');
let root: string;
let running: ServeCli[] = [];

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd = process.cwd(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: root, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-conv-'));
});
afterEach(async () => {
  await Promise.all(running.map((c) => c.stop()));
  running = [];
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('--version', () => {
  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  it.each(['--version', '-V'])('%s prints the package version', async (flag) => {
    const result = await cli([flag]);
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('status', () => {
  it('without a daemon: looks itself, says the guarded socket does not answer (exit 1)', async () => {
    const dir = await fs.mkdtemp(path.join(root, 'no-daemon-'));
    const result = await cli([
      'status',
      '--json',
      '--data-dir',
      dir,
      '--upstream',
      stack.dockerSocket,
      '--listen',
      path.join(dir, 'none.sock'),
      '--admin-settings',
      path.join(dir, 'admin.json'),
    ]);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      source: 'local',
      engine: { reachable: true, apiVersion: stack.apiVersion },
      guardedSocket: { answering: false, error: 'no socket there' },
      policy: { from: 'default', enforcing: true, adminFile: { state: 'absent' } },
    });
    const text = await cli([
      'status',
      '--data-dir',
      dir,
      '--upstream',
      stack.dockerSocket,
      '--listen',
      path.join(dir, 'none.sock'),
    ]);
    expect(text.stdout).toMatch(/^Guarded socket: .*none\.sock: not answering \(no socket there\)$/m);
    expect(text.stdout).toMatch(/^Unknown: which container holds each filtered socket/m);
  });

  it('with serve --ui: the token is not in the log but in a 0600 file; status asks the daemon (exit 0)', async () => {
    const dir = await fs.mkdtemp(path.join(root, 'ui-'));
    const dataDir = path.join(dir, 'data');
    const listen = path.join(dir, 'warden.sock');
    const serve = new ServeCli(
      ['--upstream', stack.dockerSocket, '--listen', listen, '--data-dir', dataDir, '--ui'],
      { SOCKET_WARDEN_ADMIN_SETTINGS: path.join(dir, 'admin.json') },
    );
    running.push(serve);
    await serve.listening();
    await waitFor(() => serve.stdout.includes('UI: '), 10_000, 'the UI line');
    const file = path.join(dataDir, 'ui-url');
    expect(serve.stdout).toContain(`(open the address in ${file},`);
    const url = readFileSync(file, 'utf8').trim();
    const token = new URL(url).searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(serve.output).not.toContain(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const result = await cli(['status', '--json', '--data-dir', dataDir]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      source: 'daemon',
      engine: { socket: stack.dockerSocket, reachable: true, apiVersion: stack.apiVersion },
      guardedSocket: { path: listen, answering: true },
      ui: { url, file },
      filteredSockets: { count: 0, containers: [] },
      // No admin file: the daemon's policy names none, which it cannot tell from one without an ECI section.
      unknown: [expect.stringMatching(/^whether the daemon reads an admin file/)],
    });
    const text = await cli(['status', '--data-dir', dataDir]);
    expect(text.stdout).toContain(`Settings pane:  ${url}`);

    await serve.stop();
    expect(existsSync(file)).toBe(false);
  });
});

describe('XDG directories', () => {
  it('serve keeps settings in XDG_CONFIG_HOME and history in XDG_STATE_HOME, after moving 0.1 files once', async () => {
    const home = await fs.mkdtemp(path.join(root, 'home-'));
    const legacy = path.join(home, '.local/share/socket-warden');
    await fs.mkdir(legacy, { recursive: true });
    await fs.writeFile(path.join(legacy, 'settings.json'), JSON.stringify({ enforcing: false }));
    // XDG_DATA_HOME set: the tests run as root, whose defaults are /var/lib/socket-warden.
    const env = {
      HOME: home,
      XDG_DATA_HOME: path.join(home, '.local/share'),
      XDG_RUNTIME_DIR: path.join(home, 'run'),
      SOCKET_WARDEN_ADMIN_SETTINGS: path.join(home, 'admin.json'),
    };
    await fs.mkdir(env.XDG_RUNTIME_DIR, { mode: 0o700 });
    const serve = new ServeCli(['--upstream', stack.dockerSocket], env);
    running.push(serve);
    await serve.listening();
    expect(serve.stdout).toContain(`unix://${path.join(home, 'run/socket-warden/docker.sock')}`);
    expect(serve.output.match(/moved .*settings\.json to /g)).toHaveLength(1);
    const moved = JSON.parse(
      readFileSync(path.join(home, '.config/socket-warden/settings.json'), 'utf8'),
    ) as unknown;
    expect(moved).toEqual({ version: 1, enforcing: false });
    expect(existsSync(path.join(home, '.local/state/socket-warden/history'))).toBe(true);
    expect(existsSync(path.join(legacy, 'settings.json'))).toBe(false);
    await serve.stop();

    const again = new ServeCli(['--upstream', stack.dockerSocket], env);
    running.push(again);
    await again.listening();
    expect(again.output).not.toMatch(/moved /);
  });
});

describe('context', () => {
  it('creates the context, then updates it (no failure), storing an absolute path', async () => {
    const dir = await fs.mkdtemp(path.join(root, 'ctx-'));
    const env = {
      DOCKER_CONFIG: path.join(dir, 'docker'),
      PATH: `${path.dirname(stack.cli)}:${process.env.PATH ?? ''}`,
    };
    const first = await cli(['context', '--name', 'sw-test', '--listen', 'a.sock'], env, dir);
    expect(first.code, first.stderr).toBe(0);
    const second = await cli(['context', '--name', 'sw-test', '--listen', 'sub/b.sock'], env, dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`export DOCKER_HOST=unix://${path.join(dir, 'sub/b.sock')}`);
    const inspected = await new Promise<string>((resolve) =>
      execFile(stack.cli, ['context', 'inspect', 'sw-test'], { env: { ...env, HOME: root } }, (_e, out) =>
        resolve(out),
      ),
    );
    const [context] = JSON.parse(inspected) as { Endpoints: { docker: { Host: string } } }[];
    expect(context?.Endpoints.docker.Host).toBe(`unix://${path.join(dir, 'sub/b.sock')}`);
  });
});
