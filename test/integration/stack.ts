// Reads the environment written by scripts/test-stack.sh up: the private dockerd and registry the
// engine-backed tests run against. Tests never fall back to a user's own engine.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The engines scripts/test-stack.sh can run (`SW_ENGINE`). */
export const ENGINE_KINDS = ['docker20', 'docker26', 'docker26-containerd', 'podman'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

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
  /**
   * Which engine: Docker 20.10 (bookworm), Docker 26.1 (trixie) with the graph-driver or the containerd
   * image store, or Podman 4.3's Docker API (`podman system service`).
   */
  engine: EngineKind;
  /** The engine's own version (`/version` .Version): "20.10.24+dfsg1", "26.1.5+dfsg1", "4.3.1". */
  engineVersion: string;
  /** The highest Engine API version the engine speaks (`/version` .ApiVersion): 1.41, 1.45, 1.41. */
  apiVersion: string;
  /** The lowest Engine API version the engine accepts (`/version` .MinAPIVersion). */
  minApiVersion: string;
  /** The version the stack's CLI negotiates with the engine: its request URIs start `/v<this>/`. */
  cliApiVersion: string;
  /** PID of the engine process (dockerd, or the podman service); its flags are in /proc/<pid>/cmdline. */
  enginePid: number;
  /** The engine's data root (dockerd --data-root; podman --root). */
  dataRoot: string;
  /** The engine's exec root (dockerd --exec-root; podman --runroot). */
  execRoot: string;
  /** A private DOCKER_CONFIG whose cli-plugins hold docker-buildx (0.13.1); set it to build with BuildKit. */
  dockerConfig: string;
  /** Docker engines: the stack's own containerd socket (dockerd --containerd). */
  containerdSocket?: string;
  /** Podman: a wrapper running the podman CLI on the stack's storage and configuration. */
  podman?: string;
}

function defaultStackDir(engine: string | undefined): string {
  return !engine || engine === 'docker20' ? '/tmp/socket-warden-stack' : `/tmp/socket-warden-stack-${engine}`;
}

function isEngineKind(value: string): value is EngineKind {
  return (ENGINE_KINDS as readonly string[]).includes(value);
}

export function loadStack(): TestStack {
  const dir = process.env.SW_STACK_DIR ?? defaultStackDir(process.env.SW_ENGINE);
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
    if (!value) {
      throw new Error(
        `${dir}/env lacks ${key} (written by an older scripts/test-stack.sh? run \`sudo scripts/test-stack.sh up\` again)`,
      );
    }
    return value;
  };
  // Env files from before SW_ENGINE existed were always Docker 20.10's.
  const engine = env.SW_ENGINE ?? 'docker20';
  if (!isEngineKind(engine)) throw new Error(`${dir}/env names an unknown engine ${engine}`);
  if (process.env.SW_ENGINE && process.env.SW_ENGINE !== engine) {
    throw new Error(`SW_ENGINE=${process.env.SW_ENGINE} but the stack in ${dir} runs ${engine}`);
  }
  const stack: TestStack = {
    dir,
    dockerHost: need('SW_DOCKER_HOST'),
    dockerSocket: need('SW_DOCKER_SOCKET'),
    registry: need('SW_REGISTRY'),
    cli: need('SW_DOCKER_CLI'),
    engine,
    engineVersion: need('SW_ENGINE_VERSION'),
    apiVersion: need('SW_API_VERSION'),
    minApiVersion: need('SW_MIN_API_VERSION'),
    cliApiVersion: need('SW_CLI_API_VERSION'),
    enginePid: Number(need('SW_ENGINE_PID')),
    dataRoot: need('SW_DATA_ROOT'),
    execRoot: need('SW_EXEC_ROOT'),
    dockerConfig: need('SW_DOCKER_CONFIG'),
  };
  if (env.SW_CONTAINERD_SOCKET) stack.containerdSocket = env.SW_CONTAINERD_SOCKET;
  if (env.SW_PODMAN) stack.podman = env.SW_PODMAN;
  return stack;
}

/** Podman's Docker API (names, events, errors and image IDs differ from dockerd's in places). */
export function isPodman(stack: TestStack = loadStack()): boolean {
  return stack.engine === 'podman';
}

/** A real dockerd (20.10 or 26.1). */
export function isDockerd(stack: TestStack = loadStack()): boolean {
  return stack.engine !== 'podman';
}

/**
 * Docker's containerd image store: image IDs are manifest digests and RepoDigests list every repository
 * an image is tagged in (pushed or not), each `@` the image's own manifest digest.
 */
export function usesContainerdImageStore(stack: TestStack = loadStack()): boolean {
  return stack.engine === 'docker26-containerd';
}

/** The path prefix the stack's CLI puts on every versioned request: `/v1.41`, `/v1.45`. */
export function cliApiPrefix(stack: TestStack = loadStack()): string {
  return `/v${stack.cliApiVersion}`;
}

/** The engine process's command line (its flags), read from /proc. */
export function engineArgs(stack: TestStack = loadStack()): string[] {
  return readFileSync(`/proc/${stack.enginePid}/cmdline`, 'utf8').split('\0').filter(Boolean);
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
