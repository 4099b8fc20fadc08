// 500 distinct local images for the derived-image row: `swbench/many:0` .. `:499`, each imported
// (POST /images/create?fromSrc=-, as `docker import`) from a one-file tar whose content is its number,
// so every one has its own layer and ID (tagging one image 500 times would list as one image). Imports
// take ~0.15 s each, 8 at a time ~10-20 s in all; kept between runs like the big image. Remove them with
// `docker rmi $(docker images -q swbench/many)` against the stack's engine.
import http from 'node:http';
import { familiarRepository } from '../shared/image-reference.js';
import type { BenchContext } from './bench-row.js';
import { exchangeJson } from './socket-http.js';
import { ustarHeader } from './tar-stream.js';

export const MANY_REPOSITORY = 'swbench/many';
const PARALLEL = 8;

/** A tar holding one file `n` with `text` in it. */
function tinyTar(text: string): Buffer {
  const content = Buffer.from(text);
  const padding = (512 - (content.length % 512)) % 512;
  return Buffer.concat([ustarHeader('n', content.length), content, Buffer.alloc(padding + 1024)]);
}

/** The tags of `swbench/many` present on the engine. */
async function presentTags(engineSocket: string): Promise<Set<string>> {
  const filters = encodeURIComponent(JSON.stringify({ reference: [MANY_REPOSITORY] }));
  const listed = await exchangeJson(engineSocket, 'GET', `/images/json?filters=${filters}`);
  const tags = new Set<string>();
  if (!Array.isArray(listed.json)) return tags;
  for (const image of listed.json as { RepoTags?: unknown }[]) {
    if (!Array.isArray(image.RepoTags)) continue;
    for (const tag of image.RepoTags) {
      // Podman lists the tags fully qualified (docker.io/swbench/many:3), Docker as they were given.
      const colon = typeof tag === 'string' ? tag.lastIndexOf(':') : -1;
      if (colon > 0 && familiarRepository(String(tag).slice(0, colon)) === MANY_REPOSITORY)
        tags.add(String(tag).slice(colon + 1));
    }
  }
  return tags;
}

/** `docker import`; the engine reports failures inside a 200 progress stream. */
function importImage(engineSocket: string, tag: string): Promise<void> {
  const body = tinyTar(`swbench many ${tag}\n`);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        socketPath: engineSocket,
        agent: false,
        method: 'POST',
        // The tag inside `repo`: Podman 4.3 ignores a separate `tag` (docs/engine-facts.md).
        path: `/images/create?fromSrc=-&repo=${encodeURIComponent(`${MANY_REPOSITORY}:${tag}`)}`,
        headers: { 'Content-Type': 'application/x-tar', 'Content-Length': String(body.length) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
        });
        res.on('end', () => {
          if (res.statusCode !== 200 || text.includes('"error"'))
            reject(new Error(`importing ${MANY_REPOSITORY}:${tag} answered ${res.statusCode}: ${text}`));
          else resolve();
        });
        res.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Makes sure `swbench/many:0..count-1` all exist; imports the missing ones. */
export async function ensureManyImages(context: BenchContext, count: number): Promise<void> {
  const present = await presentTags(context.directSocket);
  const missing = Array.from({ length: count }, (_, i) => String(i)).filter((tag) => !present.has(tag));
  if (missing.length === 0) return;
  context.progress(
    `importing ${missing.length} tiny images ${MANY_REPOSITORY}:N (once; kept for later runs)`,
  );
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let tag = missing.shift(); tag !== undefined; tag = missing.shift())
      await importImage(context.directSocket, tag);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  context.progress(`imported in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** How many images the engine lists (GET /images/json: what the derived-image check reads). */
export async function localImageCount(engineSocket: string): Promise<number> {
  const listed = await exchangeJson(engineSocket, 'GET', '/images/json');
  return Array.isArray(listed.json) ? listed.json.length : 0;
}
