// What the engine knows about images, asked through dockerode against the upstream socket: resolve a
// request's image to its ID, repository digests and layers; find local images of a repository (for
// derived-image parents); remove and pull again (the "re-pull" action).
import Docker from 'dockerode';
import { parseImageReference, repositoryName } from '../../../shared/image-reference.js';
import type { LocalImage } from '../policy/image-decision.js';

export interface PullProgress {
  status: string;
  id?: string;
  current?: number;
  total?: number;
}

interface InspectInfo {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  RootFS?: { Layers?: string[] | null };
}

function toLocalImage(info: InspectInfo): LocalImage {
  return {
    id: info.Id,
    repoTags: info.RepoTags ?? [],
    repoDigests: info.RepoDigests ?? [],
    layers: info.RootFS?.Layers ?? [],
  };
}

function repositoriesOf(names: readonly string[]): string[] {
  return names.flatMap((name) => {
    const parsed = parseImageReference(name);
    return parsed.ok ? [repositoryName(parsed.value)] : [];
  });
}

export class EngineImages {
  readonly docker: Docker;
  /** Layers never change for an image ID, so they are cached for the derived-image check. */
  private readonly layersById = new Map<string, string[]>();

  constructor(socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  /** The image the engine would use for `name` (tag, short or full ID, digest reference); undefined if none. */
  async inspect(name: string): Promise<LocalImage | undefined> {
    try {
      const info = (await this.docker.getImage(name).inspect()) as InspectInfo;
      return toLocalImage(info);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /** Local images that carry a tag or repository digest of `repository` ('registry/repo'). */
  async imagesOf(repository: string): Promise<LocalImage[]> {
    const all = await this.docker.listImages();
    const mine = all.filter((image) =>
      repositoriesOf([...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])]).includes(repository),
    );
    return Promise.all(
      mine.map(async (image) => {
        let layers = this.layersById.get(image.Id);
        if (!layers) {
          const info = (await this.docker.getImage(image.Id).inspect()) as InspectInfo;
          layers = info.RootFS?.Layers ?? [];
          this.layersById.set(image.Id, layers);
        }
        return { id: image.Id, repoTags: image.RepoTags ?? [], repoDigests: image.RepoDigests ?? [], layers };
      }),
    );
  }

  /** Every local image, with tags and digests (no layers). */
  async list(): Promise<LocalImage[]> {
    const all = await this.docker.listImages();
    return all.map((image) => ({
      id: image.Id,
      repoTags: image.RepoTags ?? [],
      repoDigests: image.RepoDigests ?? [],
      layers: [],
    }));
  }

  /** Removes the local tag and pulls it again, reporting progress; returns the pulled image. */
  async repull(
    reference: string,
    onProgress: (event: PullProgress) => void = () => undefined,
  ): Promise<LocalImage> {
    const parsed = parseImageReference(reference);
    if (!parsed.ok) throw new Error(`"${reference}" is not an image reference: ${parsed.error}`);
    const ref = parsed.value;
    const tag = ref.tag ?? 'latest';
    const name = `${repositoryName(ref)}:${tag}`;
    try {
      await this.docker.getImage(name).remove({ noprune: false });
      onProgress({ status: `Removed ${name}` });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
    const stream = await this.docker.pull(name);
    let failure: string | undefined;
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (error: Error | null) => (error ? reject(error) : failure ? reject(new Error(failure)) : resolve()),
        (event: {
          status?: string;
          id?: string;
          progressDetail?: { current?: number; total?: number };
          error?: string;
        }) => {
          if (event.error) {
            failure = event.error;
            return;
          }
          onProgress({
            status: event.status ?? '',
            id: event.id,
            current: event.progressDetail?.current,
            total: event.progressDetail?.total,
          });
        },
      );
    });
    const pulled = await this.inspect(name);
    if (!pulled) throw new Error(`pulled ${name} but the engine does not show it`);
    return pulled;
  }
}
