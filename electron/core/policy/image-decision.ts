// Decides whether a container's image may mount the Docker socket (docs/socket-mount-permissions.md §3, §4). The image is the one
// the engine resolved (by ID, never by the name alone), and it is allowed only through a digest: a
// repository digest it carries that the registry vouches for, an `@digest` entry, or, for local-only
// images with allowDerivedImages, a layer chain that extends such a verified local image.
// Pure: the registry and the engine are reached through the injected `ImageOracle`.
import { parseImageReference, repositoryName, type ImageListEntry } from '../../../shared/image-reference.js';
import type { HistoryReason } from '../../../shared/history-entry.js';

export interface LocalImage {
  /** sha256:... image ID. */
  id: string;
  repoTags: string[];
  /** As the engine lists them: 'docker@sha256:...', '127.0.0.1:5000/team/app@sha256:...'. */
  repoDigests: string[];
  /** RootFS.Layers (diff IDs), base first. */
  layers: string[];
}

export interface ImageOracle {
  /** The registry's current digest for repository:tag ('no' with the digest when it differs). */
  tagDigest(
    entry: Extract<ImageListEntry, { kind: 'tag' }>,
  ): Promise<
    | { status: 'digest'; digest: string; previousDigests: string[] }
    | { status: 'not-found' }
    | { status: 'unreachable'; error: string }
  >;
  /** Whether `digest` exists in the entry's registry repository. */
  digestInRepository(
    registry: string,
    repository: string,
    digest: string,
  ): Promise<'found' | 'not-found' | { unreachable: string }>;
  /**
   * Local images carrying a repository digest or tag for `repository` ('registry/repo'): derived-image
   * parents. Without `fresh`, the answer may be quick and leave some out (a cache kept current by the
   * engine's image events, or the engine's own name filter); `fresh` lists every image from the engine.
   */
  localImagesOf(repository: string, options?: { fresh: boolean }): Promise<LocalImage[]>;
}

export type ImageVerdict =
  | {
      allowed: true;
      /** What the engine must create the container from: the verified `repo@digest`, or the image ID. */
      pin: string;
      /** The list entry that allowed it, or '*'. */
      entry: string;
      via: 'any' | 'digest' | 'derived';
    }
  | { allowed: false; reason: HistoryReason; detail: string };

interface DigestRef {
  /** 'registry/repository' */
  repository: string;
  registry: string;
  path: string;
  digest: string;
  /** The reference to hand the engine: 'registry/repository@digest'. */
  pin: string;
}

/** The image's repository digests, normalized ('docker@sha256:x' → docker.io/library/docker). */
export function digestRefs(image: LocalImage): DigestRef[] {
  const refs: DigestRef[] = [];
  for (const text of image.repoDigests) {
    const parsed = parseImageReference(text);
    if (!parsed.ok || !parsed.value.digest) continue;
    const repository = repositoryName(parsed.value);
    refs.push({
      repository,
      registry: parsed.value.registry,
      path: parsed.value.repository,
      digest: parsed.value.digest,
      pin: `${repository}@${parsed.value.digest}`,
    });
  }
  return refs;
}

/** The repository the request names ('docker:cli' → 'docker.io/library/docker'), for messages. */
export function requestedRepository(requested: string, image: LocalImage | undefined): string {
  const parsed = parseImageReference(requested);
  if (parsed.ok) return repositoryName(parsed.value);
  const tag = image?.repoTags[0];
  const fromTag = tag ? parseImageReference(tag) : undefined;
  return fromTag?.ok ? repositoryName(fromTag.value) : requested;
}

function entryRepository(entry: Exclude<ImageListEntry, { kind: 'any' }>): string {
  return repositoryName(entry);
}

type EntryCheck =
  | { allowed: true; pin: string }
  | { allowed: false; reason: HistoryReason; detail: string; relevant: boolean };

/** Checks one image against one entry. `relevant` marks denials worth reporting over "not in the list". */
async function checkEntry(
  image: LocalImage,
  refs: DigestRef[],
  entry: Exclude<ImageListEntry, { kind: 'any' }>,
  oracle: ImageOracle,
  store: ImageStore,
): Promise<EntryCheck> {
  const repository = entryRepository(entry);
  const mine = refs.filter((ref) => ref.repository === repository);
  const taggedAs = image.repoTags.some((tag) => {
    const parsed = parseImageReference(tag);
    return parsed.ok && repositoryName(parsed.value) === repository;
  });
  const relevant = mine.length > 0 || taggedAs;
  if (entry.kind === 'digest') {
    const hit = mine.find((ref) => ref.digest === entry.digest);
    if (hit) return { allowed: true, pin: hit.pin };
    return {
      allowed: false,
      reason: 'not-allowed',
      detail: `image digest is not ${entry.digest} (allowed by "${entry.text}")`,
      relevant,
    };
  }
  if (mine.length === 0) {
    if (!taggedAs)
      return {
        allowed: false,
        reason: 'not-allowed',
        detail: 'image is not in the allowed list',
        relevant: false,
      };
    // Named like a listed image but without its registry digest: a re-tag, or a local build of that name.
    return refs.length === 0
      ? {
          allowed: false,
          reason: 'local-only',
          detail: `image is local-only (it has no registry digest of ${repository})`,
          relevant: true,
        }
      : {
          allowed: false,
          reason: 'not-allowed',
          detail: `image carries no registry digest of ${repository} (it was re-tagged)`,
          relevant: true,
        };
  }
  if (entry.kind === 'tag') {
    const answer = await oracle.tagDigest(entry);
    if (answer.status === 'unreachable') {
      return {
        allowed: false,
        reason: 'registry-unreachable',
        detail: `the registry for ${repository} could not be reached to verify its digest (${answer.error})`,
        relevant: true,
      };
    }
    if (answer.status === 'not-found') {
      return {
        allowed: false,
        reason: 'not-allowed',
        detail: `${repository}:${entry.tag} does not exist in its registry`,
        relevant: true,
      };
    }
    const hit = mine.find((ref) => ref.digest === answer.digest);
    if (hit) return { allowed: true, pin: hit.pin };
    const stale = mine.find((ref) => answer.previousDigests.includes(ref.digest)) ?? mine[0];
    // Where local images get digests of their own, a digest the repository never had is a re-tag.
    if (!store.repoDigestsProveRegistry && stale && !answer.previousDigests.includes(stale.digest)) {
      const known = await oracle.digestInRepository(stale.registry, stale.path, stale.digest);
      if (known === 'not-found')
        return {
          allowed: false,
          reason: 'not-allowed',
          detail: `image carries no registry digest of ${repository} (it was re-tagged)`,
          relevant: true,
        };
    }
    return {
      allowed: false,
      reason: 'digest-mismatch',
      detail: `image digest ${stale?.digest ?? ''} no longer matches the registry digest ${answer.digest} of ${repository}:${entry.tag}; remove the local image and pull it again (socket-warden repull ${repository}:${entry.tag})`,
      relevant: true,
    };
  }
  // name:* — any digest that exists in that registry repository.
  let unreachable: string | undefined;
  for (const ref of mine) {
    const found = await oracle.digestInRepository(entry.registry, entry.repository, ref.digest);
    if (found === 'found') return { allowed: true, pin: ref.pin };
    if (typeof found === 'object') unreachable = found.unreachable;
  }
  if (unreachable !== undefined) {
    return {
      allowed: false,
      reason: 'registry-unreachable',
      detail: `the registry for ${repository} could not be reached to verify its digest (${unreachable})`,
      relevant: true,
    };
  }
  return {
    allowed: false,
    reason: 'not-allowed',
    detail: `image digest is not in the registry repository ${repository}`,
    relevant: true,
  };
}

/** Picks the most telling denial: a digest problem of the image's own repository beats "not listed". */
function strongest(denials: Array<Extract<EntryCheck, { allowed: false }>>): {
  reason: HistoryReason;
  detail: string;
} {
  const rank = (d: Extract<EntryCheck, { allowed: false }>): number =>
    (d.relevant ? 10 : 0) +
    (d.reason === 'digest-mismatch' ? 3 : d.reason === 'registry-unreachable' ? 2 : 1);
  const best = [...denials].sort((a, b) => rank(b) - rank(a))[0];
  return best?.relevant ? best : { reason: 'not-allowed', detail: 'image is not in the allowed list' };
}

function extendsLayers(child: string[], parent: string[]): boolean {
  if (parent.length === 0 || parent.length > child.length) return false;
  return parent.every((layer, i) => child[i] === layer);
}

export interface ImageStore {
  /**
   * Whether a repository digest on a local image proves it came from (or went to) a registry. True of
   * Docker's classic store; the containerd image store and Podman give local builds digests of their
   * own, so there a digest counts only once its registry says it has it.
   */
  repoDigestsProveRegistry: boolean;
}

const classicStore: ImageStore = { repoDigestsProveRegistry: true };

/** Spec §4's "local-only": in no registry. */
async function isLocalOnly(refs: DigestRef[], store: ImageStore, oracle: ImageOracle): Promise<boolean> {
  if (refs.length === 0) return true;
  if (store.repoDigestsProveRegistry) return false;
  for (const ref of refs) {
    // Only a registry's own word puts the image in it: an unknown or unreachable repository does not.
    if ((await oracle.digestInRepository(ref.registry, ref.path, ref.digest)) === 'found') return false;
  }
  return true;
}

export async function decideImage(
  image: LocalImage,
  entries: readonly ImageListEntry[],
  allowDerivedImages: boolean,
  oracle: ImageOracle,
  store: ImageStore = classicStore,
): Promise<ImageVerdict> {
  if (entries.some((entry) => entry.kind === 'any'))
    return { allowed: true, pin: image.id, entry: '*', via: 'any' };
  const listed = entries.filter(
    (entry): entry is Exclude<ImageListEntry, { kind: 'any' }> => entry.kind !== 'any',
  );
  const refs = digestRefs(image);
  const denials: Array<Extract<EntryCheck, { allowed: false }>> = [];
  for (const entry of listed) {
    const check = await checkEntry(image, refs, entry, oracle, store);
    if (check.allowed) return { allowed: true, pin: check.pin, entry: entry.text, via: 'digest' };
    denials.push(check);
  }
  const direct = strongest(denials);
  // Derived images: only local-only ones (docs/socket-mount-permissions.md §4), and only from a verified parent present locally.
  if (listed.length === 0 || !allowDerivedImages) return { allowed: false, ...direct };
  if (!(await isLocalOnly(refs, store, oracle))) return { allowed: false, ...direct };
  let parentSeen = false;
  const findParent = async (fresh: boolean): Promise<ImageVerdict | undefined> => {
    for (const entry of listed) {
      for (const parent of await oracle.localImagesOf(entryRepository(entry), { fresh })) {
        if (parent.id === image.id || !extendsLayers(image.layers, parent.layers)) continue;
        parentSeen = true;
        const check = await checkEntry(parent, digestRefs(parent), entry, oracle, store);
        if (check.allowed) return { allowed: true, pin: image.id, entry: entry.text, via: 'derived' };
      }
    }
    return undefined;
  };
  // The first answer may leave a parent out: a cached list predates a pull the engine announces by an
  // event some time after answering it (Podman: 0.3-0.7 s, more under load), and without a cache the
  // engine's own name filter answers. So before saying no, the engine's whole list is asked: only an
  // allowance comes from the quick answer.
  const derived = (await findParent(false)) ?? (await findParent(true));
  if (derived) return derived;
  return {
    allowed: false,
    reason: parentSeen ? 'not-allowed' : 'parent-missing',
    detail: parentSeen
      ? 'image is local-only and derives from a listed image whose digest could not be verified'
      : 'image is local-only and not derived from an allowed image present locally (pull the allowed parent image first)',
  };
}
