// Runs `socket-warden serve` as a user does (a child process of the built CLI) in a temp directory of
// its own: admin file, data dir and listening socket. Shared by the engine-backed tests of the daemon.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { historyEntrySchema, type HistoryEntry } from '../../shared/history-entry.js';

const CLI = path.resolve('bin/socket-warden.js');

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The ECI section of admin-settings.json v2 (docs/admin-settings.md); anything left out takes the spec default. */
export interface AdminEci {
  locked?: boolean;
  value?: boolean;
  images?: string[];
  allowDerivedImages?: boolean;
  commandList?: { type: 'allow' | 'deny'; commands: string[] };
  /** Socket Warden's own section (admin-settings.json `socketWarden`), as written. */
  socketWarden?: Record<string, unknown>;
}

export function adminSettingsJson(eci: AdminEci): string {
  return `${JSON.stringify(
    {
      ...(eci.socketWarden ? { socketWarden: eci.socketWarden } : {}),
      configurationFileVersion: 2,
      enhancedContainerIsolation: {
        locked: eci.locked ?? true,
        value: eci.value ?? true,
        dockerSocketMount: {
          imageList: { images: eci.images ?? [], allowDerivedImages: eci.allowDerivedImages ?? false },
          commandList: eci.commandList ?? { type: 'deny', commands: [] },
        },
      },
    },
    null,
    2,
  )}\n`;
}

export interface ServeOptions {
  /** A directory of the caller's; the daemon uses `<dir>/warden.sock`, `<dir>/data`, `<dir>/admin.json`. */
  dir: string;
  upstream: string;
  refreshIntervalSeconds?: number;
  /** `serve --managed`. */
  managed?: boolean;
}

export interface ServeResult {
  code: number | null;
  output: string;
}

/** One run of `socket-warden serve`. Start another on the same dir to "restart" it. */
export class WardenProcess {
  output = '';
  private exited: Promise<ServeResult>;

  private constructor(
    readonly options: ServeOptions,
    readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => resolve({ code, output: this.output })),
    );
  }

  static paths(dir: string): { listen: string; dataDir: string; adminFile: string } {
    return {
      listen: path.join(dir, 'warden.sock'),
      dataDir: path.join(dir, 'data'),
      adminFile: path.join(dir, 'admin.json'),
    };
  }

  /** Spawns serve without waiting for it (for tests of a start that must fail). */
  static spawn(options: ServeOptions): WardenProcess {
    if (!existsSync('dist/electron/cli/main.js'))
      throw new Error('run `npm run build:engine` first (the CLI runs from dist/)');
    const { listen, dataDir, adminFile } = WardenProcess.paths(options.dir);
    const args = [CLI, 'serve', '--upstream', options.upstream, '--listen', listen, '--data-dir', dataDir];
    // The admin file as the default path rather than --admin-settings: tests write it after the start
    // too, and an explicit --admin-settings must exist when serve starts.
    const env: NodeJS.ProcessEnv = { ...process.env, SOCKET_WARDEN_ADMIN_SETTINGS: adminFile };
    if (options.refreshIntervalSeconds !== undefined) {
      args.push('--refresh-interval', String(options.refreshIntervalSeconds));
      // Tests watch a registry tag move within seconds; serve refuses less than 30 s otherwise.
      env.SOCKET_WARDEN_MIN_REFRESH_SECONDS = '1';
    }
    if (options.managed) args.push('--managed');
    return new WardenProcess(
      options,
      spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env }),
    );
  }

  /** Spawns serve and waits until it prints its DOCKER_HOST line. */
  static async start(options: ServeOptions): Promise<WardenProcess> {
    const warden = WardenProcess.spawn(options);
    let exited = false;
    void warden.exited.then(() => (exited = true));
    await waitFor(
      () => exited || warden.output.includes('DOCKER_HOST='),
      20_000,
      'socket-warden serve to listen',
    );
    if (exited) throw new Error(`socket-warden serve exited at start:\n${warden.output}`);
    return warden;
  }

  get listen(): string {
    return WardenProcess.paths(this.options.dir).listen;
  }
  get dataDir(): string {
    return WardenProcess.paths(this.options.dir).dataDir;
  }
  get adminFile(): string {
    return WardenProcess.paths(this.options.dir).adminFile;
  }
  /** DOCKER_HOST for clients of this daemon. */
  get host(): string {
    return `unix://${this.listen}`;
  }

  exit(): Promise<ServeResult> {
    return this.exited;
  }

  /** Waits until the output (since `from`, an offset into `output`) matches. */
  async waitForOutput(pattern: string | RegExp, timeoutMs = 10_000, from = 0): Promise<void> {
    const matches = (): boolean => {
      const text = this.output.slice(from);
      return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
    };
    await waitFor(matches, timeoutMs, `serve output ${String(pattern)}; got:\n${this.output.slice(from)}`);
  }

  /**
   * Writes the admin file and waits for the daemon to log the reloaded policy. The file is replaced by
   * rename so the watcher never reads half of it.
   */
  async setPolicy(eci: AdminEci): Promise<void> {
    const from = this.output.length;
    await writeAdminFile(this.adminFile, adminSettingsJson(eci));
    await this.waitForOutput(/policy: enforcement (on|OFF)/, 10_000, from);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ServeResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** `socket-warden history --json` on this daemon's data dir. */
  async history(): Promise<HistoryEntry[]> {
    return readHistory(this.dataDir);
  }
}

export async function writeAdminFile(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, text, { mode: 0o644 });
  await fs.rename(temp, file);
}

/** Runs the real `socket-warden` CLI with `args`, never throwing on a non-zero exit. */
export function wardenCli(
  args: string[],
  timeoutMs = 120_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export async function readHistory(dataDir: string): Promise<HistoryEntry[]> {
  const result = await wardenCli(['history', '--data-dir', dataDir, '--json']);
  if (result.code !== 0) throw new Error(`socket-warden history failed: ${result.stderr}`);
  return historyEntrySchema.array().parse(JSON.parse(result.stdout));
}
