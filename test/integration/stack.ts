// Reads the environment written by scripts/test-stack.sh up: the private dockerd and registry the
// engine-backed tests run against. Tests never fall back to a user's own engine.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface TestStack {
  dir: string;
  /** unix:// URL of the private engine. */
  dockerHost: string;
  /** Path of the private engine's socket. */
  dockerSocket: string;
  /** host:port of the loopback registry. */
  registry: string;
  /** Path of the static docker CLI. */
  cli: string;
}

export function loadStack(): TestStack {
  const dir = process.env.SW_STACK_DIR ?? '/tmp/socket-warden-stack';
  let text: string;
  try {
    text = readFileSync(`${dir}/env`, 'utf8');
  } catch {
    throw new Error(
      `test stack not running (no ${dir}/env): run \`sudo scripts/test-stack.sh up\` or \`npm test\``,
    );
  }
  const env = Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const need = (key: string): string => {
    const value = env[key];
    if (!value) throw new Error(`${dir}/env lacks ${key}`);
    return value;
  };
  return {
    dir,
    dockerHost: need('SW_DOCKER_HOST'),
    dockerSocket: need('SW_DOCKER_SOCKET'),
    registry: need('SW_REGISTRY'),
    cli: need('SW_DOCKER_CLI'),
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real docker CLI against `host` (a unix:// URL), never throwing on a non-zero exit. */
export async function docker(
  host: string,
  args: string[],
  options: { input?: string | Buffer; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const stack = loadStack();
  return new Promise((resolve) => {
    const child = execFile(
      stack.cli,
      args,
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          ...options.env,
          DOCKER_HOST: host,
          DOCKER_BUILDKIT: '0',
        },
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

export { execFileAsync };
