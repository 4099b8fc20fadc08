// EngineImages.repull's order of engine calls, against a scripted engine and registry: the decision
// itself is repull-decision.test.ts; this proves nothing is removed before a pull succeeded.
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { EngineApiError, type EngineClient, type ImageInspect } from '../engine-api/engine-client.js';
import type { ManifestDigestClient, ManifestDigestResult } from '../registry/registry-client.js';
import { EngineImages, type RepullStep } from './engine-images.js';

const NAME = '127.0.0.1:5000/team/app:1';
const REPO = '127.0.0.1:5000/team/app';
const OLD_ID = 'sha256:' + 'a'.repeat(64);
const NEW_ID = 'sha256:' + 'b'.repeat(64);
const OLD_DIGEST = 'sha256:' + '1'.repeat(64);
const NEW_DIGEST = 'sha256:' + '2'.repeat(64);

const image = (id: string, tags: string[], digests: string[]): ImageInspect => ({
  Id: id,
  RepoTags: tags,
  RepoDigests: digests.map((d) => `${REPO}@${d}`),
});

interface Script {
  /** What the name resolves to before and after the pull. */
  before: ImageInspect | undefined;
  after?: ImageInspect;
  /** The previous image as seen after the pull (by ID). */
  previousAfter?: ImageInspect;
  tagDigest: ManifestDigestResult;
  /** Lines the engine streams for the pull, or an error it answers with. */
  pull: string[] | EngineApiError;
  remove?: EngineApiError;
}

function scripted(script: Script): { images: EngineImages; calls: string[]; registry: ManifestDigestClient } {
  const calls: string[] = [];
  let pulled = false;
  const engine = {
    inspectImage: async (name: string) => {
      calls.push(`inspect ${name}`);
      const answer =
        name === NAME ? (pulled ? script.after : script.before) : pulled ? script.previousAfter : undefined;
      if (!answer) throw new EngineApiError(404, `(HTTP code 404) No such image: ${name}`);
      return answer;
    },
    pull: async (repository: string, tag: string) => {
      calls.push(`pull ${repository}:${tag}`);
      if (script.pull instanceof EngineApiError) throw script.pull;
      pulled = true;
      return Readable.from(script.pull.map((line) => Buffer.from(`${line}\n`))) as unknown as IncomingMessage;
    },
    removeImage: async (name: string) => {
      calls.push(`remove ${name}`);
      if (script.remove) throw script.remove;
    },
  } as unknown as EngineClient;
  const registry: ManifestDigestClient = {
    manifestDigest: async (target) => {
      calls.push(`registry ${target.registry}/${target.repository}:${target.reference}`);
      if (target.reference === '1') return script.tagDigest;
      return target.reference === OLD_DIGEST
        ? { status: 'found', digest: OLD_DIGEST }
        : { status: 'not-found' };
    },
  };
  return { images: new EngineImages(engine), calls, registry };
}

const moved: Script = {
  before: image(OLD_ID, [NAME], [OLD_DIGEST]),
  after: image(NEW_ID, [NAME], [NEW_DIGEST]),
  previousAfter: image(OLD_ID, [], [OLD_DIGEST]),
  tagDigest: { status: 'found', digest: NEW_DIGEST },
  pull: ['{"status":"Pulling from team/app","id":"1"}', `{"status":"Digest: ${NEW_DIGEST}"}`],
};

describe('EngineImages.repull', () => {
  it('a moved tag: asks the registry, pulls, checks, and only then removes the dangling previous image', async () => {
    const { images, calls, registry } = scripted(moved);
    const steps: RepullStep['step'][] = [];
    const result = await images.repull('127.0.0.1:5000/team/app:1', registry, (s) => steps.push(s.step));
    expect(result).toEqual({
      outcome: 'pulled',
      name: NAME,
      id: NEW_ID,
      digest: NEW_DIGEST,
      previousId: OLD_ID,
      previous: 'removed',
      note: 'removed the previous image aaaaaaaaaaaa, which nothing used',
    });
    expect(calls).toEqual([
      `inspect ${NAME}`,
      'registry 127.0.0.1:5000/team/app:1',
      `registry 127.0.0.1:5000/team/app:${OLD_DIGEST}`,
      `pull ${NAME}`,
      `inspect ${NAME}`,
      `inspect ${OLD_ID}`,
      `remove ${OLD_ID}`,
    ]);
    expect([...new Set(steps)]).toEqual(['checking', 'pulling', 'verifying', 'removing-previous']);
  });

  it.each<[string, Partial<Script>, string]>([
    [
      'the engine refuses the pull',
      {
        pull: new EngineApiError(500, '(HTTP code 500) Get "http://127.0.0.1:5000/v2/": connection refused'),
      },
      'connection refused',
    ],
    [
      'the pull stream ends in an error',
      { pull: ['{"status":"Pulling"}', '{"error":"unauthorized: authentication required"}'] },
      'unauthorized: authentication required',
    ],
  ])('%s: fails, and removes nothing', async (_, change, saying) => {
    const { images, calls, registry } = scripted({ ...moved, ...change });
    const result = await images.repull(NAME, registry);
    expect(result).toMatchObject({ outcome: 'failed', message: expect.stringContaining(saying) });
    expect(result).toMatchObject({ message: expect.stringContaining('nothing was removed') });
    expect(calls.filter((call) => call.startsWith('remove'))).toEqual([]);
  });

  it('a previous image the engine will not delete (a container uses it) is kept, saying why', async () => {
    const conflict = new EngineApiError(
      409,
      '(HTTP code 409) conflict: unable to delete aaaaaaaaaaaa (must be forced) - image is being used by stopped container 0123456789ab',
    );
    const { images, registry } = scripted({ ...moved, remove: conflict });
    expect(await images.repull(NAME, registry)).toMatchObject({
      outcome: 'pulled',
      previous: 'kept',
      note: expect.stringContaining('image is being used by stopped container 0123456789ab'),
    });
  });

  it.each<[string, Partial<Script>, string]>([
    ['the digest already matches', { tagDigest: { status: 'found', digest: OLD_DIGEST } }, 'up-to-date'],
    ['the registry has no such tag', { tagDigest: { status: 'not-found' } }, 'local-only'],
    [
      'the registry is down',
      { tagDigest: { status: 'unreachable', error: 'connect ECONNREFUSED 127.0.0.1:5000' } },
      'registry-unreachable',
    ],
    ['there is no such local image', { before: undefined }, 'absent'],
    [
      'the local copy was never pulled',
      { before: image(OLD_ID, [NAME], ['sha256:' + '9'.repeat(64)]) },
      'local-only',
    ],
  ])('%s: refused, nothing pulled or removed', async (_, change, reason) => {
    const { images, calls, registry } = scripted({ ...moved, ...change });
    expect(await images.repull(NAME, registry)).toMatchObject({ outcome: 'refused', reason });
    expect(calls.filter((call) => call.startsWith('pull') || call.startsWith('remove'))).toEqual([]);
  });

  it.each(['sw-test/busybox@sha256:' + '1'.repeat(64), 'Not A Name'])(
    '%s: refused, not a tag',
    async (ref) => {
      const { images, calls, registry } = scripted(moved);
      expect(await images.repull(ref, registry)).toMatchObject({ outcome: 'refused', reason: 'not-a-tag' });
      expect(calls).toEqual([]);
    },
  );
});
