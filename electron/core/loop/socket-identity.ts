// What a socket path really names: the path a connect() would reach after every symlink (also one
// whose target does not exist yet, as our own listen socket before we bind it) and, when something is
// there, its device and inode (a hard link or a bind mount of a socket has another path, not another
// inode).
import fs from 'node:fs/promises';
import path from 'node:path';

export interface SocketIdentity {
  /** The path as given, absolute. */
  path: string;
  realPath: string;
  /** Present when something exists at the path. */
  inode?: { dev: number; ino: number };
}

/** Linux gives up after 40 symlinks (ELOOP); so do we. */
const MAX_LINKS = 40;

export async function socketIdentity(socketPath: string): Promise<SocketIdentity> {
  const absolute = path.resolve(socketPath);
  const identity: SocketIdentity = { path: absolute, realPath: await realSocketPath(absolute) };
  const stats = await fs.stat(absolute).catch(() => null);
  if (stats) identity.inode = { dev: stats.dev, ino: stats.ino };
  return identity;
}

async function realSocketPath(absolute: string, links = 0): Promise<string> {
  try {
    return await fs.realpath(absolute);
  } catch {
    // Not there (yet), or not reachable: resolve what is.
  }
  if (links >= MAX_LINKS) return absolute;
  const stats = await fs.lstat(absolute).catch(() => null);
  if (stats?.isSymbolicLink()) {
    const target = await fs.readlink(absolute);
    return realSocketPath(path.resolve(path.dirname(absolute), target), links + 1);
  }
  const parent = path.dirname(absolute);
  if (parent === absolute) return absolute;
  return path.join(await realSocketPath(parent, links), path.basename(absolute));
}
