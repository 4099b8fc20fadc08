// `socket-warden serve` with whatever arguments and environment a test gives it (daemon-harness.ts
// always passes a working set), and what a test of its start and stop looks at afterwards: the exit,
// the lines it wrote, and what it left behind (socket files, processes).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './daemon-harness.js';

const CLI = path.resolve('bin/socket-warden.js');

export interface ServeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from spawn (or from `stop`) to exit. */
  elapsedMs: number;
}

export class ServeCli {
  stdout = '';
  stderr = '';
  readonly child: ChildProcess;
  private readonly exited: Promise<ServeExit>;
  private since = Date.now();

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    if (!existsSync('dist/electron/cli/main.js'))
      throw new Error('run `npm run build:engine` first (the CLI runs from dist/)');
    this.child = spawn(process.execPath, [CLI, 'serve', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Never the developer's own DOCKER_HOST or admin file: each test says what it means.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) =>
        resolve({ code, signal, elapsedMs: Date.now() - this.since }),
      ),
    );
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  exit(): Promise<ServeExit> {
    return this.exited;
  }

  /** Waits for the DOCKER_HOST line; throws with the output if serve exits first. */
  async listening(timeoutMs = 30_000): Promise<void> {
    await waitFor(() => !this.running || this.stdout.includes('DOCKER_HOST='), timeoutMs, 'serve to listen');
    if (!this.running) throw new Error(`serve exited at start:\n${this.output}`);
  }

  /** Sends `signal`; the exit's elapsedMs then counts from here. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ServeExit> {
    this.since = Date.now();
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/** The pids of processes whose command line mentions `text` (a test's own temp directory). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Socket files anywhere under `dir`. */
export function socketsUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isSocket())
    .map((entry) => path.join(entry.parentPath, entry.name));
}
