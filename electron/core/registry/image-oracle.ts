// The image decision's view of the world: registry answers from the digest refresher (cached,
// refreshed in the background) and local images from the engine.
import type { EngineImages } from '../images/engine-images.js';
import type { ImageOracle } from '../policy/image-decision.js';
import type { DigestRefresher } from './digest-refresher.js';

export function createImageOracle(refresher: DigestRefresher, images: EngineImages): ImageOracle {
  return {
    async tagDigest(entry) {
      const answer = await refresher.tagDigest(entry);
      switch (answer.status) {
        case 'verified':
          return { status: 'digest', digest: answer.digest, previousDigests: answer.previousDigests };
        case 'not-found':
          return { status: 'not-found' };
        case 'unreachable':
          return { status: 'unreachable', error: answer.error };
        case 'denied':
          return { status: 'unreachable', error: `access denied: ${answer.error}` };
      }
    },
    async digestInRepository(registry, repository, digest) {
      const answer = await refresher.digestInRepository(registry, repository, digest);
      if (answer.status === 'found' || answer.status === 'not-found') return answer.status;
      return { unreachable: answer.status === 'denied' ? `access denied: ${answer.error}` : answer.error };
    },
    localImagesOf: (repository, options) => images.imagesOf(repository, options),
  };
}
