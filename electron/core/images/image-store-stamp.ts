// When a cached answer about Podman's images went stale. Its image events cannot say: they come up to
// a second after the change. Its image store can: containers/storage rewrites
// `<graphRoot>/<driver>-images/images.json` (a new file renamed into place) and records a new
// last-writer token in `images.lock` on every change to an image's names, digests or existence, before
// the API call that made the change answers. A stamp read before a question is asked therefore tells,
// when it is read again, whether anything changed since: the same stamp, the same answer.
//
// The files are read through /proc/<engine pid>/root, so they are the engine's own even when it runs
// in another mount namespace, and never a same-named store of another engine on this host (a remote
// Podman's socket forwarded here has no local process). Where they cannot be read (not root, no
// process, another layout, an extra image store that is not stamped) there is no stamp and nothing is
// cached: every question goes to the engine, as before.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PodmanStoreInfo } from '../engine-api/engine-client.js';

export interface ImageStoreFiles {
  /** The store's image list. */
  list: string;
  /** Its lock file, whose content is the last writer's token. */
  lock: string;
}

/**
 * Where the image store of the Podman serving as `pid` keeps its list and lock; undefined when they
 * cannot tell every change: an unknown layout, or images also in stores the files do not cover.
 */
export function imageStoreFiles(pid: number, store: PodmanStoreInfo): ImageStoreFiles | undefined {
  const { graphRoot, graphDriverName: driver } = store;
  if (!graphRoot || !path.isAbsolute(graphRoot) || !driver || !/^[a-z0-9]+$/.test(driver)) return undefined;
  // Additional (read-only) image stores and a separate image store are changed without touching
  // this store's files.
  const options = Object.keys(store.graphOptions ?? {});
  if (options.some((name) => /imagestore/i.test(name))) return undefined;
  const dir = path.join(`/proc/${pid}/root`, graphRoot, `${driver}-images`);
  return { list: path.join(dir, 'images.json'), lock: path.join(dir, 'images.lock') };
}

/** The store's state as a string that changes with every write; undefined when it cannot be read. */
export async function readImageStoreStamp(files: ImageStoreFiles): Promise<string | undefined> {
  try {
    // The list is renamed into place on each write, so its inode and times change with it; the lock's
    // token changes even when a write happens within the clock's resolution.
    const [list, token] = await Promise.all([stat(files.list, { bigint: true }), readSmall(files.lock)]);
    return `${token}|${list.ino}|${list.size}|${list.mtimeNs}|${list.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/** The first bytes of a small file (the lock token is 64), as hex. */
async function readSmall(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('hex');
  } finally {
    await handle.close();
  }
}
