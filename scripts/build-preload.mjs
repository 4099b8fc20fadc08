// Bundles electron/preload/preload.ts into one CommonJS file: a sandboxed preload can only `require`
// a few built-ins (electron among them) and cannot load ES modules, while the rest of the main
// process is ESM compiled by tsc.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['electron/preload/preload.ts'],
  outfile: 'dist/electron/preload/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external: ['electron'],
  sourcemap: true,
  logLevel: 'warning',
});
console.log('preload: dist/electron/preload/preload.cjs');
