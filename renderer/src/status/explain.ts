// What the pane says when there is nothing to show: the empty Mismatched images list and the digest
// refresher's missing next run each have several causes, and the pane names the true one. Pure.
import { parseImageListEntry } from '../../../shared/image-reference.js';
import type { Status } from '../../../shared/ipc-contract.js';

export interface PaneFacts {
  /** The policy's allowed image list, as written. */
  images: readonly string[];
  engineReachable: boolean;
  refresher: Status['refresher'];
}

/** Entries the refresher asks a registry about on a schedule: `name:tag` ones. */
function tagEntries(images: readonly string[]): number {
  return images.filter((text) => {
    const parsed = parseImageListEntry(text);
    return parsed.ok && parsed.value.kind === 'tag';
  }).length;
}

function allowsAny(images: readonly string[]): boolean {
  return images.some((text) => text.trim() === '*');
}

export type EmptyMismatchReason =
  | { kind: 'no-images'; text: string }
  | { kind: 'engine-unreachable'; text: string }
  | { kind: 'nothing-to-compare'; text: string }
  | { kind: 'unchecked'; text: string }
  | { kind: 'all-match'; text: string };

/** Why the Mismatched images list is empty (or could not be read, when `loadFailed`). */
export function emptyMismatchReason(facts: PaneFacts, loadFailed = false): EmptyMismatchReason {
  if (!facts.engineReachable)
    return {
      kind: 'engine-unreachable',
      text: 'The Docker Engine is unreachable, so its local images cannot be compared with their registries.',
    };
  if (facts.images.length === 0)
    return {
      kind: 'no-images',
      text: 'No image is allowed to mount the socket, so there is nothing to compare. Add images on the Policy page.',
    };
  if (allowsAny(facts.images))
    return {
      kind: 'nothing-to-compare',
      text: 'The image list allows every image (*), so no digest is compared with a registry.',
    };
  if (tagEntries(facts.images) === 0)
    return {
      kind: 'nothing-to-compare',
      text: 'No allowed image names a tag: name:* and name@sha256:… entries are matched by digest as they are, so none can fall behind its registry.',
    };
  if (loadFailed) return { kind: 'unchecked', text: 'The list of mismatched images could not be read.' };
  const failures = facts.refresher.errors.length;
  if (failures > 0)
    return {
      kind: 'unchecked',
      text: `No mismatch among the images the registries answered for, but ${failures === 1 ? '1 entry' : `${failures} entries`} could not be checked (see Status).`,
    };
  if (facts.refresher.lastRunAt === null && facts.refresher.running)
    return { kind: 'unchecked', text: 'The registries are being asked for the first time…' };
  return {
    kind: 'all-match',
    text: 'Every local copy of an allowed name:tag image matches the digest its registry serves.',
  };
}

/**
 * Why the refresher has no next run, or undefined when it has one (or is running). The refresher
 * schedules only `name:tag` entries (and `name:*` repositories it has found), and none once `*` is
 * listed; it stops when the daemon stops.
 */
export function noNextRunReason(facts: PaneFacts): string | undefined {
  if (facts.refresher.running || facts.refresher.nextRunAt !== null) return undefined;
  if (facts.images.length === 0) return 'no allowed images to check';
  if (allowsAny(facts.images)) return 'every image is allowed (*): nothing to check';
  if (tagEntries(facts.images) === 0)
    return 'no name:tag entries: name:* and @sha256 entries are checked when a container asks';
  return 'the refresher is off (Socket Warden is stopping or has not started it)';
}
