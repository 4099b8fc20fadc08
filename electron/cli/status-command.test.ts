import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoEngine } from '../../test/fixtures/demo-engine.js';
import { startUnixContractServer } from '../core/contract/unix-transport.js';
import {
  formatStatus,
  gatherStatus,
  statusExitCode,
  type StatusInputs,
  type StatusReport,
} from './status-command.js';

/** Inputs naming files and sockets in `dir` that do not exist: nothing there answers. */
function nothingAnswersIn(dir: string): StatusInputs {
  return {
    listen: path.join(dir, 'none.sock'),
    upstream: path.join(dir, 'no-engine.sock'),
    adminFile: path.join(dir, 'admin.json'),
    userSettingsFile: path.join(dir, 'settings.json'),
    socketsDir: path.join(dir, 'sockets'),
    uiUrlFile: path.join(dir, 'ui-url'),
  };
}

const base: StatusReport = {
  socketWardenVersion: '0.1.0',
  source: 'local',
  engine: { socket: '/var/run/docker.sock', reachable: true, version: '20.10.24', apiVersion: '1.41' },
  guardedSocket: { path: '/run/user/1/socket-warden/docker.sock', answering: true },
  policy: {
    enforcing: true,
    from: 'default',
    locked: false,
    adminFile: { path: '/etc/socket-warden/admin-settings.json', state: 'absent' },
    userSettings: { path: '/home/a/.config/socket-warden/settings.json', state: 'absent' },
    images: 0,
    commands: { type: 'deny', count: 0 },
  },
  filteredSockets: { count: 0 },
  unknown: [],
};

describe('statusExitCode', () => {
  const cases: { name: string; report: StatusReport; code: number }[] = [
    { name: 'all well', report: base, code: 0 },
    {
      name: 'guarded socket silent',
      report: { ...base, guardedSocket: { ...base.guardedSocket, answering: false } },
      code: 1,
    },
    {
      name: 'silent beats engine down',
      report: {
        ...base,
        guardedSocket: { ...base.guardedSocket, answering: false },
        engine: { ...base.engine, reachable: false },
      },
      code: 1,
    },
    {
      name: 'engine unreachable',
      report: { ...base, engine: { ...base.engine, reachable: false } },
      code: 3,
    },
    {
      name: 'admin file invalid',
      report: {
        ...base,
        policy: { ...base.policy, adminFile: { path: '/a', state: 'invalid', error: 'x' } },
      },
      code: 3,
    },
  ];
  it.each(cases)('$name → $code', ({ report, code }) => expect(statusExitCode(report)).toBe(code));
});

describe('formatStatus', () => {
  const cases: { name: string; report: StatusReport; lines: string[] }[] = [
    {
      name: 'local, no admin file',
      report: { ...base, unknown: ['which container holds each filtered socket'] },
      lines: [
        'Socket Warden 0.1.0 (looked up locally; no daemon answered)',
        'Engine:         /var/run/docker.sock: reachable, version 20.10.24, API 1.41',
        'Guarded socket: /run/user/1/socket-warden/docker.sock: answering',
        'Policy:         enforcement on, from the defaults; 0 allowed image(s), deny list of 0 command(s)',
        '  admin file:    /etc/socket-warden/admin-settings.json: none',
        '  user settings: /home/a/.config/socket-warden/settings.json: absent',
        'Filtered sockets: 0',
        'Unknown: which container holds each filtered socket',
      ],
    },
    {
      name: 'from the daemon, locked, a container, engine down',
      report: {
        ...base,
        source: 'daemon',
        daemon: { kind: 'serve --ui', at: '/run/user/1/socket-warden/ui-url' },
        engine: { socket: '/e.sock', reachable: false, error: 'connect ENOENT' },
        ui: { url: 'http://127.0.0.1:9/?token=t', file: '/run/user/1/socket-warden/ui-url' },
        policy: {
          ...base.policy,
          from: 'admin',
          locked: true,
          adminFile: { path: '/etc/a.json', state: 'valid' },
          userSettings: { path: '/u.json', state: 'unknown' },
          images: 2,
          commands: { type: 'allow', count: 3 },
        },
        filteredSockets: {
          count: 1,
          containers: [
            { containerId: 'abcdef0123456789', name: '', image: 'docker:cli', socket: '/s/1.sock' },
          ],
        },
      },
      lines: [
        'Socket Warden 0.1.0 (as the running daemon reports it)',
        'Engine:         /e.sock: unreachable (connect ENOENT)',
        'Guarded socket: /run/user/1/socket-warden/docker.sock: answering',
        'Settings pane:  http://127.0.0.1:9/?token=t   (from /run/user/1/socket-warden/ui-url)',
        'Policy:         enforcement on, from the admin file; 2 allowed image(s), allow list of 3 command(s)',
        '  admin file:    /etc/a.json: locked',
        '  user settings: /u.json: unknown',
        'Filtered sockets: 1',
        '  abcdef012345 (docker:cli): /s/1.sock',
      ],
    },
  ];
  it.each(cases)('$name', ({ report, lines }) => expect(formatStatus(report).split('\n')).toEqual(lines));
});

describe('gatherStatus without a daemon to ask', () => {
  const servers: http.Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });
  const serve = (socket: string, handler: http.RequestListener) =>
    new Promise<void>((resolve) => {
      const server = http.createServer(handler);
      servers.push(server);
      server.listen(socket, resolve);
    });

  it('asks the engine and the guarded socket, reads the files without changing them, says what it cannot know', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sw-status-'));
    const engine = path.join(dir, 'engine.sock');
    const listen = path.join(dir, 'listen.sock');
    await serve(engine, (_req, res) => res.end(JSON.stringify({ Version: '26.1.5', ApiVersion: '1.45' })));
    await serve(listen, (_req, res) => res.end('OK'));
    mkdirSync(path.join(dir, 'sockets'));
    writeFileSync(path.join(dir, 'sockets', 'a.sock'), '');
    writeFileSync(path.join(dir, 'sockets', 'b.sock'), '');
    const userFile = path.join(dir, 'settings.json');
    writeFileSync(userFile, JSON.stringify({ enforcing: false }));
    const report = await gatherStatus({
      listen,
      upstream: engine,
      adminFile: path.join(dir, 'admin.json'),
      userSettingsFile: userFile,
      socketsDir: path.join(dir, 'sockets'),
      uiUrlFile: path.join(dir, 'ui-url'),
    });
    expect(report).toMatchObject({
      source: 'local',
      engine: { reachable: true, version: '26.1.5', apiVersion: '1.45' },
      guardedSocket: { answering: true },
      policy: {
        enforcing: false,
        from: 'user',
        adminFile: { state: 'absent' },
        userSettings: { state: 'valid' },
      },
      filteredSockets: { count: 2 },
    });
    expect(report.unknown.join('\n')).toMatch(/which container holds each filtered socket/);
    expect(statusExitCode(report)).toBe(0);
  });

  it('says what does not answer', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sw-status-'));
    writeFileSync(path.join(dir, 'ui-url'), 'http://127.0.0.1:1/?token=x\n');
    const report = await gatherStatus({
      ...nothingAnswersIn(dir),
      timeoutMs: 500,
    });
    expect(report.engine).toMatchObject({ reachable: false, error: 'no socket there' });
    expect(report.guardedSocket).toMatchObject({ answering: false, error: 'no socket there' });
    expect(report.unknown[0]).toMatch(/did not answer/);
    expect(statusExitCode(report)).toBe(1);
  });
});

describe('gatherStatus on a managed host', () => {
  it('asks the system daemon on its read-only contract socket when no `serve --ui` left an address', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sw-status-'));
    const demo = createDemoEngine();
    const contract = await startUnixContractServer({
      handlers: demo.handlers,
      events: demo.events,
      dir: path.join(dir, 'contract'),
      editRefusal: 'read-only',
    });
    try {
      const expected = await demo.handlers.getState(undefined);
      const report = await gatherStatus({
        ...nothingAnswersIn(dir),
        contractSocket: contract.readSocket,
        timeoutMs: 2000,
      });
      expect(report).toMatchObject({
        source: 'daemon',
        daemon: { kind: 'system', at: contract.readSocket },
        engine: { socket: expected.status.engine.upstreamSocket },
        guardedSocket: { path: expected.status.listen.socket },
        policy: { images: expected.policy.imageList.images.length, locked: expected.policy.locked },
        filteredSockets: { count: expected.status.containers.length },
      });
      expect(report.ui).toBeUndefined();
      expect(formatStatus(report).split('\n')[0]).toContain(
        `as the system daemon reports it, on ${contract.readSocket}`,
      );
    } finally {
      await contract.close();
    }
  });

  it('does not believe a daemon whose answer breaks the contract, and looks for itself', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sw-status-'));
    const demo = createDemoEngine();
    const contract = await startUnixContractServer({
      // A daemon of another version: its state is not this version's AppState.
      handlers: { ...demo.handlers, getState: () => Promise.resolve({ status: 'fine' } as never) },
      events: demo.events,
      dir: path.join(dir, 'contract'),
      editRefusal: 'read-only',
    });
    try {
      const report = await gatherStatus({
        ...nothingAnswersIn(dir),
        contractSocket: contract.readSocket,
        timeoutMs: 2000,
      });
      expect(report.source).toBe('local');
      // The daemon's own dispatcher refuses to send it; a client-side check would say it does not understand.
      expect(report.unknown[0]).toMatch(/did not answer \(.*(broke the contract|does not understand)/);
    } finally {
      await contract.close();
    }
  });

  it('looks for itself, saying so, when the contract socket is there but does not answer', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sw-status-'));
    const stale = path.join(dir, 'contract.sock');
    // A socket file nobody listens on any more (its daemon was killed): connect() is refused.
    const holder = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(stale)})`,
    ]);
    while (!existsSync(stale)) await new Promise((resolve) => setTimeout(resolve, 20));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const report = await gatherStatus({
      ...nothingAnswersIn(dir),
      contractSocket: stale,
      timeoutMs: 500,
    });
    expect(report.source).toBe('local');
    expect(report.unknown[0]).toMatch(/system daemon's contract socket .* did not answer/);
  });
});
