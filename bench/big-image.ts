// The ~1 GB image the streaming rows download. Built once with the real CLI (classic builder, no
// network: the stack's engine runs with --bridge=none) and kept between runs: rebuilding costs far
// more than the bench itself. Remove it with `docker rmi swbench/big:1` against the stack's engine.
import { execFile } from 'node:child_process';
import type { BenchContext } from './bench-row.js';
import { exchangeJson } from './socket-http.js';

export const BIG_IMAGE = 'swbench/big:1';
export const BIG_IMAGE_MIB = 1000;

const DOCKERFILE = `FROM sw-test/busybox
LABEL org.socket-warden.bench=big
RUN dd if=/dev/urandom of=/big bs=1M count=${BIG_IMAGE_MIB}
`;

export async function ensureBigImage(context: BenchContext): Promise<void> {
  const found = await exchangeJson(context.directSocket, 'GET', `/images/${BIG_IMAGE}/json`);
  if (found.status === 200) return;
  context.progress(`building ${BIG_IMAGE} (${BIG_IMAGE_MIB} MiB, once; kept for later runs)`);
  await new Promise<void>((resolve, reject) => {
    const child = execFile(
      context.cli,
      ['build', '--network', 'none', '-t', BIG_IMAGE, '-'],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          DOCKER_HOST: `unix://${context.directSocket}`,
          DOCKER_BUILDKIT: '0',
        },
        timeout: 10 * 60_000,
        maxBuffer: 16 << 20,
      },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`building ${BIG_IMAGE} failed: ${error.message}\n${stderr}`));
        else resolve();
      },
    );
    child.stdin?.end(DOCKERFILE);
  });
}
