import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketIdentity } from './socket-identity.js';

let dir: string;
let server: net.Server;

beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sw-identity-')));
  await fs.mkdir(path.join(dir, 'real'));
  await fs.symlink(path.join(dir, 'real'), path.join(dir, 'linked-dir'));
  server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path.join(dir, 'real', 'live.sock'), resolve));
  await fs.symlink(path.join(dir, 'real', 'live.sock'), path.join(dir, 'to-live.sock'));
  await fs.link(path.join(dir, 'real', 'live.sock'), path.join(dir, 'hard.sock'));
  await fs.symlink('real/not-yet.sock', path.join(dir, 'dangling.sock'));
  await fs.symlink('dangling.sock', path.join(dir, 'to-dangling.sock'));
  await fs.symlink('loop-b', path.join(dir, 'loop-a'));
  await fs.symlink('loop-a', path.join(dir, 'loop-b'));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(dir, { recursive: true, force: true });
});

describe('socketIdentity', () => {
  it.each<[string, string, string, boolean]>([
    ['a live socket', 'real/live.sock', 'real/live.sock', true],
    ['a symlink to it', 'to-live.sock', 'real/live.sock', true],
    ['through a symlinked directory', 'linked-dir/live.sock', 'real/live.sock', true],
    ['a hard link keeps its own path (the inode tells)', 'hard.sock', 'hard.sock', true],
    ['nothing there yet', 'real/none.sock', 'real/none.sock', false],
    ['nothing there yet, under a symlinked directory', 'linked-dir/none.sock', 'real/none.sock', false],
    ['a dangling symlink: where it points', 'dangling.sock', 'real/not-yet.sock', false],
    ['a chain of them', 'to-dangling.sock', 'real/not-yet.sock', false],
    ['in a missing directory', 'no/such/dir.sock', 'no/such/dir.sock', false],
  ])('%s', async (_name, given, real, exists) => {
    const identity = await socketIdentity(path.join(dir, given));
    expect(identity.path).toBe(path.join(dir, given));
    expect(identity.realPath).toBe(path.join(dir, real));
    expect(identity.inode !== undefined).toBe(exists);
  });

  it('a hard link has the inode of the socket it names', async () => {
    const [live, hard] = await Promise.all([
      socketIdentity(path.join(dir, 'real/live.sock')),
      socketIdentity(path.join(dir, 'hard.sock')),
    ]);
    expect(hard.inode).toEqual(live.inode);
  });

  it('a symlink loop ends', async () => {
    const identity = await socketIdentity(path.join(dir, 'loop-a'));
    expect(identity.inode).toBeUndefined();
  });
});
