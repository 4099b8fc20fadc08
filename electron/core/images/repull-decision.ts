// What `repull` does, decided from what the engine and the registry said: pure, so every case is a row
// of a table test. The rule is that re-pulling never loses an image: nothing is removed before a pull
// has put the registry's image in place (pulling a moved tag re-points the tag by itself), an image
// that exists only locally is refused (a pull would fail, or move its tag to another image), and so is
// one that already has the registry's digest (nothing would change).
import type { ManifestDigestResult } from '../registry/registry-client.js';

/** The local image the name resolves to, with its repository digests for the name's repository. */
export interface LocalCopy {
  id: string;
  digests: readonly string[];
}

export interface RepullTarget {
  /** 'registry/path:tag' */
  name: string;
  registry: string;
  /** 'registry/path' */
  repository: string;
  /** The repository's path in its registry: 'library/busybox'. */
  path: string;
  tag: string;
}

export interface BeforePullFacts {
  target: RepullTarget;
  /** undefined: the engine has no image by that name. */
  local: LocalCopy | undefined;
  /** The registry's answer for the tag. */
  tag: ManifestDigestResult;
  /**
   * Whether the registry's repository holds one of the local digests (the local copy came from it):
   * asked only when originDigests() says so.
   */
  origin?: ManifestDigestResult;
}

export type RepullRefusal =
  /** Not a `name:tag` (a digest reference, or not an image reference at all). */
  'not-a-tag' | 'absent' | 'up-to-date' | 'local-only' | 'registry-unreachable' | 'registry-denied';

export type BeforePull =
  | { action: 'pull'; previous: LocalCopy; registryDigest: string }
  | { action: 'refuse'; reason: RepullRefusal; message: string };

const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/**
 * The local digests to ask the registry about before deciding: only when the tag's digest differs
 * from every local one (a matching digest already says where the image came from).
 */
export function originDigests(local: LocalCopy | undefined, tag: ManifestDigestResult): string[] {
  if (!local || tag.status !== 'found' || local.digests.includes(tag.digest)) return [];
  return [...local.digests];
}

/** Pull, or refuse and say why. */
export function decideBeforePull(facts: BeforePullFacts): BeforePull {
  const { target, local, tag, origin } = facts;
  const refuse = (reason: RepullRefusal, message: string): BeforePull => ({
    action: 'refuse',
    reason,
    message,
  });
  if (!local) {
    return refuse('absent', `there is no local image ${target.name}: nothing to re-pull`);
  }
  const unchanged = `${target.name} (image ${short(local.id)}) is left as it is`;
  if (tag.status === 'unreachable') {
    return refuse(
      'registry-unreachable',
      `cannot ask ${target.registry} for the digest of ${target.name} (${tag.error}); ${unchanged}`,
    );
  }
  if (tag.status === 'denied') {
    return refuse('registry-denied', `${tag.error}; ${unchanged}`);
  }
  if (tag.status === 'not-found') {
    return refuse(
      'local-only',
      `${target.registry} has no tag ${target.tag} in ${target.repository}: ${target.name} exists only locally; ${unchanged}`,
    );
  }
  if (local.digests.includes(tag.digest)) {
    return refuse(
      'up-to-date',
      `${target.name} already has the registry's digest ${tag.digest}: nothing to re-pull`,
    );
  }
  if (local.digests.length === 0) {
    return refuse(
      'local-only',
      `${target.name} (image ${short(local.id)}) was built or tagged here, not pulled from ${target.registry}: it exists only locally, and a pull would move the tag to the registry's image; it is left as it is`,
    );
  }
  // The local digests are not the tag's: the tag moved, or the local copy never came from there (the
  // containerd image store and Podman record a digest for every name, pushed or not).
  if (!origin) throw new Error('decideBeforePull: origin must be asked (originDigests)');
  if (origin.status === 'unreachable' || origin.status === 'denied') {
    return refuse(
      origin.status === 'denied' ? 'registry-denied' : 'registry-unreachable',
      `cannot ask ${target.registry} whether it holds ${target.name}'s digest (${origin.error}); ${unchanged}`,
    );
  }
  if (origin.status === 'not-found') {
    return refuse(
      'local-only',
      `none of the digests of ${target.name} (image ${short(local.id)}) is in ${target.repository}: it was built or pushed elsewhere, or the registry deleted it, so it exists only locally; ${unchanged}`,
    );
  }
  return { action: 'pull', previous: local, registryDigest: tag.digest };
}

/**
 * How the pull went: when it succeeded, what the name resolves to now and what became of the image it
 * resolved to before.
 */
export type AfterPullFacts = { target: RepullTarget; previous: LocalCopy } & (
  | { pull: 'failed'; error: string }
  | {
      pull: 'succeeded';
      /** The image the name resolves to now (undefined: the engine shows none). */
      pulled: LocalCopy | undefined;
      /** The previous image as the engine shows it now (undefined: gone), with its remaining tags. */
      previousNow: { repoTags: readonly string[] } | undefined;
    }
);

export type AfterPull =
  /** The pull failed (nothing was replaced), or the engine shows no image by the name after it. */
  | { action: 'fail'; message: string }
  /**
   * Nothing left to do with the previous image: the pull brought no new image ('same-image': the name
   * resolves to the same ID, now with the digest), it is gone already, or it is kept (still tagged).
   */
  | { action: 'done'; pulled: LocalCopy; old: 'same-image' | 'gone' | 'kept'; message: string }
  /** The previous image is dangling: remove it without force; the engine refuses if anything uses it. */
  | { action: 'remove-previous'; pulled: LocalCopy; id: string };

/** Podman lists an image without names as `<none>:<none>`. */
const realTags = (tags: readonly string[]): string[] => tags.filter((t) => t !== '<none>:<none>');

export function decideAfterPull(facts: AfterPullFacts): AfterPull {
  const { target, previous } = facts;
  if (facts.pull === 'failed') {
    return {
      action: 'fail',
      message: `pull of ${target.name} failed: ${facts.error}; ${target.name} is still image ${short(previous.id)}, nothing was removed`,
    };
  }
  const { pulled, previousNow } = facts;
  if (!pulled) {
    return {
      action: 'fail',
      message: `the engine pulled ${target.name} but shows no image by that name`,
    };
  }
  if (pulled.id === previous.id) {
    return {
      action: 'done',
      pulled,
      old: 'same-image',
      message: `${target.name} is the same image (${short(pulled.id)}), now recorded with the registry's digest`,
    };
  }
  if (pulled.digests.length === 0) {
    // Not what a pull leaves; without the registry's digest in place the previous image stays.
    return {
      action: 'done',
      pulled,
      old: 'kept',
      message: `kept the previous image ${short(previous.id)}: the pulled image ${short(pulled.id)} shows no digest of ${target.repository}`,
    };
  }
  if (!previousNow) {
    return {
      action: 'done',
      pulled,
      old: 'gone',
      message: `the previous image ${short(previous.id)} is gone`,
    };
  }
  const tags = realTags(previousNow.repoTags);
  if (tags.length > 0) {
    return {
      action: 'done',
      pulled,
      old: 'kept',
      message: `kept the previous image ${short(previous.id)}: it is still tagged ${tags.join(', ')}`,
    };
  }
  return { action: 'remove-previous', pulled, id: previous.id };
}
