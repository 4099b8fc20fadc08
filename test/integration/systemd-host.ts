// A Debian host with systemd as PID 1 and a stock docker.io, in a container on the test engine
// (scripts/systemd-host.sh): the stage for the managed-mode tests. Commands run inside with docker exec,
// as root or as a user (`su`).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { docker, type CliResult, type TestStack } from './stack.js';

const SCRIPT = path.resolve('scripts/systemd-host.sh');

export interface SystemdHost {
  name: string;
  /** Runs argv inside as root. */
  exec(argv: string[], options?: { input?: string; timeoutMs?: number }): Promise<CliResult>;
  /** Runs a shell script inside as root. */
  sh(script: string, options?: { timeoutMs?: number }): Promise<CliResult>;
  /** Runs a shell script inside as `user` (a login-less `su`: the user's groups, not root's). */
  as(user: string, script: string, options?: { timeoutMs?: number }): Promise<CliResult>;
  copyIn(localPath: string, hostPath: string): Promise<void>;
  writeFile(hostPath: string, content: string, mode?: string): Promise<void>;
  remove(): Promise<void>;
}

function script(stack: TestStack, args: string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      SCRIPT,
      args,
      {
        env: {
          PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
          HOME: process.env.HOME ?? '/root',
          DOCKER_HOST: stack.dockerHost,
          SW_STACK_DIR: stack.dir,
          SW_DOCKER_CLI: stack.cli,
          ...(process.env.SW_SYSTEMD_HOST_CACHE
            ? { SW_SYSTEMD_HOST_CACHE: process.env.SW_SYSTEMD_HOST_CACHE }
            : {}),
        },
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Starts one (building or importing the cached image first); resolves once the inner engine runs containers. */
export async function startSystemdHost(stack: TestStack, name: string): Promise<SystemdHost> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the managed-mode tests need root: scripts/systemd-host.sh runs a systemd container on the test engine (run `npm test` as root, or with sudo)',
    );
  }
  const started = await script(stack, ['run', name], 600_000);
  if (started.code !== 0) {
    throw new Error(
      `scripts/systemd-host.sh run ${name} failed (exit ${started.code}):\n${started.stderr.slice(-4000)}`,
    );
  }
  const exec: SystemdHost['exec'] = (argv, options = {}) =>
    docker(stack.dockerHost, ['exec', '-i', name, ...argv], {
      ...(options.input !== undefined ? { input: options.input } : {}),
      timeoutMs: options.timeoutMs ?? 60_000,
    });
  return {
    name,
    exec,
    sh: (text, options) => exec(['bash', '-c', text], options),
    as: (user, text, options) => exec(['su', user, '-c', text], options),
    async copyIn(localPath, hostPath) {
      const copied = await docker(stack.dockerHost, ['cp', localPath, `${name}:${hostPath}`], {
        timeoutMs: 120_000,
      });
      if (copied.code !== 0) throw new Error(`docker cp ${localPath} ${name}:${hostPath}: ${copied.stderr}`);
    },
    async writeFile(hostPath, content, mode = '644') {
      const written = await exec(['sh', '-c', `cat > "$1" && chmod ${mode} "$1"`, 'sh', hostPath], {
        input: content,
      });
      if (written.code !== 0) throw new Error(`cannot write ${hostPath} in ${name}: ${written.stderr}`);
    },
    async remove() {
      await script(stack, ['rm', name], 120_000);
    },
  };
}
