import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError } from '../../../shared/ipc-contract.js';
import { createDemoEngine, type DemoEngine } from '../../../test/fixtures/demo-engine.js';
import { chooseContractSocket, connectSystemDaemon, type SocketProbe } from './system-daemon.js';
import { startUnixContractServer, type UnixContractServer } from './unix-transport.js';

describe('chooseContractSocket', () => {
  it.each<[string, SocketProbe[], 'edit' | 'read' | undefined]>([
    ['edit answers', [{ socket: 'edit', answered: true }], 'edit'],
    [
      'edit refused (not in the group), read answers',
      [
        { socket: 'edit', answered: false, error: 'EACCES' },
        { socket: 'read', answered: true },
      ],
      'read',
    ],
    [
      'neither answers: personal mode',
      [
        { socket: 'edit', answered: false },
        { socket: 'read', answered: false },
      ],
      undefined,
    ],
    ['nothing probed', [], undefined],
  ])('%s', (_name, probes, expected) => {
    expect(chooseContractSocket(probes)).toBe(expected);
  });
});

describe('connectSystemDaemon', () => {
  let dir: string;
  let engine: DemoEngine;
  let server: UnixContractServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sw-system-'));
    engine = createDemoEngine();
    server = await startUnixContractServer({
      handlers: engine.handlers,
      events: engine.events,
      dir: join(dir, 'contract'),
      editRefusal: 'join socket-warden',
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds nothing where no daemon serves', async () => {
    await expect(connectSystemDaemon({ dir: join(dir, 'nowhere') })).resolves.toBeUndefined();
  });

  it('waits for a system daemon whose socket is there but not answering (restarting), rather than none', async () => {
    const restarting = join(dir, 'restarting');
    await mkdir(restarting);
    // A socket file nobody answers on: its daemon was killed (systemd restarts it).
    const stale = join(restarting, 'contract.sock');
    const holder = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(stale)})`,
    ]);
    while (!existsSync(stale)) await new Promise((resolve) => setTimeout(resolve, 20));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const started = Date.now();
    const connecting = connectSystemDaemon({ dir: restarting, waitMs: 15_000, probeOnly: ['read'] });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const back = await startUnixContractServer({
      handlers: engine.handlers,
      events: engine.events,
      dir: restarting,
      editRefusal: 'join socket-warden',
    });
    try {
      const daemon = await connecting;
      expect(daemon?.socketPath).toBe(stale);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
      daemon?.close();
    } finally {
      await back.close();
    }
  });

  it('uses the edit socket when it may, and relays the daemon events', async () => {
    const daemon = await connectSystemDaemon({ dir: join(dir, 'contract'), bridge: { reconnectMs: 50 } });
    expect(daemon?.canEdit).toBe(true);
    const changed = new Promise<boolean>((resolve) =>
      daemon?.events.subscribe((event, payload) => {
        if (event === 'stateChanged' && !(payload as { policy: { enforcing: boolean } }).policy.enforcing)
          resolve(true);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(daemon?.handlers.setEnforcement({ enforcing: false })).resolves.toMatchObject({
      enforcing: false,
    });
    await expect(changed).resolves.toBe(true);
    await daemon?.handlers.setEnforcement({ enforcing: true });
    daemon?.close();
  });

  it('falls back to the read socket, whose edits throw the daemon refusal', async () => {
    // As a user outside the edit group: the edit socket refuses the connection.
    const daemon = await connectSystemDaemon({ dir: join(dir, 'contract'), probeOnly: ['read'] });
    expect(daemon?.canEdit).toBe(false);
    await expect(daemon?.handlers.getState(undefined)).resolves.toHaveProperty('policy');
    const refused = daemon?.handlers.setEnforcement({ enforcing: false });
    await expect(refused).rejects.toBeInstanceOf(ContractError);
    await expect(refused).rejects.toMatchObject({ code: 'locked', message: 'join socket-warden' });
    daemon?.close();
  });
});
