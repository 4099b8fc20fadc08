// Reading the admin's `admin-settings.json`. A missing file means "no admin
// policy"; a file that cannot be read or does not validate is an error, never
// a silent default, because falling back to defaults would quietly unlock or
// loosen what the admin wrote.
import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ADMIN_FILE_KEYS,
  adminSettingsFileSchema,
  formatJsonSyntaxError,
  formatSettingsError,
  type AdminEci,
  type SocketWardenSettings,
} from '../../../shared/settings.js';
import { errorMessage } from '../../../shared/error-message.js';

export type AdminFileRead =
  | { kind: 'absent'; path: string }
  | {
      kind: 'valid';
      path: string;
      /** Undefined when the file holds no `enhancedContainerIsolation` section. */
      eci: AdminEci | undefined;
      /** Socket Warden's own section, when there is one. */
      socketWarden: SocketWardenSettings | undefined;
      /** Top-level keys that belong to Docker Desktop's other settings, ignored here. */
      unrelatedKeys: string[];
    }
  | { kind: 'invalid'; path: string; error: string };

/** Parses the text of an admin file (pure). `file` is only used in messages. */
export function parseAdminSettingsText(file: string, text: string): AdminFileRead {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', path: file, error: formatJsonSyntaxError(file, text, error) };
  }
  const parsed = adminSettingsFileSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', path: file, error: formatSettingsError(file, parsed.error) };
  const unrelatedKeys = Object.keys(parsed.data).filter((key) => !ADMIN_FILE_KEYS.includes(key));
  return {
    kind: 'valid',
    path: file,
    eci: parsed.data.enhancedContainerIsolation,
    socketWarden: parsed.data.socketWarden,
    unrelatedKeys,
  };
}

/** Reads and validates the admin file. Only ENOENT counts as "no file"; every other failure is an error. */
export async function readAdminSettingsFile(file: string): Promise<AdminFileRead> {
  let text: string;
  try {
    const read = await readRegularFile(file);
    if (read.kind === 'not-regular')
      return {
        kind: 'invalid',
        path: file,
        error: `cannot read the admin settings file ${file}: it is ${read.what}, not a regular file`,
      };
    text = read.text;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { kind: 'absent', path: file };
    const reason = errorMessage(error);
    return { kind: 'invalid', path: file, error: `cannot read the admin settings file ${file}: ${reason}` };
  }
  return parseAdminSettingsText(file, text);
}

/**
 * Opens without blocking and reads only a regular file. A plain open of a FIFO waits for a writer
 * (and a read of one for data) forever: put in the admin file's place, it would hang every reload.
 */
async function readRegularFile(
  file: string,
): Promise<{ kind: 'text'; text: string } | { kind: 'not-regular'; what: string }> {
  // Looked at first because some kinds cannot be opened at all (a socket: ENXIO); checked again on
  // the open file, which may have been swapped in between.
  const before = await stat(file);
  if (!before.isFile()) return { kind: 'not-regular', what: fileKind(before) };
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { kind: 'not-regular', what: fileKind(stats) };
    return { kind: 'text', text: await handle.readFile('utf8') };
  } finally {
    await handle.close();
  }
}

function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'an unusual kind of file';
}

/**
 * Warns when the user running us (uid, with supplementary groups gids) could
 * change the admin file: write it, chmod it, or replace it through a writable
 * directory on its path. Root is exempt (it can change anything anyway); a
 * missing file gives no warning (there is no admin policy to get around).
 */
export async function checkAdminFileOwnership(
  file: string,
  uid: number,
  gids: readonly number[] = [],
): Promise<string | undefined> {
  if (uid === 0) return undefined;
  const reasons: string[] = [];
  try {
    const resolved = await realpath(file);
    const chains = resolved === path.resolve(file) ? [path.resolve(file)] : [path.resolve(file), resolved];
    const target = await stat(file);
    if (target.uid === uid) reasons.push(`${resolved} is owned by uid ${uid}`);
    else if (writableBy(target, uid, gids))
      reasons.push(`${resolved} is writable (mode ${modeText(target)})`);
    for (const chain of chains) {
      if (chain !== resolved && (await lstat(chain)).uid === uid)
        reasons.push(`${chain} is owned by uid ${uid}`);
      reasons.push(...(await replaceableThroughDirectories(chain, uid, gids)));
    }
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  if (reasons.length === 0) return undefined;
  return (
    `the admin settings file ${file} can be changed by uid ${uid}, the non-root user running Socket Warden ` +
    `(${[...new Set(reasons)].join('; ')}). A locked policy that this user can edit is not locked: ` +
    `make the file and every directory above it owned by root and writable only by root.`
  );
}

// A directory on the path lets the user swap the entry below it when they own
// it, or can write it and it is not sticky.
async function replaceableThroughDirectories(
  file: string,
  uid: number,
  gids: readonly number[],
): Promise<string[]> {
  const reasons: string[] = [];
  let dir = path.dirname(file);
  for (;;) {
    const dirStats = await stat(dir);
    if (dirStats.uid === uid) reasons.push(`directory ${dir} is owned by uid ${uid}`);
    // Sticky (like /tmp): only the owner of an entry may replace it, and ownership is checked per entry.
    else if (writableBy(dirStats, uid, gids) && (dirStats.mode & 0o1000) === 0) {
      reasons.push(`directory ${dir} is writable (mode ${modeText(dirStats)})`);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return reasons;
    dir = parent;
  }
}

function writableBy(stats: Stats, uid: number, gids: readonly number[]): boolean {
  if (stats.uid === uid) return (stats.mode & 0o200) !== 0;
  if (gids.includes(stats.gid)) return (stats.mode & 0o020) !== 0;
  return (stats.mode & 0o002) !== 0;
}

function modeText(stats: Stats): string {
  return (stats.mode & 0o7777).toString(8).padStart(4, '0');
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string')
    return error.code;
  return undefined;
}
