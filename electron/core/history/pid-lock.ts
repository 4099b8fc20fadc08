// A lock file holding its owner's pid, so two processes never write the same journal. A process
// killed with -9 leaves its file behind; the next one sees that pid is gone (or now belongs to a
// different process, or to itself) and takes the lock over.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { z } from 'zod';

const lockContentSchema = z.object({
  pid: z.number().int().positive(),
  nonce: z.string(),
  /** Linux only: the process's start time, so a reused pid is not mistaken for the owner. */
  startTime: z.string().optional(),
});
type LockContent = z.infer<typeof lockContentSchema>;

export class LockHeldError extends Error {
  constructor(
    readonly lockPath: string,
    readonly pid: number,
  ) {
    super(`${lockPath} is held by process ${pid}`);
    this.name = 'LockHeldError';
  }
}

/** Locks this process holds: its own pid in a lock file means "held" only if listed here. */
const heldHere = new Set<string>();

/** Fields of /proc/<pid>/stat after the command name (which is in parentheses and may hold spaces). */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Linux: field 22, starttime. */
function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process its parent has not reaped yet still answers signal 0; it is a zombie (state Z).
  return procStat(pid)?.[0] !== 'Z';
}

function parseLock(text: string): LockContent | undefined {
  try {
    const parsed = lockContentSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The pid holding the lock, or undefined when its content shows a dead owner. */
function liveOwner(lockPath: string, content: LockContent | undefined): number | undefined {
  if (!content) return undefined; // unreadable: never written whole by a live owner (see acquire)
  if (content.pid === process.pid) return heldHere.has(lockPath) ? content.pid : undefined;
  if (!isAlive(content.pid)) return undefined;
  const now = processStartTime(content.pid);
  if (content.startTime !== undefined && now !== undefined && now !== content.startTime) return undefined;
  return content.pid;
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

export interface PidLock {
  readonly path: string;
  release(): Promise<void>;
}

export async function acquirePidLock(lockPath: string): Promise<PidLock> {
  const mine: LockContent = { pid: process.pid, nonce: randomBytes(12).toString('hex') };
  const startTime = processStartTime(process.pid);
  if (startTime !== undefined) mine.startTime = startTime;
  const text = JSON.stringify(mine);
  // Written whole to a private file, then hard-linked into place: the lock path never exists
  // half-written, and link() fails if it already exists.
  const draft = `${lockPath}.${mine.nonce}`;
  await writeFile(draft, text);
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await link(draft, lockPath);
        heldHere.add(lockPath);
        return { path: lockPath, release: () => releasePidLock(lockPath, text) };
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) throw error;
      }
      let seen: string;
      try {
        seen = await readFile(lockPath, 'utf8');
      } catch (error) {
        if (isErrno(error, 'ENOENT')) continue;
        throw error;
      }
      const owner = liveOwner(lockPath, parseLock(seen));
      if (owner !== undefined) throw new LockHeldError(lockPath, owner);
      await takeOverStale(lockPath, seen);
    }
    throw new Error(`could not take ${lockPath}: it keeps changing`);
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

/**
 * Moves a stale lock aside. Renaming (not unlinking) means only one of two racing processes
 * gets the file, and the winner checks it moved the stale content, not a lock taken meanwhile.
 */
async function takeOverStale(lockPath: string, staleText: string): Promise<void> {
  const aside = `${lockPath}.stale.${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8');
  if (moved !== staleText) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

async function releasePidLock(lockPath: string, text: string): Promise<void> {
  heldHere.delete(lockPath);
  try {
    if ((await readFile(lockPath, 'utf8')) === text) await unlink(lockPath);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
}
