#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript under dist/ (npm run build:engine).
import('../dist/electron/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('socket-warden: not built yet; run `npm run build` first.');
    process.exit(70);
  }
  throw error;
});
