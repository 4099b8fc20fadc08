// Local images that an allowed tag names but whose repository digest is no longer the registry's
// (docs/socket-mount-permissions.md §3: after the tag moved, the older local copy is blocked until it is pulled again).
import { repositoryName, parseImageReference, type ImageListEntry } from '../../../shared/image-reference.js';
import type { MismatchedImage } from '../../../shared/ipc-contract.js';
import type { DigestRefresher } from '../registry/digest-refresher.js';
import { digestRefs } from '../policy/image-decision.js';
import type { EngineImages } from './engine-images.js';

export class MismatchedImages {
  private readonly lastDenied = new Map<string, string>();

  constructor(
    private readonly refresher: DigestRefresher,
    private readonly images: EngineImages,
  ) {}

  /** Remembers a denial for the mismatch (shown as "last denied"). */
  noteDenied(image: string): void {
    const parsed = parseImageReference(image);
    if (!parsed.ok) return;
    this.lastDenied.set(
      `${repositoryName(parsed.value)}:${parsed.value.tag ?? 'latest'}`,
      new Date().toISOString(),
    );
  }

  async list(entries: readonly ImageListEntry[]): Promise<MismatchedImage[]> {
    const tagEntries = entries.filter(
      (entry): entry is Extract<ImageListEntry, { kind: 'tag' }> => entry.kind === 'tag',
    );
    if (tagEntries.length === 0) return [];
    const local = await this.images.list();
    const result: MismatchedImage[] = [];
    for (const entry of tagEntries) {
      const answer = await this.refresher.tagDigest(entry);
      if (answer.status !== 'verified') continue;
      const repository = repositoryName(entry);
      const name = `${repository}:${entry.tag}`;
      for (const image of local) {
        const named = image.repoTags.some((tag) => {
          const parsed = parseImageReference(tag);
          return (
            parsed.ok &&
            repositoryName(parsed.value) === repository &&
            (parsed.value.tag ?? 'latest') === entry.tag
          );
        });
        if (!named) continue;
        const mine = digestRefs(image).filter((ref) => ref.repository === repository);
        if (mine.some((ref) => ref.digest === answer.digest)) continue;
        const lastDeniedAt = this.lastDenied.get(name);
        result.push({
          image: name,
          entry: entry.text,
          localDigest: mine[0]?.digest ?? null,
          registryDigest: answer.digest,
          ...(lastDeniedAt ? { lastDeniedAt } : {}),
        });
      }
    }
    return result;
  }
}
