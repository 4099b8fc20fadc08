import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContractClient, type ContractClient } from '../../../shared/ipc-contract.js';
import { createDemoEngine, type DemoEngine } from '../../../test/fixtures/demo-engine.js';
import { createHttpBridge } from './http-bridge.js';
import { startUnixContractServer, type UnixContractServer } from './unix-transport.js';

let dir: string;
let engine: DemoEngine;
let server: UnixContractServer;
let reader: ContractClient;
let editor: ContractClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-unix-'));
  engine = createDemoEngine();
  server = await startUnixContractServer({
    handlers: engine.handlers,
    events: engine.events,
    dir: join(dir, 'contract'),
    editRefusal: 'only members of socket-warden may edit',
  });
  reader = createContractClient(createHttpBridge({ socketPath: server.readSocket }, { reconnectMs: 50 }));
  editor = createContractClient(createHttpBridge({ socketPath: server.editSocket }, { reconnectMs: 50 }));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the contract over unix sockets', () => {
  it('makes both sockets 0660 and leaves no staging directory behind', async () => {
    for (const socket of [server.readSocket, server.editSocket]) {
      const stat = await lstat(socket);
      expect(stat.isSocket()).toBe(true);
      expect(stat.mode & 0o777).toBe(0o660);
    }
    expect((await readdir(join(dir, 'contract'))).sort()).toEqual(['contract-edit.sock', 'contract.sock']);
  });

  it('answers reads on both sockets, validated by the contract', async () => {
    for (const client of [reader, editor]) {
      const state = await client.call('getState', undefined);
      expect(state.ok).toBe(true);
      const history = await client.call('listHistory', { limit: 2 });
      expect(history.ok && history.value.length).toBeLessThanOrEqual(2);
    }
  });

  it('refuses every edit on the read socket, saying who may edit', async () => {
    const refused = await reader.call('setEnforcement', { enforcing: false });
    expect(refused).toEqual({
      ok: false,
      error: { code: 'locked', message: 'only members of socket-warden may edit' },
    });
    expect((await reader.call('clearHistory', undefined)).ok).toBe(false);
    expect((await reader.call('repullImage', { image: 'alpine:3.20' })).ok).toBe(false);
  });

  it('lets the edit socket edit, and pushes the change to the read socket as an event', async () => {
    const seen = new Promise<boolean>((resolve) => {
      const stop = reader.on('stateChanged', (state) => {
        if (!state.policy.enforcing) {
          stop();
          resolve(true);
        }
      });
    });
    // The stream is open once its first byte has arrived; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const done = await editor.call('setEnforcement', { enforcing: false });
    expect(done.ok && done.value.enforcing).toBe(false);
    await expect(seen).resolves.toBe(true);
    await editor.call('setEnforcement', { enforcing: true });
  });

  it('checks input as the other transports do', async () => {
    const bad = await editor.call('setEnforcement', { enforcing: 'yes' } as never);
    expect(!bad.ok && bad.error.code).toBe('invalid-input');
  });

  it('refuses to start over a socket another server answers', async () => {
    await expect(
      startUnixContractServer({
        handlers: engine.handlers,
        events: engine.events,
        dir: join(dir, 'contract'),
        editRefusal: 'x',
      }),
    ).rejects.toThrow(/served by another process/);
  });
});
