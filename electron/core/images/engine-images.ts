// What the engine knows about images, asked over its API on the upstream socket: resolve a request's
// image to its ID, repository digests and layers; find local images of a repository (for derived-image
// parents); pull a moved tag again (the "re-pull" action, decided in repull-decision.ts).
import type { IncomingMessage } from 'node:http';
import {
  familiarRepository,
  parseImageReference,
  repositoryName,
  type Parsed,
} from '../../../shared/image-reference.js';
import {
  EngineClient,
  isPodmanVersion,
  type ImageInspect,
  type ImageSummary,
} from '../engine-api/engine-client.js';
import { readJsonLines } from '../engine-api/json-lines.js';
import { findEngineProcess } from '../guards/engine-process.js';
import { digestRefs, type LocalImage } from '../policy/image-decision.js';
import type { ManifestDigestClient, ManifestDigestResult } from '../registry/registry-client.js';
import { isNotFound, unlessNotFound } from './engine-not-found.js';
import { imageStoreFiles, readImageStoreStamp } from './image-store-stamp.js';
import {
  decideAfterPull,
  decideBeforePull,
  originDigests,
  type AfterPull,
  type BeforePullFacts,
  type LocalCopy,
  type RepullRefusal,
  type RepullTarget,
} from './repull-decision.js';
import { errorMessage } from '../../../shared/error-message.js';

/** How many repositories' image IDs imagesOf remembers; past it, it forgets them all. */
const KNOWN_REPOSITORIES_KEPT = 256;

export interface PullProgress {
  status: string;
  id?: string;
  current?: number;
  total?: number;
}

/** What a re-pull is doing, for progress lines and the pane. */
export type RepullStep =
  | { step: 'checking'; name: string }
  | { step: 'pulling'; name: string; registryDigest: string; progress?: PullProgress }
  | { step: 'verifying'; name: string }
  | { step: 'removing-previous'; name: string; id: string };

/** What became of the image the name resolved to before a successful re-pull. */
export type PreviousImage = 'removed' | 'kept' | 'gone' | 'same-image';

export type RepullResult =
  | { outcome: 'refused'; reason: RepullRefusal; message: string }
  /** The pull failed; the previous image is untouched. */
  | { outcome: 'failed'; message: string }
  | {
      outcome: 'pulled';
      name: string;
      /** The image the name resolves to now, and the registry digest it carries. */
      id: string;
      digest: string;
      previousId: string;
      previous: PreviousImage;
      /** Says what became of the previous image, and why. */
      note: string;
    };

function toLocalImage(info: ImageInspect): LocalImage {
  return {
    id: info.Id,
    repoTags: info.RepoTags ?? [],
    repoDigests: info.RepoDigests ?? [],
    layers: info.RootFS?.Layers ?? [],
  };
}

/** A listed image as the decisions see it: the list gives no layers. */
function fromSummary(image: ImageSummary): LocalImage {
  return { id: image.Id, repoTags: image.RepoTags ?? [], repoDigests: image.RepoDigests ?? [], layers: [] };
}

/** Whether `image` carries a tag or repository digest of `repository` ('registry/repo'). */
function isOf(repository: string, image: LocalImage): boolean {
  return repositoriesOf([...image.repoTags, ...image.repoDigests]).includes(repository);
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
  /** Repository → the IDs of its local images when last listed (for imagesOf's quick answer). */
  private readonly knownImagesOf = new Map<string, string[]>();
  /**
   * Answers about names and the image list, kept while the engine's image events are followed and
   * dropped on any image event, on Docker only: its events come with the change. Podman writes its
   * events up to a second after it (its events file is read behind), so a cached answer there outlived
   * an `rmi` or a `tag`: a derived image was still allowed after its parent was removed, and a re-pulled
   * tag still denied. There they are kept only while its image store's stamp reads the same
   * (image-store-stamp.ts), where this process can read it. Stale for a moment on Docker is safe: an
   * allowed container is created from the judged image's digest or ID (the pin), never from the name.
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
      // Kept by the store's stamp, answers need no events (which on Podman come after the stamp).
      stream.on('data', () => {
        if (this.cache.mode === 'events') this.cache.invalidate();
      });
      stream.on('end', retry);
      stream.on('error', retry);
      // Events may have been missed while disconnected: start from nothing.
      void this.howToKeepAnswers()
        .catch(() => 'no' as const)
        .then((keep) => {
          if (this.events !== stream || keep === 'no') return;
          if (keep === 'events') this.cache.enable();
          else this.cache.enableStamped(keep);
        });
    }, retry);
  }

  /**
   * Docker's events come with the change; Podman's lag (see `cache`), so there its image store's
   * stamp says when answers went stale, where it can be read; an engine that does not say is not trusted.
   */
  private async howToKeepAnswers(): Promise<'no' | 'events' | (() => Promise<string | undefined>)> {
    const version = await this.engine.version().catch(() => undefined);
    if (!version) return 'no';
    if (!isPodmanVersion(version)) return 'events';
    const [process, store] = await Promise.all([
      findEngineProcess(this.engine.socketPath).catch(() => undefined),
      this.engine.podmanStoreInfo().catch(() => undefined),
    ]);
    const files = process && store ? imageStoreFiles(process.pid, store) : undefined;
    if (!files || (await readImageStoreStamp(files)) === undefined) return 'no';
    return () => readImageStoreStamp(files);
  }

  /** How answers are kept now (see `cache`): for the daemon's status and the tests. */
  get answersKept(): 'off' | 'events' | 'stamped' {
    return this.cache.mode;
  }

  stop(): void {
    this.stopped = true;
    this.cache.disable();
    this.events?.destroy();
  }

  /** The image the engine would use for `name` (tag, short or full ID, digest reference); undefined if none. */
  inspect(name: string): Promise<LocalImage | undefined> {
    // "No such image" is not remembered: events come a moment after the change (Podman's noticeably),
    // and a stale miss would answer a create just after `docker tag` with a 404 (the CLI then pulls).
    return this.cache.get(
      `inspect:${name}`,
      () => unlessNotFound(async () => toLocalImage(await this.engine.inspectImage(name))),
      (image) => image !== undefined,
    );
  }

  /**
   * Local images that carry a tag or repository digest of `repository` ('registry/repo'); `fresh` lists
   * them from the engine, not from the cache (which lags the engine by the delay of its events).
   */
  async imagesOf(repository: string, options: { fresh: boolean } = { fresh: false }): Promise<LocalImage[]> {
    if (options.fresh) return this.remember(repository, await this.engine.listImages());
    if (this.cache.mode === 'events')
      return this.withLayers(repository, await this.cache.get('list', () => this.engine.listImages()));
    // Podman's store stamp keeps this answer as it keeps inspect's (a removed parent changes the stamp).
    if (this.cache.mode === 'stamped')
      return this.cache.get(`of:${repository}`, () => this.quickImagesOf(repository));
    return this.quickImagesOf(repository);
  }

  private async quickImagesOf(repository: string): Promise<LocalImage[]> {
    // Without events to keep a list by (Podman's lag), listing is the engine's slowest answer: Podman took 14 s
    // for 1,505 images, and still 80 ms for one name's with its reference filter. So the images found
    // for a repository last time are asked again by ID (~10 ms), each answer the engine's own now; only
    // when none of them still carries the name is the engine's filtered list asked. Either answer may
    // leave an image out (a parent pulled since; Podman's filter matches names its own way): the
    // derived-image check asks again `fresh` before it denies (image-decision.ts).
    const known = this.knownImagesOf.get(repository) ?? [];
    const now = await Promise.all(known.map((id) => unlessNotFound(() => this.engine.inspectImage(id))));
    const still = now
      .filter((info): info is ImageInspect => info !== undefined)
      .map(toLocalImage)
      .filter((image) => isOf(repository, image));
    if (still.length > 0) return still;
    const listed = await this.engine.listImages({ reference: [familiarRepository(repository)] });
    return this.remember(repository, listed);
  }

  /** The listed images of `repository`, remembered by ID for the next quick question. */
  private async remember(repository: string, listed: ImageSummary[]): Promise<LocalImage[]> {
    const mine = await this.withLayers(repository, listed);
    // Bounded: the repositories asked about are the image list's, but a policy may change often.
    if (!this.knownImagesOf.has(repository) && this.knownImagesOf.size >= KNOWN_REPOSITORIES_KEPT)
      this.knownImagesOf.clear();
    this.knownImagesOf.set(
      repository,
      mine.map((image) => image.id),
    );
    return mine;
  }

  private withLayers(repository: string, listed: ImageSummary[]): Promise<LocalImage[]> {
    const mine = listed.map(fromSummary).filter((image) => isOf(repository, image));
    return Promise.all(
      mine.map(async (image) => {
        let layers = this.layersById.get(image.id);
        if (!layers) {
          const info = await this.engine.inspectImage(image.id);
          layers = info.RootFS?.Layers ?? [];
          this.layersById.set(image.id, layers);
        }
        return { ...image, layers };
      }),
    );
  }

  /** Every local image, with tags and digests (no layers). */
  async list(): Promise<LocalImage[]> {
    const all = await this.cache.get('list', () => this.engine.listImages());
    return all.map(fromSummary);
  }

  /**
   * Pulls `reference` again when its registry's tag has moved, never losing an image: the registry is
   * asked first (refused, saying why, when the local copy already has its digest or exists only
   * locally), the pull comes before any removal and re-points the tag by itself, and the previous image
   * is removed afterwards only when it is dangling, without force, so the engine keeps it while any
   * container or child image uses it.
   */
  async repull(
    reference: string,
    registry: ManifestDigestClient,
    onStep: (step: RepullStep) => void = () => undefined,
  ): Promise<RepullResult> {
    const parsed = repullTarget(reference);
    if (!parsed.ok) return { outcome: 'refused', reason: 'not-a-tag', message: parsed.error };
    const target = parsed.value;
    const local = await this.localCopy(target.name, target.repository);
    onStep({ step: 'checking', name: target.name });
    const tag = await registry.manifestDigest({
      registry: target.registry,
      repository: target.path,
      reference: target.tag,
    });
    const facts: BeforePullFacts = { target, local, tag };
    const asked = originDigests(local, tag);
    if (asked.length > 0) facts.origin = await this.anyInRegistry(registry, target, asked);
    const plan = decideBeforePull(facts);
    if (plan.action === 'refuse') return { outcome: 'refused', reason: plan.reason, message: plan.message };
    const { previous } = plan;

    onStep({ step: 'pulling', name: target.name, registryDigest: plan.registryDigest });
    const failure = await this.pull(target, (progress) =>
      onStep({ step: 'pulling', name: target.name, registryDigest: plan.registryDigest, progress }),
    );
    let after: AfterPull;
    if (failure !== undefined) {
      after = decideAfterPull({ target, previous, pull: 'failed', error: failure });
    } else {
      onStep({ step: 'verifying', name: target.name });
      const pulled = await this.localCopy(target.name, target.repository);
      const previousNow = await unlessNotFound(() => this.engine.inspectImage(previous.id));
      after = decideAfterPull({
        target,
        previous,
        pull: 'succeeded',
        pulled,
        previousNow: previousNow && { repoTags: previousNow.RepoTags ?? [] },
      });
    }
    if (after.action === 'fail') return { outcome: 'failed', message: after.message };
    const done = (what: PreviousImage, note: string): RepullResult => ({
      outcome: 'pulled',
      name: target.name,
      id: after.pulled.id,
      // The tag may have moved again during the pull: then the digest the engine recorded.
      digest: after.pulled.digests.includes(plan.registryDigest)
        ? plan.registryDigest
        : (after.pulled.digests[0] ?? plan.registryDigest),
      previousId: previous.id,
      previous: what,
      note,
    });
    if (after.action === 'done') return done(after.old, after.message);

    onStep({ step: 'removing-previous', name: target.name, id: after.id });
    try {
      await this.engine.removeImage(after.id);
      return done('removed', `removed the previous image ${shortId(after.id)}, which nothing used`);
    } catch (error) {
      if (isNotFound(error)) return done('gone', `the previous image ${shortId(after.id)} is gone`);
      // 409: a container or a child image uses it; the engine's words say which.
      const reason = errorMessage(error);
      return done('kept', `kept the previous image ${shortId(after.id)}: ${reason}`);
    }
  }

  /** The image `name` resolves to now (never cached: a re-pull acts on it), with its digests in `repository`. */
  private async localCopy(name: string, repository: string): Promise<LocalCopy | undefined> {
    const info = await unlessNotFound(() => this.engine.inspectImage(name));
    if (!info) return undefined;
    const image = toLocalImage(info);
    return {
      id: image.id,
      digests: digestRefs(image)
        .filter((ref) => ref.repository === repository)
        .map((ref) => ref.digest),
    };
  }

  /** Whether the registry's repository holds any of `digests`: found if one is, else its last answer. */
  private async anyInRegistry(
    registry: ManifestDigestClient,
    target: RepullTarget,
    digests: readonly string[],
  ): Promise<ManifestDigestResult> {
    let last: ManifestDigestResult = { status: 'not-found' };
    for (const digest of digests) {
      last = await registry.manifestDigest({
        registry: target.registry,
        repository: target.path,
        reference: digest,
      });
      if (last.status === 'found') return last;
    }
    return last;
  }

  /** Pulls with progress; resolves with the engine's error message when it failed, else undefined. */
  private async pull(
    target: RepullTarget,
    onProgress: (progress: PullProgress) => void,
  ): Promise<string | undefined> {
    let failure: string | undefined;
    try {
      await readJsonLines(await this.engine.pull(target.repository, target.tag), (value) => {
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
    } catch (error) {
      // The engine refused the pull outright (404, 500) or the stream broke: nothing was replaced.
      failure = errorMessage(error);
    }
    return failure;
  }
}

const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/** The tag a re-pull is about: 'registry/path:tag'; a digest reference names one image and is refused. */
export function repullTarget(reference: string): Parsed<RepullTarget> {
  const parsed = parseImageReference(reference);
  if (!parsed.ok) return { ok: false, error: `"${reference}" is not an image reference: ${parsed.error}` };
  const ref = parsed.value;
  if (ref.digest !== undefined) {
    return {
      ok: false,
      error: `"${reference}" names a digest, which always means the same image: there is nothing to re-pull`,
    };
  }
  const repository = repositoryName(ref);
  const tag = ref.tag ?? 'latest';
  return {
    ok: true,
    value: { name: `${repository}:${tag}`, registry: ref.registry, repository, path: ref.repository, tag },
  };
}

/**
 * Cached answers, valid only for the generation they were asked in. A generation ends with each image
 * event (Docker: its events come with the change) or, on Podman, whenever its image store's stamp
 * reads otherwise than before (image-store-stamp.ts): the stamp is read before each question, so an
 * answer is only ever given for the store it was asked of, or a later one.
 */
class ImageAnswerCache {
  private kind: 'off' | 'events' | 'stamped' = 'off';
  private stamp: (() => Promise<string | undefined>) | null = null;
  private lastStamp: string | undefined;
  private generation = 0;
  private readonly answers = new Map<string, { generation: number; value: Promise<unknown> }>();

  /** How answers are kept: not at all, until the next image event, or while the store's stamp holds. */
  get mode(): 'off' | 'events' | 'stamped' {
    return this.kind;
  }

  /** Until the next invalidate(): the engine's image events are followed and come with the change. */
  enable(): void {
    this.kind = 'events';
    this.stamp = null;
    this.invalidate();
  }

  /** While `stamp` reads the same; a stamp that cannot be read answers that question uncached. */
  enableStamped(stamp: () => Promise<string | undefined>): void {
    this.kind = 'stamped';
    this.stamp = stamp;
    this.lastStamp = undefined;
    this.invalidate();
  }

  disable(): void {
    this.kind = 'off';
    this.stamp = null;
    this.invalidate();
  }

  invalidate(): void {
    this.generation++;
    this.answers.clear();
  }

  /** `remember` says which answers are kept (all by default); a failed question never is. */
  get<T>(key: string, ask: () => Promise<T>, remember: (answer: T) => boolean = () => true): Promise<T> {
    if (this.kind === 'off') return ask();
    const stamp = this.stamp;
    if (!stamp) return this.lookup(key, ask, remember);
    return stamp().then((now) => {
      // Switched off, or the store unreadable: the engine answers, nothing is kept.
      if (this.stamp !== stamp || now === undefined) return ask();
      if (now !== this.lastStamp) {
        this.lastStamp = now;
        this.invalidate();
      }
      return this.lookup(key, ask, remember);
    });
  }

  private lookup<T>(key: string, ask: () => Promise<T>, remember: (answer: T) => boolean): Promise<T> {
    const hit = this.answers.get(key);
    if (hit && hit.generation === this.generation) return hit.value as Promise<T>;
    const generation = this.generation;
    const value = ask();
    this.answers.set(key, { generation, value });
    const forget = (): void => {
      if (this.answers.get(key)?.value === value) this.answers.delete(key);
    };
    value.then((answer) => {
      if (!remember(answer)) forget();
    }, forget);
    return value;
  }
}
