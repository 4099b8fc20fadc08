// Where the Electron binary the electron package installed is, for `npm start` (scripts/start.mjs)
// and the Electron launch test (e2e/electron.spec.ts). Plain JS, so start.mjs runs it unbuilt.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The binary, found without `require('electron')`, which tries to download one; undefined when there
 * is none (no download finished, or ELECTRON_OVERRIDE_DIST_PATH names a folder without it).
 * @returns {string | undefined}
 */
export function electronBinary() {
  const packageDir = join(root, 'node_modules', 'electron');
  let relative = 'electron';
  try {
    relative = readFileSync(join(packageDir, 'path.txt'), 'utf8').trim();
  } catch {
    if (!process.env.ELECTRON_OVERRIDE_DIST_PATH) return undefined;
  }
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(packageDir, 'dist');
  const path = join(dist, relative);
  return existsSync(path) ? path : undefined;
}
