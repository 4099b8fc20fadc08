// The policy's image entries, parsed once per policy: the image list, and host protection's exempt
// images (verified by digest too). Entries that do not parse were refused when the policy was read.
import { parseImageListEntry, type ImageListEntry } from '../../../shared/image-reference.js';
import { wardenPolicy, type Policy } from '../../../shared/settings.js';

export class PolicyEntries {
  images: readonly ImageListEntry[] = [];
  exempt: readonly ImageListEntry[] = [];

  constructor(policy: Policy) {
    this.update(policy);
  }

  update(policy: Policy): void {
    this.images = parseEntries(policy.imageList.images);
    this.exempt = parseEntries(wardenPolicy(policy).hostProtection.exemptImages);
  }

  /** Every entry the digest refresher keeps verified. */
  all(): ImageListEntry[] {
    return [...this.images, ...this.exempt];
  }
}

function parseEntries(texts: readonly string[]): readonly ImageListEntry[] {
  return texts.flatMap((text) => {
    const parsed = parseImageListEntry(text);
    return parsed.ok ? [parsed.value] : [];
  });
}
