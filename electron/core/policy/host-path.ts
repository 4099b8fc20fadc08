// Where on the host a bind-mount source really points, the way the engine's mount reaches it: the
// engine cleans the path lexically (moby volume/mounts: path.Clean) and mount(2) then follows every
// symlink. Missing trailing components are created as plain directories by the engine (Binds) or
// refused (Mounts), so they are appended as written. Resolution is done component by component with
// lstat/readlink rather than realpath, so a dangling symlink (which MkdirAll would follow and fill
// in) still resolves to where it points. A path that exists whole is first tried with one realpath:
// the same answer in one call instead of one per component (this runs on every create with a bind).
import type { Stats } from 'node:fs';
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import type { FileIdentity, ResolvedHostPath } from '../guards/file-identity.js';

export interface HostFs {
  lstat(path: string): Promise<{ isSymbolicLink(): boolean }>;
  readlink(path: string): Promise<string>;
  /** Optional fast path for paths that exist whole; any failure falls back to the walk. */
  realpath?(path: string): Promise<string>;
}

export const nodeHostFs: HostFs = { lstat, readlink, realpath };

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

export class HostPathError extends Error {}

/** Go's path.Clean: collapse `//`, `.` and `..` lexically; an absolute path never climbs above `/`. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** True when `path` is `dir` or lies below it (both clean and absolute). */
export function isSameOrBelow(path: string, dir: string): boolean {
  return path === dir || dir === '/' || path.startsWith(`${dir}/`);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/**
 * The host path a bind of `source` would reach. Throws HostPathError when it cannot be known (not
 * absolute, a symlink loop, a component we may not read): callers must treat that as unsafe.
 */
export async function resolveHostPath(source: string, fs: HostFs = nodeHostFs): Promise<string> {
  if (!source.startsWith('/')) throw new HostPathError(`not an absolute path: ${JSON.stringify(source)}`);
  if (fs.realpath) {
    try {
      // Cleaned first, as the engine does: realpath would resolve `..` after a symlink physically.
      return await fs.realpath(cleanPath(source));
    } catch {
      // Missing or dangling somewhere, or unreadable: the walk tells which, and what it means.
    }
  }
  const pending = cleanPath(source)
    .split('/')
    .filter((c) => c !== '');
  let resolved = '/';
  let symlinks = 0;
  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === '.') continue;
    if (component === '..') {
      resolved = cleanPath(`${resolved}/..`);
      continue;
    }
    const candidate = resolved === '/' ? `/${component}` : `${resolved}/${component}`;
    let stat: { isSymbolicLink(): boolean };
    try {
      stat = await fs.lstat(candidate);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return cleanPath([candidate, ...pending].join('/'));
      throw new HostPathError(`cannot inspect ${candidate}: ${code ?? String(error)}`);
    }
    if (!stat.isSymbolicLink()) {
      resolved = candidate;
      continue;
    }
    if (++symlinks > MAX_SYMLINKS)
      throw new HostPathError(`too many symlinks resolving ${JSON.stringify(source)}`);
    let target: string;
    try {
      target = await fs.readlink(candidate);
    } catch (error) {
      throw new HostPathError(`cannot read symlink ${candidate}: ${errorCode(error) ?? String(error)}`);
    }
    if (target.startsWith('/')) resolved = '/';
    pending.unshift(...target.split('/').filter((c) => c !== ''));
  }
  return resolved;
}

/** `path` and every directory above it, up to `/`. */
function pathAndAbove(path: string): string[] {
  const all = [path];
  for (let dir = path; dir !== '/';) {
    dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
    all.push(dir);
  }
  return all;
}

/** stat(2) of each path (undefined where it fails), all at once. */
function statEach(paths: string[]): Promise<(Stats | undefined)[]> {
  return Promise.all(paths.map((p) => stat(p).catch(() => undefined)));
}

/**
 * A bind source as the kernel will reach it: where it leads (resolveHostPath), what file is there
 * (stat(2), which follows /proc's magic links as a mount would) and the identities of the
 * directories above it, so that another name for a guarded file or directory is recognised.
 */
export async function inspectHostPath(source: string, fs: HostFs = nodeHostFs): Promise<ResolvedHostPath> {
  // Most bind sources lead where they are spelled: their stats are taken while the path is resolved,
  // so a create with a bind waits for one round of the thread pool, not two. They are used only if
  // the resolved path is the spelled one; otherwise the resolved path is stat'ed.
  const spelled = source.startsWith('/') ? cleanPath(source) : null;
  const early = spelled ? statEach(pathAndAbove(spelled)) : null;
  const real = await resolveHostPath(source, fs);
  const out: ResolvedHostPath = { spelled: source, real };
  const [here, ...ups] = early && real === spelled ? await early : await statEach(pathAndAbove(real));
  if (here) {
    out.identity = { dev: here.dev, ino: here.ino };
    out.isDirectory = here.isDirectory();
    out.isSocket = here.isSocket();
    out.isBlockDevice = here.isBlockDevice();
  }
  const ancestors: FileIdentity[] = [];
  for (const up of ups) if (up) ancestors.push({ dev: up.dev, ino: up.ino });
  out.ancestors = ancestors;
  return out;
}
