import { socketMountDeniedMessage } from './denial-messages.js';
import { describe, expect, it } from 'vitest';
import { parseImageListEntry, type ImageListEntry } from '../../../shared/image-reference.js';
import { decideImage, type ImageOracle, type LocalImage } from './image-decision.js';

const D = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const REG = '127.0.0.1:5000';

function entries(...texts: string[]): ImageListEntry[] {
  return texts.map((text) => {
    const parsed = parseImageListEntry(text);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value;
  });
}

function image(partial: Partial<LocalImage>): LocalImage {
  return { id: D(9), repoTags: [], repoDigests: [], layers: ['l1'], ...partial };
}

/** A registry that knows tags and the digests in each repository. */
function oracle(registry: {
  tags?: Record<string, string>;
  repos?: Record<string, string[]>;
  down?: boolean;
  local?: LocalImage[];
  previous?: Record<string, string[]>;
}): ImageOracle & { calls: number } {
  const o = {
    calls: 0,
    async tagDigest(entry: Extract<ImageListEntry, { kind: 'tag' }>) {
      o.calls++;
      if (registry.down) return { status: 'unreachable' as const, error: 'connect ECONNREFUSED' };
      const key = `${entry.registry}/${entry.repository}:${entry.tag}`;
      const digest = registry.tags?.[key];
      return digest
        ? { status: 'digest' as const, digest, previousDigests: registry.previous?.[key] ?? [] }
        : { status: 'not-found' as const };
    },
    async digestInRepository(reg: string, repo: string, digest: string) {
      o.calls++;
      if (registry.down) return { unreachable: 'connect ECONNREFUSED' };
      return registry.repos?.[`${reg}/${repo}`]?.includes(digest)
        ? ('found' as const)
        : ('not-found' as const);
    },
    async localImagesOf(repository: string) {
      return (registry.local ?? []).filter((img) =>
        [...img.repoDigests, ...img.repoTags].some((r) => r.startsWith(repository)),
      );
    },
  };
  return o;
}

const cli = image({
  id: D(1),
  repoTags: [`${REG}/library/docker:cli`],
  repoDigests: [`${REG}/library/docker@${D(2)}`],
  layers: ['a', 'b'],
});

describe('decideImage', () => {
  it('allows a tag entry when the image carries the registry digest of that tag, pinned to it', async () => {
    const verdict = await decideImage(
      cli,
      entries(`${REG}/library/docker:cli`),
      false,
      oracle({ tags: { [`${REG}/library/docker:cli`]: D(2) } }),
    );
    expect(verdict).toEqual({
      allowed: true,
      pin: `${REG}/library/docker@${D(2)}`,
      entry: `${REG}/library/docker:cli`,
      via: 'digest',
    });
  });

  it('denies an image that is not listed with the spec wording', async () => {
    const verdict = await decideImage(cli, entries(`${REG}/other/app:*`), false, oracle({}));
    expect(verdict).toEqual({
      allowed: false,
      reason: 'not-allowed',
      detail: 'image is not in the allowed list',
    });
  });

  it('denies with an empty list', async () => {
    expect(await decideImage(cli, [], true, oracle({}))).toMatchObject({
      allowed: false,
      reason: 'not-allowed',
    });
  });

  it('allows everything with *, asking no registry', async () => {
    const o = oracle({ down: true });
    expect(await decideImage(image({}), entries('*'), false, o)).toMatchObject({ allowed: true, via: 'any' });
    expect(o.calls).toBe(0);
  });

  it('says when the local copy is older than the registry tag, and how to fix it', async () => {
    const o = oracle({
      tags: { [`${REG}/library/docker:cli`]: D(3) },
      previous: { [`${REG}/library/docker:cli`]: [D(2)] },
    });
    const verdict = await decideImage(cli, entries(`${REG}/library/docker:cli`), false, o);
    expect(verdict).toMatchObject({ allowed: false, reason: 'digest-mismatch' });
    expect(verdict.allowed || verdict.detail).toContain(`no longer matches the registry digest ${D(3)}`);
    expect(verdict.allowed || verdict.detail).toContain(`socket-warden repull ${REG}/library/docker:cli`);
  });

  it('denies the re-tag attack: the allowed name on an image without that repository digest', async () => {
    const evil = image({
      id: D(7),
      repoTags: [`${REG}/library/docker:cli`],
      repoDigests: [`${REG}/evil/app@${D(8)}`],
    });
    const verdict = await decideImage(
      evil,
      entries(`${REG}/library/docker:cli`),
      false,
      oracle({ tags: { [`${REG}/library/docker:cli`]: D(2) } }),
    );
    expect(verdict).toMatchObject({ allowed: false, reason: 'not-allowed' });
    expect(verdict.allowed || verdict.detail).toContain('re-tagged');
  });

  it('denies a local-only image given an allowed name', async () => {
    const local = image({ repoTags: [`${REG}/library/docker:cli`] });
    expect(await decideImage(local, entries(`${REG}/library/docker:cli`), false, oracle({}))).toMatchObject({
      allowed: false,
      reason: 'local-only',
    });
  });

  it('says the registry could not be reached when nothing is known', async () => {
    const verdict = await decideImage(
      cli,
      entries(`${REG}/library/docker:cli`),
      false,
      oracle({ down: true }),
    );
    expect(verdict).toMatchObject({ allowed: false, reason: 'registry-unreachable' });
  });

  it.each([
    ['digest present in the repository', { [`${REG}/library/docker`]: [D(2)] }, true],
    ['digest unknown to the repository', { [`${REG}/library/docker`]: [D(4)] }, false],
  ])(':* entries: %s', async (_name, repos, allowed) => {
    const verdict = await decideImage(cli, entries(`${REG}/library/docker:*`), false, oracle({ repos }));
    expect(verdict.allowed).toBe(allowed);
  });

  it.each([
    [`${REG}/library/docker@${D(2)}`, true],
    [`${REG}/library/docker@${D(5)}`, false],
    [`${REG}/other/docker@${D(2)}`, false],
  ])('@digest entry %s', async (text, allowed) => {
    const o = oracle({});
    expect((await decideImage(cli, entries(text), false, o)).allowed).toBe(allowed);
    expect(o.calls).toBe(0);
  });

  describe('derived images', () => {
    const parent = cli;
    const child = image({ id: D(6), repoTags: ['paketo-app:latest'], layers: ['a', 'b', 'c'] });
    const registry = { tags: { [`${REG}/library/docker:cli`]: D(2) }, local: [parent] };

    it('allows a local-only image whose layers extend a verified allowed image, pinned by ID', async () => {
      expect(await decideImage(child, entries(`${REG}/library/docker:cli`), true, oracle(registry))).toEqual({
        allowed: true,
        pin: D(6),
        entry: `${REG}/library/docker:cli`,
        via: 'derived',
      });
    });

    it('also for :* entries', async () => {
      const verdict = await decideImage(
        child,
        entries(`${REG}/library/docker:*`),
        true,
        oracle({ repos: { [`${REG}/library/docker`]: [D(2)] }, local: [parent] }),
      );
      expect(verdict).toMatchObject({ allowed: true, via: 'derived' });
    });

    it('denies it without allowDerivedImages', async () => {
      expect(
        await decideImage(child, entries(`${REG}/library/docker:cli`), false, oracle(registry)),
      ).toMatchObject({ allowed: false, reason: 'not-allowed' });
    });

    it('denies when the parent is not present locally', async () => {
      expect(
        await decideImage(
          child,
          entries(`${REG}/library/docker:cli`),
          true,
          oracle({ ...registry, local: [] }),
        ),
      ).toMatchObject({
        allowed: false,
        reason: 'parent-missing',
      });
    });

    it('asks the engine itself before saying the parent is missing (its cached list lags a pull)', async () => {
      const lagging = oracle(registry);
      const asked: boolean[] = [];
      lagging.localImagesOf = async (_repository, options) => {
        asked.push(options?.fresh ?? false);
        return options?.fresh ? [parent] : [];
      };
      expect(await decideImage(child, entries(`${REG}/library/docker:cli`), true, lagging)).toMatchObject({
        allowed: true,
        via: 'derived',
        pin: D(6),
      });
      expect(asked).toEqual([false, true]);
    });

    it.each([
      [
        "holds only a parent whose digest is no longer the tag's",
        [{ ...parent, id: D(7), repoDigests: [`${REG}/library/docker@${D(3)}`] }],
      ],
      ["holds no parent (the engine's name filter left it out)", []],
    ])('asks for every image before denying when the quick answer %s', async (_, quick) => {
      const narrowed = oracle(registry);
      const asked: boolean[] = [];
      narrowed.localImagesOf = async (_repository, options) => {
        asked.push(options?.fresh ?? false);
        return options?.fresh ? [parent] : quick;
      };
      expect(await decideImage(child, entries(`${REG}/library/docker:cli`), true, narrowed)).toMatchObject({
        allowed: true,
        via: 'derived',
      });
      expect(asked).toEqual([false, true]);
    });

    it('an allowance from the quick answer asks nothing more', async () => {
      const quick = oracle(registry);
      const asked: boolean[] = [];
      const all = quick.localImagesOf.bind(quick);
      quick.localImagesOf = async (repository, options) => {
        asked.push(options?.fresh ?? false);
        return all(repository);
      };
      expect((await decideImage(child, entries(`${REG}/library/docker:cli`), true, quick)).allowed).toBe(
        true,
      );
      expect(asked).toEqual([false]);
    });

    it('denies when the layers do not extend the parent', async () => {
      const stranger = image({ id: D(5), layers: ['a', 'x', 'c'] });
      expect(
        (await decideImage(stranger, entries(`${REG}/library/docker:cli`), true, oracle(registry))).allowed,
      ).toBe(false);
    });

    it('denies when the local parent no longer matches the registry', async () => {
      const moved = { ...registry, tags: { [`${REG}/library/docker:cli`]: D(3) } };
      expect(
        await decideImage(child, entries(`${REG}/library/docker:cli`), true, oracle(moved)),
      ).toMatchObject({ allowed: false, reason: 'not-allowed' });
    });

    it('never applies to an image that is in a registry', async () => {
      const pushed = { ...child, repoDigests: [`${REG}/mine/app@${D(4)}`] };
      expect(
        (await decideImage(pushed, entries(`${REG}/library/docker:cli`), true, oracle(registry))).allowed,
      ).toBe(false);
    });
  });

  it('renders the spec message with Socket Warden named', () => {
    expect(socketMountDeniedMessage('docker.io/library/docker', 'image is not in the allowed list')).toBe(
      'socket-warden: docker socket mount denied for container with image "docker.io/library/docker"; image is not in the allowed list; if you wish to allow it, configure the docker socket image list in the Socket Warden settings.',
    );
  });
});

describe('decideImage where local images carry digests of their own (containerd image store, Podman)', () => {
  const own = { repoDigestsProveRegistry: false };
  const base = cli;
  // A local build FROM the allowed base: the store gives it a digest of its own name and manifest.
  const derived = image({
    id: D(5),
    repoTags: [`${REG}/local/derived:1`],
    repoDigests: [`${REG}/local/derived@${D(5)}`],
    layers: ['a', 'b', 'c'],
  });
  const registry = {
    tags: { [`${REG}/library/docker:cli`]: D(2) },
    repos: { [`${REG}/library/docker`]: [D(2)] },
    local: [base],
  };

  it.each<[string, LocalImage, Parameters<typeof oracle>[0], boolean, RegExp]>([
    [
      'a derived image whose digest no registry has is local-only, and allowed',
      derived,
      registry,
      true,
      /.*/,
    ],
    [
      'a derived image its registry has is not local-only: list it by name',
      derived,
      { ...registry, repos: { ...registry.repos, [`${REG}/local/derived`]: [D(5)] } },
      false,
      /not in the allowed list/,
    ],
  ])('%s', async (_name, img, world, allowed, detail) => {
    const verdict = await decideImage(img, entries(`${REG}/library/docker:cli`), true, oracle(world), own);
    expect(verdict.allowed).toBe(allowed);
    if (!verdict.allowed) expect(verdict.detail).toMatch(detail);
    else expect(verdict).toMatchObject({ via: 'derived', pin: img.id });
  });

  it('the same image on the classic store is not local-only: its digest proves a registry', async () => {
    const verdict = await decideImage(derived, entries(`${REG}/library/docker:cli`), true, oracle(registry));
    expect(verdict.allowed).toBe(false);
  });

  it('a re-tag of another image with the allowed name is called a re-tag, not a moved tag', async () => {
    const retagged = image({
      id: D(6),
      repoTags: [`${REG}/library/docker:cli`],
      repoDigests: [`${REG}/library/docker@${D(6)}`],
    });
    const verdict = await decideImage(
      retagged,
      entries(`${REG}/library/docker:cli`),
      false,
      oracle(registry),
      own,
    );
    expect(verdict).toMatchObject({ allowed: false, detail: expect.stringContaining('it was re-tagged') });
  });

  it('a tag that moved (the old digest is in the repository) asks for a re-pull', async () => {
    const old = image({
      id: D(7),
      repoTags: [`${REG}/library/docker:cli`],
      repoDigests: [`${REG}/library/docker@${D(7)}`],
    });
    const world = { ...registry, repos: { [`${REG}/library/docker`]: [D(2), D(7)] } };
    const verdict = await decideImage(old, entries(`${REG}/library/docker:cli`), false, oracle(world), own);
    expect(verdict).toMatchObject({ allowed: false, reason: 'digest-mismatch' });
  });
});
