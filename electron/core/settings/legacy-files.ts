// Up to 0.1 a user's settings and history lived in $XDG_DATA_HOME/socket-warden
// (~/.local/share/socket-warden). They now follow the XDG base directories (default-paths.ts); this
// moves them once, before anything opens them:
// - each move is a rename(2) (atomic) or, across file systems, a copy to a temporary name next to the
//   destination, renamed into place, and only then the source removed: a crash leaves the source whole
//   and the next start does it again (a leftover temporary copy is removed first);
// - a destination that exists already is never overwritten: the old file is renamed
//   `<name>.not-moved-<time>` in the old directory, so it is kept and the conflict is logged once;
// - with nothing left to move it does nothing and says nothing (idempotent).
// Sockets are not moved: they are made anew at each start.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SettingsLog } from './settings-log.js';

export interface LegacyMove {
  from: string;
  to: string;
}

/** What moves where (pure): settings.json and its kept-aside copies to the config dir, history/ to the state dir. */
export function legacyMoves(
  legacyDir: string,
  entries: readonly string[],
  dirs: { settingsDir: string; stateDir: string },
): LegacyMove[] {
  const moves: LegacyMove[] = [];
  for (const entry of [...entries].sort()) {
    if (entry.includes('.not-moved-')) continue;
    let target: string | undefined;
    if (entry === 'settings.json' || entry.startsWith('settings.json.corrupt-')) target = dirs.settingsDir;
    else if (entry === 'history') target = dirs.stateDir;
    if (target === undefined || path.resolve(target) === path.resolve(legacyDir)) continue;
    moves.push({ from: path.join(legacyDir, entry), to: path.join(target, entry) });
  }
  return moves;
}

export async function moveLegacyFiles(options: {
  legacyDir: string | undefined;
  settingsDir: string;
  stateDir: string;
  log: SettingsLog;
  now?: () => Date;
}): Promise<LegacyMove[]> {
  const { legacyDir, log } = options;
  if (!legacyDir) return [];
  let entries: string[];
  try {
    entries = await fs.readdir(legacyDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const moved: LegacyMove[] = [];
  for (const move of legacyMoves(legacyDir, entries, options)) {
    if (await exists(move.to)) {
      const kept = `${move.from}.not-moved-${stamp((options.now ?? (() => new Date()))())}`;
      await fs.rename(move.from, kept);
      log.warn(
        `${move.to} exists already, so ${move.from} (from an older Socket Warden) was not moved there; kept as ${kept}`,
      );
      continue;
    }
    await moveOne(move);
    log.info(`moved ${move.from} to ${move.to} (Socket Warden now follows the XDG base directories)`);
    moved.push(move);
  }
  return moved;
}

async function moveOne({ from, to }: LegacyMove): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
  try {
    await fs.rename(from, to);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
  }
  // Another file system: copy under a temporary name, rename into place, then remove the source.
  const temp = `${to}.moving`;
  await fs.rm(temp, { recursive: true, force: true });
  await fs.cp(from, temp, { recursive: true, preserveTimestamps: true, errorOnExist: true });
  await fs.rename(temp, to);
  await fs.rm(from, { recursive: true, force: true });
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}
