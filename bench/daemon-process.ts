// Runs the real `socket-warden serve` as a child process (so its memory is its own, readable from
// /proc), waits for the DOCKER_HOST line it prints once listening, and stops it with SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { DAEMON_NODE_FLAGS } from '../electron/cli/daemon-node-flags.js';

export interface DaemonProcess {
  pid: number;
  socketPath: string;
  /** Everything the daemon printed so far (for diagnostics). */
  output(): string;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  repoRoot: string;
  upstream: string;
  /** Scratch directory: the socket and the data dir live here. */
  dir: string;
  /** The admin-settings.json the daemon enforces (see bench/admin-settings.ts). */
  adminSettings: string;
  /** Node flags besides the launchers' own, e.g. `--cpu-prof --cpu-prof-dir=<dir>` to profile the proxy. */
  nodeFlags?: string[];
  startTimeoutMs?: number;
}

const LISTENING = /DOCKER_HOST=unix:\/\/(\S+)/;

export async function startDaemon(options: DaemonOptions): Promise<DaemonProcess> {
  const listen = path.join(options.dir, 'warden.sock');
  const child = spawn(
    process.execPath,
    [
      // As bin/socket-warden.js's shebang and the packages' wrappers start it.
      ...DAEMON_NODE_FLAGS,
      ...(options.nodeFlags ?? []),
      path.join(options.repoRoot, 'bin/socket-warden.js'),
      'serve',
      '--upstream',
      options.upstream,
      '--listen',
      listen,
      '--data-dir',
      path.join(options.dir, 'data'),
      '--admin-settings',
      options.adminSettings,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = once(child, 'exit');
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  const socketPath = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`socket-warden serve did not report listening within the timeout:\n${output}`));
    }, options.startTimeoutMs ?? 20_000);
    const watch = (): void => {
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout.off('data', watch);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', watch);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`socket-warden serve exited (${signal ?? code}) before listening:\n${output}`));
    });
  });
  if (child.pid === undefined) throw new Error('socket-warden serve has no pid');

  return {
    pid: child.pid,
    socketPath,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
