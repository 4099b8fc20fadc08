// `docker build` with the real CLI and the classic builder (no BuildKit, no network: the stack's engine
// runs with --bridge=none), the Dockerfile on stdin; for the images the rows need.
import { execFile } from 'node:child_process';
import type { BenchContext } from './bench-row.js';

export function legacyBuild(
  context: BenchContext,
  tag: string,
  dockerfile: string,
  timeoutMs = 10 * 60_000,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = execFile(
      context.cli,
      ['build', '--network', 'none', '-q', '-t', tag, '-'],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          DOCKER_HOST: `unix://${context.directSocket}`,
          DOCKER_BUILDKIT: '0',
        },
        timeout: timeoutMs,
        maxBuffer: 16 << 20,
      },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`building ${tag} failed: ${error.message}\n${stderr}`));
        else resolve();
      },
    );
    child.stdin?.end(dockerfile);
  });
}
