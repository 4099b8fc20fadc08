import * as nodeFs from 'node:fs/promises';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanPath,
  HostPathError,
  inspectHostPath,
  isSameOrBelow,
  resolveHostPath,
  type HostFs,
} from './host-path.js';

/** A host filesystem as a table: directories, files, and symlinks with their targets. */
function fakeFs(entries: Record<string, 'dir' | 'file' | { link: string } | { error: string }>): HostFs {
  const fail = (code: string): never => {
    throw Object.assign(new Error(code), { code });
  };
  const get = (path: string) => {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    const parentEntry = parent === '/' ? 'dir' : entries[parent];
    if (parentEntry === 'file') fail('ENOTDIR');
    const entry = entries[path];
    if (entry === undefined) fail('ENOENT');
    if (typeof entry === 'object' && 'error' in entry) fail(entry.error);
    return entry;
  };
  return {
    lstat: async (path) => {
      const entry = get(path);
      return { isSymbolicLink: () => typeof entry === 'object' && 'link' in entry };
    },
    readlink: async (path) => {
      const entry = get(path);
      if (typeof entry === 'object' && 'link' in entry) return entry.link;
      return fail('EINVAL');
    },
  };
}

const host = fakeFs({
  '/var': 'dir',
  '/var/run': { link: '/run' },
  '/run': 'dir',
  '/run/docker.sock': 'file',
  '/home': 'dir',
  '/home/u': 'dir',
  '/home/u/sock': { link: '/var/run/docker.sock' },
  '/home/u/rel': { link: '../../run' },
  '/home/u/dotty': { link: './../u/./../../run/.' },
  '/home/u/dangling': { link: '/run/not-yet' },
  '/home/u/loop': { link: '/home/u/loop' },
  '/home/u/secret': { error: 'EACCES' },
  '/home/u/file': 'file',
});

describe('cleanPath is Go path.Clean', () => {
  it.each([
    ['//var/run/../run', '/var/run'],
    ['/var/./run//docker.sock', '/var/run/docker.sock'],
    ['/../..', '/'],
    ['/var/run/', '/var/run'],
    ['///', '/'],
    ['a/../../b', '../b'],
    ['', '.'],
  ])('%j -> %j', (input, output) => {
    expect(cleanPath(input)).toBe(output);
  });
});

describe('resolveHostPath reaches what the bind mount reaches', () => {
  it.each([
    ['/run/docker.sock', '/run/docker.sock'],
    ['/var/run/docker.sock', '/run/docker.sock'],
    ['//var//run/./docker.sock', '/run/docker.sock'],
    ['/var/run/../run', '/run'], // cleaned to /var/run, then the /var/run symlink
    ['/home/u/rel/../docker.sock', '/home/u/docker.sock'], // `..` is lexical: the engine cleans before mount(2) follows rel
    ['/home/u/sock', '/run/docker.sock'], // symlink chain: sock -> /var/run/docker.sock -> /run/...
    ['/home/u/rel', '/run'], // relative target
    ['/home/u/dotty', '/run'],
    ['/home/u/dangling/sub', '/run/not-yet/sub'], // dangling link, the engine creates through it
    ['/home/u/missing/a/b', '/home/u/missing/a/b'],
    ['/home/u/file/x', '/home/u/file/x'],
    ['/', '/'],
  ])('%s -> %s', async (input, output) => {
    await expect(resolveHostPath(input, host)).resolves.toBe(output);
  });

  it.each([
    ['relative', 'var/run'],
    ['a symlink loop', '/home/u/loop'],
    ['an unreadable component', '/home/u/secret/x'],
  ])('refuses to guess: %s', async (_name, input) => {
    await expect(resolveHostPath(input, host)).rejects.toBeInstanceOf(HostPathError);
  });

  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('uses the real filesystem by default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-host-path-'));
    dirs.push(dir);
    await mkdir(join(dir, 'real'));
    await writeFile(join(dir, 'real', 'marker'), 'x');
    await symlink(join(dir, 'real'), join(dir, 'link'));
    const real = await resolveHostPath(join(dir, 'real'));
    await expect(resolveHostPath(`/${dir}//link/../link/marker`)).resolves.toBe(`${real}/marker`);
  });

  it('answers with its realpath fast path exactly what the component walk answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-host-path-'));
    dirs.push(dir);
    await mkdir(join(dir, 'real', 'sub'), { recursive: true });
    await writeFile(join(dir, 'real', 'sock'), '');
    await symlink(join(dir, 'real'), join(dir, 'abs-link'));
    await symlink('real/sub', join(dir, 'rel-link'));
    await symlink('..', join(dir, 'real', 'sub', 'up'));
    await symlink(join(dir, 'nowhere', 'deeper'), join(dir, 'dangling'));
    await symlink('loop-b', join(dir, 'loop-a'));
    await symlink('loop-a', join(dir, 'loop-b'));
    const walkOnly: HostFs = { lstat: nodeFs.lstat, readlink: nodeFs.readlink };
    const sources = [
      'real/sock',
      'abs-link/sock',
      'abs-link//./sub/../sock',
      'rel-link',
      'rel-link/up/sock',
      'rel-link/../sock',
      'dangling/x',
      'missing/a/b',
      'real/sock/not-a-dir',
    ];
    for (const source of sources) {
      const path = join(dir, source);
      expect(await resolveHostPath(path), source).toBe(await resolveHostPath(path, walkOnly));
    }
    await expect(resolveHostPath(join(dir, 'loop-a'))).rejects.toBeInstanceOf(HostPathError);
  });
});

describe('inspectHostPath', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('names what is there and every directory above it, nearest first, through a symlink', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-host-path-'));
    dirs.push(dir);
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await writeFile(join(dir, 'a', 'b', 'sock'), '');
    await symlink(join(dir, 'a'), join(dir, 'to-a'));
    const seen = await inspectHostPath(join(dir, 'to-a', 'b', 'sock'));
    const real = await nodeFs.realpath(join(dir, 'a', 'b', 'sock'));
    expect(seen.real).toBe(real);
    const here = await nodeFs.stat(real);
    expect(seen.identity).toEqual({ dev: here.dev, ino: here.ino });
    expect(seen.isDirectory).toBe(false);
    const above: string[] = [];
    for (let d = real; d !== '/';) above.push((d = d.slice(0, d.lastIndexOf('/')) || '/'));
    const expected = await Promise.all(
      above.map(async (d) => {
        const st = await nodeFs.stat(d);
        return { dev: st.dev, ino: st.ino };
      }),
    );
    expect(seen.ancestors).toEqual(expected);
    expect(expected.at(-1)).toEqual(await nodeFs.stat('/').then((st) => ({ dev: st.dev, ino: st.ino })));
  });

  it('names the directories above where a symlink leads, not above where it is spelled', async () => {
    // The link and its target sit at different depths: the spelled path's ancestors would be wrong.
    const near = await mkdtemp(join(tmpdir(), 'sw-host-path-'));
    const far = await mkdtemp(join(tmpdir(), 'sw-host-path-'));
    dirs.push(near, far);
    await mkdir(join(far, 'deep', 'er'), { recursive: true });
    await writeFile(join(far, 'deep', 'er', 'sock'), '');
    await writeFile(join(far, 'deep', 'x'), '');
    await symlink(join(far, 'deep', 'er'), join(near, 'link'));
    await symlink(join(far, 'deep', 'x'), join(near, 'file-link'));
    const identity = async (p: string) => nodeFs.stat(p).then((st) => ({ dev: st.dev, ino: st.ino }));
    const ancestorsOf = async (real: string) => {
      const above: string[] = [];
      for (let d = real; d !== '/';) above.push((d = d.slice(0, d.lastIndexOf('/')) || '/'));
      return Promise.all(above.map(identity));
    };
    const cases = [
      { spelled: join(near, 'link', 'sock'), real: join(far, 'deep', 'er', 'sock') },
      { spelled: join(near, 'file-link'), real: join(far, 'deep', 'x') },
    ];
    for (const { spelled, real } of cases) {
      const realPath = await nodeFs.realpath(real);
      const seen = await inspectHostPath(spelled);
      expect(seen.real, spelled).toBe(realPath);
      expect(seen.identity, spelled).toEqual(await identity(realPath));
      expect(seen.ancestors, spelled).toEqual(await ancestorsOf(realPath));
    }
  });

  it('a path that does not exist yet has no identity, and the directories that do exist above it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sw-host-path-'));
    dirs.push(dir);
    const seen = await inspectHostPath(join(dir, 'not', 'yet'));
    expect(seen.identity).toBeUndefined();
    const top = await nodeFs.stat(dir);
    // not/ is missing too: the nearest existing directory above is dir itself.
    expect(seen.ancestors?.[0]).toEqual({ dev: top.dev, ino: top.ino });
  });
});

describe('isSameOrBelow', () => {
  it.each([
    ['/run/docker.sock', '/run', true],
    ['/run', '/run', true],
    ['/runner', '/run', false],
    ['/anything', '/', true],
    ['/run', '/run/docker.sock', false],
  ])('%s within %s: %s', (path, dir, result) => {
    expect(isSameOrBelow(path, dir)).toBe(result);
  });
});
