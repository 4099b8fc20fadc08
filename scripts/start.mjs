// `npm start` (after `npm run build`): the desktop app when an Electron binary is installed, otherwise
// the same settings pane served by `socket-warden serve --ui` in the browser, saying so plainly.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DAEMON_NODE_FLAGS } from '../dist/electron/cli/daemon-node-flags.js';
import { electronBinary } from './electron-binary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

// The child never outlives us: signals are passed on (SIGHUP as SIGTERM: neither child has its own
// use for it, and its default would kill the daemon without removing its socket), and once our own
// parent is gone (npm killed, say) we are re-parented, notice, and stop the child the same way.
const forward = (child) => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.on(signal, () => child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal));
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid !== parent) child.kill('SIGTERM');
  }, 500);
  orphaned.unref();
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
};

const binary = electronBinary();
if (binary) {
  // The main process hosts the daemon: its V8 takes the flags from --js-flags at launch, as the desktop
  // entry passes them (electron-builder.yml).
  const jsFlags = `--js-flags=${DAEMON_NODE_FLAGS.join(' ')}`;
  forward(
    spawn(binary, [jsFlags, root, '--show', ...process.argv.slice(2)], { stdio: 'inherit', cwd: root }),
  );
} else {
  console.log('No Electron binary is available (the electron package could not download one here).');
  console.log(
    `Starting the headless daemon with the settings pane instead: node ${DAEMON_NODE_FLAGS.join(' ')} bin/socket-warden.js serve --ui`,
  );
  // The IPC channel is a tripwire: if we die without a word (SIGKILL), serve sees it close and stops.
  const child = spawn(
    process.execPath,
    [...DAEMON_NODE_FLAGS, 'bin/socket-warden.js', 'serve', '--ui', ...process.argv.slice(2)],
    {
      cwd: root,
      stdio: ['inherit', 'pipe', 'inherit', 'ipc'],
    },
  );
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    process.stdout.write(text);
    // serve prints the pane's address without its token, and the file that holds the whole address.
    const file = /UI: http:\/\/\S+ \(open the address in (\S+),/.exec(text)?.[1];
    if (file) {
      const url = readFileSync(file, 'utf8').trim();
      console.log(`\nOpen the settings pane in a browser: ${url}\n`);
    }
  });
  forward(child);
}
