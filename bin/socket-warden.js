#!/usr/bin/env -S node --max-semi-space-size=8
// Thin launcher: the CLI is compiled TypeScript under dist/ (npm run build:engine). The shebang's flags
// are DAEMON_NODE_FLAGS (electron/cli/daemon-node-flags.ts): run it as `bin/socket-warden.js`, or pass
// them to node yourself.
import('../dist/electron/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('socket-warden: not built yet; run `npm run build` first.');
    process.exit(70);
  }
  throw error;
});
