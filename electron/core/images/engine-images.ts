// What the engine knows about images, asked over its API on the upstream socket: resolve a request's
// image to its ID, repository digests and layers; find local images of a repository (for derived-image
// parents); remove and pull again (the "re-pull" action).
import type { IncomingMessage } from 'node:http';
import { parseImageReference, repositoryName } from '../../../shared/image-reference.js';
import { EngineClient, type ImageInspect } from '../engine-api/engine-client.js';
import { readJsonLines } from '../engine-api/json-lines.js';
import type { LocalImage } from '../policy/image-decision.js';
import { isNotFound, unlessNotFound } from './engine-not-found.js';

export interface PullProgress {
  status: string;
  id?: string;
  current?: number;
  total?: number;
}

function toLocalImage(info: ImageInspect): LocalImage {
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
  readonly engine: EngineClient;
  /** Layers never change for an image ID, so they are cached for the derived-image check. */
  private readonly layersById = new Map<string, string[]>();
  /**
   * Answers about names and the image list, kept while the engine's image events are followed and
   * dropped on any image event. Safe even when an answer is a moment stale: an allowed container is
   * created from the judged image's digest or ID (the pin), never from the name.
   */
  private readonly cache = new ImageAnswerCache();
  private events: IncomingMessage | null = null;
  private stopped = false;

  /** Takes the daemon's engine client, or makes its own for the socket (the `repull` command). */
  constructor(engine: EngineClient | string) {
    this.engine = typeof engine === 'string' ? new EngineClient(engine) : engine;
  }

  /** Follows the engine's image events so answers can be cached; reconnects when the engine returns. */
  watch(): void {
    if (this.stopped) return;
    const retry = (): void => {
      this.cache.disable();
      this.events = null;
      if (!this.stopped) setTimeout(() => this.watch(), 2000).unref();
    };
    this.engine.events({ type: ['image'] }).then((stream) => {
      if (this.stopped) return void stream.destroy();
      this.events = stream;
      // Events may have been missed while disconnected: start from nothing.
      this.cache.enable();
      stream.on('data', () => this.cache.invalidate());
      stream.on('end', retry);
      stream.on('error', retry);
    }, retry);
  }

  stop(): void {
    this.stopped = true;
    this.cache.disable();
    this.events?.destroy();
  }

  /** The image the engine would use for `name` (tag, short or full ID, digest reference); undefined if none. */
  inspect(name: string): Promise<LocalImage | undefined> {
    return this.cache.get(`inspect:${name}`, () =>
      unlessNotFound(async () => toLocalImage(await this.engine.inspectImage(name))),
    );
  }

  /** Local images that carry a tag or repository digest of `repository` ('registry/repo'). */
  async imagesOf(repository: string): Promise<LocalImage[]> {
    const all = await this.cache.get('list', () => this.engine.listImages());
    const mine = all.filter((image) =>
      repositoriesOf([...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])]).includes(repository),
    );
    return Promise.all(
      mine.map(async (image) => {
        let layers = this.layersById.get(image.Id);
        if (!layers) {
          const info = await this.engine.inspectImage(image.Id);
          layers = info.RootFS?.Layers ?? [];
          this.layersById.set(image.Id, layers);
        }
        return { id: image.Id, repoTags: image.RepoTags ?? [], repoDigests: image.RepoDigests ?? [], layers };
      }),
    );
  }

  /** Every local image, with tags and digests (no layers). */
  async list(): Promise<LocalImage[]> {
    const all = await this.cache.get('list', () => this.engine.listImages());
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
      await this.engine.removeImage(name);
      onProgress({ status: `Removed ${name}` });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    let failure: string | undefined;
    await readJsonLines(await this.engine.pull(repositoryName(ref), tag), (value) => {
      const event = value as {
        status?: string;
        id?: string;
        progressDetail?: { current?: number; total?: number };
        error?: string;
      } | null;
      if (!event) return;
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
    });
    if (failure) throw new Error(failure);
    const pulled = await this.inspect(name);
    if (!pulled) throw new Error(`pulled ${name} but the engine does not show it`);
    return pulled;
  }
}

/** Cached answers that are valid only for the image-event generation they were asked in. */
class ImageAnswerCache {
  private enabled = false;
  private generation = 0;
  private readonly answers = new Map<string, { generation: number; value: Promise<unknown> }>();

  enable(): void {
    this.enabled = true;
    this.invalidate();
  }

  disable(): void {
    this.enabled = false;
    this.invalidate();
  }

  invalidate(): void {
    this.generation++;
    this.answers.clear();
  }

  get<T>(key: string, ask: () => Promise<T>): Promise<T> {
    if (!this.enabled) return ask();
    const hit = this.answers.get(key);
    if (hit && hit.generation === this.generation) return hit.value as Promise<T>;
    const generation = this.generation;
    const value = ask();
    this.answers.set(key, { generation, value });
    // A failed question is not remembered.
    value.catch(() => {
      if (this.answers.get(key)?.value === value) this.answers.delete(key);
    });
    return value;
  }
}
