// Loads dockerode for the engine client without what a unix-socket client never calls. At import,
// dockerode loads docker-modem's ssh transport (ssh2, which builds a zlib stream and a WebAssembly
// instance with 16 MB of memory as it loads) and its BuildKit session (gRPC and protobufjs): about half
// of the resident memory importing dockerode costs. Stand-ins for those two files go into CommonJS's
// module cache first and load the real file on their first call. dockerode is then loaded with
// require, not import: Node's ESM loader would also parse each of its CommonJS files for their export
// names (the rest of the cost is mostly that). The bench's RSS rows show what the daemon holds.
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import type Dockerode from 'dockerode';

const require = createRequire(import.meta.url);

/** The files put off, as installed: each exports one function, which is all a stand-in replaces. */
export function deferredPartFiles(): string[] {
  const dockerode = require.resolve('dockerode');
  const modem = createRequire(dockerode).resolve('docker-modem');
  return [join(dirname(modem), 'ssh.js'), join(dirname(dockerode), 'session.js')];
}

/**
 * Caches a stand-in for `filename` that loads the real file on its first call and hands the call on,
 * so an ssh:// modem or a BuildKit session would still work, only later. A file already loaded (someone
 * required dockerode earlier) is left as it is.
 */
function deferUntilCalled(filename: string): void {
  if (require.cache[filename]) return;
  const standIn = new Module(filename);
  standIn.filename = filename;
  standIn.loaded = true;
  let real: ((...args: unknown[]) => unknown) | undefined;
  standIn.exports = function deferred(this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      delete require.cache[filename];
      real = require(filename) as (...args: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  require.cache[filename] = standIn;
}

/** dockerode's constructor, its unused parts put off. */
export function loadDockerode(): typeof Dockerode {
  for (const file of deferredPartFiles()) deferUntilCalled(file);
  return require('dockerode') as typeof Dockerode;
}
