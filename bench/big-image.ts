// The ~1 GB image the streaming rows download. Built once with the real CLI (classic builder, no
// network: the stack's engine runs with --bridge=none) and kept between runs: rebuilding costs far
// more than the bench itself. Remove it with `docker rmi swbench/big:1` against the stack's engine.
import type { BenchContext } from './bench-row.js';
import { legacyBuild } from './legacy-build.js';
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
  await legacyBuild(context, BIG_IMAGE, DOCKERFILE);
}
