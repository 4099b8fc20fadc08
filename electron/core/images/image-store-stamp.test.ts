// Where Podman's image store is read, when it is not trusted to tell every change, and that its stamp
// changes with a write as containers/storage makes one (a new list renamed into place, a new token).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { imageStoreFiles, readImageStoreStamp } from './image-store-stamp.js';

describe('imageStoreFiles', () => {
  const cases = [
    {
      what: 'overlay store of a rootful Podman',
      store: { graphRoot: '/var/lib/containers/storage', graphDriverName: 'overlay', graphOptions: {} },
      list: '/proc/42/root/var/lib/containers/storage/overlay-images/images.json',
    },
    {
      what: 'vfs store of a rootless Podman',
      store: { graphRoot: '/home/dev/.local/share/containers/storage', graphDriverName: 'vfs' },
      list: '/proc/42/root/home/dev/.local/share/containers/storage/vfs-images/images.json',
    },
    { what: 'no graph root', store: { graphDriverName: 'overlay' }, list: undefined },
    {
      what: 'a relative graph root',
      store: { graphRoot: 'storage', graphDriverName: 'overlay' },
      list: undefined,
    },
    { what: 'no driver', store: { graphRoot: '/var/lib/containers/storage' }, list: undefined },
    {
      what: 'a driver name that would climb out of the store',
      store: { graphRoot: '/var/lib/containers/storage', graphDriverName: '../x' },
      list: undefined,
    },
    {
      what: 'additional image stores (changed without this store knowing)',
      store: {
        graphRoot: '/var/lib/containers/storage',
        graphDriverName: 'overlay',
        graphOptions: { 'overlay.additionalImageStores': ['/opt/images'] },
      },
      list: undefined,
    },
    {
      what: 'a separate image store',
      store: {
        graphRoot: '/var/lib/containers/storage',
        graphDriverName: 'overlay',
        graphOptions: { 'overlay.imagestore': '/srv/images' },
      },
      list: undefined,
    },
  ];
  it.each(cases)('$what', ({ store, list }) => {
    const files = imageStoreFiles(42, store);
    expect(files?.list).toBe(list);
    if (list) expect(files?.lock).toBe(list.replace(/images\.json$/, 'images.lock'));
  });
});

describe('readImageStoreStamp', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  async function store(): Promise<{
    list: string;
    lock: string;
    write(list: string, token: string): Promise<void>;
  }> {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-store-'));
    const files = { list: path.join(dir, 'images.json'), lock: path.join(dir, 'images.lock') };
    // As containers/storage saves: a new file renamed over the list, then the lock's new token.
    const write = async (list: string, token: string): Promise<void> => {
      await fs.writeFile(`${files.list}.tmp`, list);
      await fs.rename(`${files.list}.tmp`, files.list);
      await fs.writeFile(files.lock, token);
    };
    await write('[]', 'a'.repeat(64));
    return { ...files, write };
  }

  it('reads the same while nothing is written', async () => {
    const files = await store();
    const first = await readImageStoreStamp(files);
    expect(first).toBeDefined();
    expect(await readImageStoreStamp(files)).toBe(first);
  });

  it('changes with a write of the same size, even within the clock resolution', async () => {
    const files = await store();
    const before = await readImageStoreStamp(files);
    await files.write('[]', 'b'.repeat(64));
    expect(await readImageStoreStamp(files)).not.toBe(before);
  });

  it('changes when only the list is rewritten (a new file in place)', async () => {
    const files = await store();
    const before = await readImageStoreStamp(files);
    const token = await fs.readFile(files.lock, 'utf8');
    await files.write('[{}]', token);
    expect(await readImageStoreStamp(files)).not.toBe(before);
  });

  it('is undefined where the store cannot be read', async () => {
    const files = await store();
    await fs.rm(files.lock);
    expect(await readImageStoreStamp(files)).toBeUndefined();
    expect(await readImageStoreStamp({ list: '/nonexistent/images.json', lock: files.lock })).toBeUndefined();
  });
});
