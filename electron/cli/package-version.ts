// The version `socket-warden --version` prints: package.json's, found by walking up from this module
// (electron/cli/ in the sources, dist/electron/cli/ once built, resources/app/... when packaged).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'socket-warden' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here, or not ours: look further up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
