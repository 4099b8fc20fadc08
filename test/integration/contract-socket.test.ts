// The managed daemon's settings contract over its unix sockets, driven as three users of the host
// would (child processes with their own uid and gid, so the kernel applies the sockets' permissions
// to them): one in the edit group, one in the guarded socket's group, one in neither. Reads work for
// the first two, edits of unlocked settings only for the edit group, locked settings for nobody.
import { spawn } from 'node:child_process';
import { chmod, lstat, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSettingsJson, waitFor, WardenProcess, writeAdminFile } from './daemon-harness.js';
import { loadStack, type TestStack } from './stack.js';

const isRoot = process.getuid?.() === 0;
const EDITOR = { uid: 41001, gid: 41001 };
const STRANGER = { uid: 41003, gid: 41003 };

let stack: TestStack;
let dir: string;
let warden: WardenProcess;
let readGid: number;
let watcher: { uid: number; gid: number };
let client: string;

/** What the child prints: one line per call, or the error of its connection. */
type CallResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

/** Runs the client as `who`, making `calls` over `socket` in order; resolves with their answers. */
function callAs(
  who: { uid: number; gid: number },
  socket: string,
  calls: [string, unknown][],
): Promise<CallResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [client, 'call', socket, JSON.stringify(calls)], {
      ...who,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`client exited ${code}: ${err}`));
      else
        resolve(
          out
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as CallResult),
        );
    });
  });
}

const dist = (relative: string) => pathToFileURL(path.resolve('dist', relative)).href;

beforeAll(async () => {
  if (!isRoot) return;
  stack = loadStack();
  dir = await mkdtemp(path.join(tmpdir(), 'sw-contract-'));
  // The test's users must reach the sockets' directory (mkdtemp makes it 0700).
  await chmod(dir, 0o755);
  client = path.join(dir, 'client.mjs');
  await writeFile(
    client,
    `import { createContractClient } from ${JSON.stringify(dist('shared/ipc-contract.js'))};
import { createHttpBridge } from ${JSON.stringify(dist('electron/core/contract/http-bridge.js'))};
const [mode, socket, arg] = process.argv.slice(2);
const contract = createContractClient(createHttpBridge({ socketPath: socket }, { reconnectMs: 100 }));
if (mode === 'call') {
  // JSON has no undefined: a request without input comes as null.
  for (const [name, input] of JSON.parse(arg)) console.log(JSON.stringify(await contract.call(name, input ?? undefined)));
} else {
  const stop = contract.on('stateChanged', (state) => {
    if (state.policy.enforcing === (arg === 'true')) { console.log(JSON.stringify(state.policy)); stop(); process.exit(0); }
  });
  setTimeout(() => process.exit(3), 20000);
}
`,
  );
  await writeAdminFile(path.join(dir, 'admin.json'), adminSettingsJson({ locked: false }));
  process.env.SOCKET_WARDEN_CONTRACT_DIR = path.join(dir, 'contract');
  process.env.SOCKET_WARDEN_EDIT_GROUP = String(EDITOR.gid);
  try {
    warden = await WardenProcess.start({ dir, upstream: stack.dockerSocket, managed: true });
  } finally {
    delete process.env.SOCKET_WARDEN_CONTRACT_DIR;
    delete process.env.SOCKET_WARDEN_EDIT_GROUP;
  }
  // Who may watch: the group of the socket Docker's users reach (here the test engine's).
  readGid = (await stat(stack.dockerSocket)).gid;
  watcher = { uid: 41002, gid: readGid };
});

afterAll(async () => {
  if (!isRoot) return;
  await warden?.stop();
  await rm(dir, { recursive: true, force: true });
});

const readSocket = () => path.join(dir, 'contract', 'contract.sock');
const editSocket = () => path.join(dir, 'contract', 'contract-edit.sock');

describe.skipIf(!isRoot)('the settings contract over unix sockets (serve --managed)', () => {
  it('makes the read socket 0660 with the guarded group, the edit socket 0660 with the edit group', async () => {
    const read = await lstat(readSocket());
    const edit = await lstat(editSocket());
    expect([read.isSocket(), read.mode & 0o777, read.uid, read.gid]).toEqual([true, 0o660, 0, readGid]);
    expect([edit.isSocket(), edit.mode & 0o777, edit.uid, edit.gid]).toEqual([true, 0o660, 0, EDITOR.gid]);
  });

  it('lets a member of the guarded group read, and refuses its edits, naming the edit group', async () => {
    const [state, history, edit, clear] = await callAs(watcher, readSocket(), [
      ['getState', undefined],
      ['listHistory', { limit: 5 }],
      ['setEnforcement', { enforcing: false }],
      ['clearHistory', undefined],
    ]);
    expect(state?.ok).toBe(true);
    expect(history?.ok).toBe(true);
    expect(edit).toEqual({
      ok: false,
      error: { code: 'locked', message: expect.stringContaining(`group ${EDITOR.gid}`) as string },
    });
    expect(clear?.ok).toBe(false);
    // The kernel refuses it the edit socket: not in its group.
    const [refused] = await callAs(watcher, editSocket(), [['getState', undefined]]);
    expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(!refused?.ok && refused?.error.message).toMatch(/EACCES/);
  });

  it('refuses both sockets to a user in neither group', async () => {
    for (const socket of [readSocket(), editSocket()]) {
      const [answer] = await callAs(STRANGER, socket, [['getState', undefined]]);
      expect(!answer?.ok && answer?.error.message).toMatch(/EACCES/);
    }
  });

  it('lets the edit group edit what the admin left unlocked, and a watcher sees it live', async () => {
    const watching = new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [client, 'watch', readSocket(), 'false'], {
        ...watcher,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`watcher exited ${code}`))));
    });
    // The watcher's event stream is open once the daemon subscribed it; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const [off, read] = await callAs(EDITOR, editSocket(), [
      ['setEnforcement', { enforcing: false }],
      ['getState', undefined],
    ]);
    expect(off).toMatchObject({ ok: true, value: { enforcing: false } });
    expect(read).toMatchObject({ ok: true, value: { policy: { enforcing: false } } });
    expect(JSON.parse(await watching)).toMatchObject({ enforcing: false });
    const [on] = await callAs(EDITOR, editSocket(), [['setEnforcement', { enforcing: true }]]);
    expect(on).toMatchObject({ ok: true, value: { enforcing: true } });
  });

  it('never lets anyone edit locked settings, not even the edit group', async () => {
    await writeAdminFile(warden.adminFile, adminSettingsJson({ locked: true, images: [] }));
    await waitFor(
      async () => {
        const [state] = await callAs(EDITOR, editSocket(), [['getState', undefined]]);
        return state?.ok === true && (state.value as { policy: { locked: boolean } }).policy.locked;
      },
      10_000,
      'the locked admin file to apply',
    );
    const answers = await callAs(EDITOR, editSocket(), [
      ['setEnforcement', { enforcing: false }],
      [
        'updatePolicy',
        {
          imageList: { images: ['alpine'], allowDerivedImages: false },
          commandList: { type: 'deny', commands: [] },
        },
      ],
      ['clearHistory', undefined],
      ['getState', undefined],
    ]);
    for (const answer of answers.slice(0, 3))
      expect(answer).toMatchObject({ ok: false, error: { code: 'locked' } });
    expect(answers[3]).toMatchObject({ ok: true, value: { policy: { enforcing: true, locked: true } } });
  });

  it('offers no personal default in managed mode (the daemon is root, and the host socket already)', async () => {
    const [status, set] = await callAs(EDITOR, editSocket(), [
      ['getDefaultStatus', undefined],
      ['setDefault', { on: true }],
    ]);
    expect(status).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(set).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('removes both sockets when it stops', async () => {
    await warden.stop();
    await expect(lstat(readSocket())).rejects.toThrow(/ENOENT/);
    await expect(lstat(editSocket())).rejects.toThrow(/ENOENT/);
  });
});
