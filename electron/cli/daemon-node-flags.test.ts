// Every launcher of the daemon starts it with DAEMON_NODE_FLAGS: V8 reads them only at start, so a
// launcher that drops them runs a daemon the bench did not measure. (The daemon package's wrapper is
// generated from the constant and checked on the running service in the managed-mode integration
// test; npm start and the bench import the constant.)
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DAEMON_NODE_FLAGS } from './daemon-node-flags.js';

const flags = DAEMON_NODE_FLAGS.join(' ');

const launchers: { file: string; line: RegExp; expected: string }[] = [
  // `env -S` splits the rest of the line: node gets the flags before the script.
  { file: 'bin/socket-warden.js', line: /^#!\/usr\/bin\/env -S node (.*)$/m, expected: flags },
  // The app package's `socket-warden` command: its Electron run as Node takes Node's flags.
  {
    file: 'build/linux/socket-warden-cli',
    line: /^ELECTRON_RUN_AS_NODE=1 exec "\$here\/\.\.\/socket-warden-app" (.*) "\$here\/app\.asar\/bin\/socket-warden\.js" "\$@"$/m,
    expected: flags,
  },
  // The desktop entry: Electron's main process, which hosts the daemon, takes V8 flags as --js-flags.
  { file: 'electron-builder.yml', line: /^ {4}- --js-flags=(.*)$/m, expected: flags },
];

describe('the launchers pass DAEMON_NODE_FLAGS', () => {
  it.each(launchers)('$file', async ({ file, line, expected }) => {
    const text = await readFile(file, 'utf8');
    expect(line.exec(text)?.[1]).toBe(expected);
  });

  it('bin/socket-warden.js runs by its shebang', async () => {
    const { stdout } = await promisify(execFile)('bin/socket-warden.js', ['--version']);
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(stdout.trim()).toBe(version);
  });
});
