// The derived-image check with 500 local images (target: added create latency under 50 ms). A
// local-only image built FROM the allowed `<registry>/library/docker:cli` carries no repository digest,
// so Socket Warden lists the engine's images, finds the allowed parent among them and compares layer
// chains (allowDerivedImages is on in the bench's admin settings). Directly, the engine just creates it.
// The engine's own GET /images/json time is shown beside it: with ~500 images a check that lists them
// on every create cannot be faster than that listing.
import type http from 'node:http';
import { alternate } from '../alternate.js';
import { socketFor, type BenchContext, type RowProducer, type Side } from '../bench-row.js';
import { createBody } from '../containers.js';
import { legacyBuild } from '../legacy-build.js';
import { ensureManyImages, localImageCount } from '../many-images.js';
import { exchange, exchangeJson, keepAliveAgent } from '../socket-http.js';
import { assertRewritten, latencyRows, socketMountBinds, timeCreates } from './container-create.js';

const MANY = 500;
const ROUNDS = 10;
const PER_ROUND = 5;
const WARM_UP = 3;
const TARGET_MS = 50;
/** GET /images/json per side: the engine's own cost of listing them all, a floor for a check that lists. */
const LIST_ROUNDS = 6;
const LISTS_PER_ROUND = 2;
export const DERIVED_IMAGE = 'swbench/derived:1';

/**
 * Builds (cheap, cached by the classic builder) the derived image and checks that no digest of the
 * allowed repository names it, so its creates go through the derived check. Docker's classic store
 * records no digest for a local build; Podman and the containerd store record one under the image's
 * own name (docs/engine-facts.md), which allows nothing.
 */
async function ensureDerivedImage(context: BenchContext): Promise<void> {
  await legacyBuild(
    context,
    DERIVED_IMAGE,
    `FROM ${context.allowedImage}\nLABEL org.socket-warden.bench=derived\n`,
    60_000,
  );
  const inspected = await exchangeJson(context.directSocket, 'GET', `/images/${DERIVED_IMAGE}/json`);
  const digests = (inspected.json as { RepoDigests?: unknown[] } | null)?.RepoDigests ?? [];
  const allowedRepository = context.allowedImage.replace(/:[^/:]*$/, '');
  const ofAllowed = digests.filter((digest) => String(digest).startsWith(`${allowedRepository}@`));
  if (inspected.status !== 200 || ofAllowed.length > 0)
    throw new Error(`${DERIVED_IMAGE} should be local-only: ${JSON.stringify(inspected.json)}`);
}

async function timeListings(socketPath: string, agent: http.Agent, count: number): Promise<number[]> {
  const millis: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    const { status } = await exchange(socketPath, agent, 'GET', '/images/json');
    millis.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (status !== 200) throw new Error(`GET /images/json answered ${status}`);
  }
  return millis;
}

export const derivedImageRows: RowProducer = {
  name: 'derived-images',
  async run(context) {
    await ensureManyImages(context, MANY);
    await ensureDerivedImage(context);
    const images = await localImageCount(context.directSocket);
    const agents: Record<Side, http.Agent> = { direct: keepAliveAgent(1), proxy: keepAliveAgent(1) };
    const mounted = createBody(DERIVED_IMAGE, socketMountBinds(context));
    try {
      for (const side of ['direct', 'proxy'] as const)
        await timeCreates(context, side, agents[side], 'derived', mounted, WARM_UP);
      await assertRewritten(context, agents.proxy, mounted);
      context.progress(
        `derived images: ${ROUNDS * PER_ROUND} creates per side of ${DERIVED_IMAGE} with the socket mounted, ${images} local images`,
      );
      const runs = await alternate(ROUNDS, (side) =>
        timeCreates(context, side, agents[side], 'derived', mounted, PER_ROUND),
      );
      context.progress(`derived images: GET /images/json (${images} images)`);
      const listings = await alternate(LIST_ROUNDS, (side) =>
        timeListings(socketFor(context, side), agents[side], LISTS_PER_ROUND),
      );
      return [
        ...latencyRows(`create derived image, socket mount, ${images} local images`, runs, {
          kind: 'added-at-most',
          max: TARGET_MS,
        }),
        ...latencyRows(`GET /images/json, ${images} images`, listings, { kind: 'none' }).slice(0, 1),
      ];
    } finally {
      agents.direct.destroy();
      agents.proxy.destroy();
    }
  },
};
