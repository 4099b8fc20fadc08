#!/usr/bin/env node
// Builds the zero-copy splice relay (native/splice/) with node-gyp, part of `npm run build`, and copies
// it to dist/native/, where the proxy loads it from (electron/core/proxy/zero-copy-relay.ts). It is an
// N-API module: one build serves Node 20, the daemon package's Node 22 and Electron alike.
//
// A machine that cannot build it (not Linux, no compiler, no Node headers) gets a warning and the JS
// relay, which does the same with more CPU and copies; SW_REQUIRE_NATIVE=1 makes that an error. Node's
// headers come from the Node running this when it has them (Debian's nodejs, the official tarballs:
// <prefix>/include/node), so nothing is downloaded; otherwise node-gyp fetches them as usual.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = path.join(ROOT, 'native/splice');
const BUILT = path.join(SOURCE, 'build/Release/splice_relay.node');
const INSTALLED = path.join(ROOT, 'dist/native/splice_relay.node');
const required = process.env.SW_REQUIRE_NATIVE === '1';

function giveUp(why) {
  // An older build must not stand in for this source.
  fs.rmSync(INSTALLED, { force: true });
  const line = `[build-native] the zero-copy relay was not built: ${why}`;
  if (required) {
    console.error(`${line} (SW_REQUIRE_NATIVE=1)`);
    process.exit(1);
  }
  console.error(`${line}; the proxy relays bodies through JavaScript instead`);
  process.exit(0);
}

/** npm's own node-gyp (npm names it to the scripts it runs), else one installed here, else npm's beside node. */
function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(createRequire(path.join(ROOT, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // Not installed here.
  }
  candidates.push(
    path.resolve(
      path.dirname(process.execPath),
      '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    ),
  );
  return candidates.find((candidate) => candidate && fs.existsSync(candidate)) ?? null;
}

/** The prefix whose include/node has this Node's headers, if it has them. */
function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include/node/node_api.h')) &&
    fs.existsSync(path.join(prefix, 'include/node/uv.h'))
    ? prefix
    : null;
}

const newest = (files) => Math.max(...files.map((file) => fs.statSync(file).mtimeMs));

function upToDate() {
  if (!fs.existsSync(BUILT)) return false;
  const sources = fs
    .readdirSync(SOURCE)
    .filter((name) => /\.(cc|h|gyp)$/.test(name))
    .map((name) => path.join(SOURCE, name));
  return fs.statSync(BUILT).mtimeMs >= newest(sources);
}

if (process.platform !== 'linux') giveUp(`splice(2) is Linux's (this is ${process.platform})`);
if (!upToDate()) {
  const gyp = nodeGyp();
  if (!gyp) giveUp('no node-gyp found (npm brings one)');
  const nodeDir = localNodeDir();
  const args = [gyp, 'rebuild', '--directory', SOURCE, '--loglevel=warn'];
  if (nodeDir) args.push(`--nodedir=${nodeDir}`);
  const run = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0 || !fs.existsSync(BUILT))
    giveUp(`node-gyp failed (${run.error?.message ?? `exit ${run.status}`}; needs g++, make and python3)`);
}
fs.mkdirSync(path.dirname(INSTALLED), { recursive: true });
// A new file renamed into place: a running daemon keeps the one it mapped.
fs.copyFileSync(BUILT, `${INSTALLED}.tmp`);
fs.renameSync(`${INSTALLED}.tmp`, INSTALLED);
console.error(`[build-native] ${path.relative(ROOT, INSTALLED)}`);
