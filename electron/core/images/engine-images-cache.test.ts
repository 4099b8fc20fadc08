// EngineImages' answers while it follows the engine's image events, against a scripted engine: a found
// image is asked once until the next event, a missing one is asked again every time. The engine's
// events come a moment after its changes (Podman's noticeably), so a cached "no such image" would
// answer a create right after `docker tag` with a 404, and the CLI would pull over the tag.
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { EngineApiError, type EngineClient, type ImageInspect } from '../engine-api/engine-client.js';
import { EngineImages } from './engine-images.js';

const NAME = '127.0.0.1:5000/team/app:1';
const found: ImageInspect = { Id: 'sha256:' + 'a'.repeat(64), RepoTags: [NAME], RepoDigests: [] };

const DOCKER = { Version: '26.1.5', ApiVersion: '1.45', Components: [{ Name: 'Engine' }] };
const PODMAN = { Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine' }] };

function scripted(version: typeof DOCKER = DOCKER): {
  images: EngineImages;
  events: PassThrough;
  asked: () => number;
  tag: () => void;
} {
  const events = new PassThrough();
  let tagged = false;
  let asked = 0;
  const engine = {
    events: async () => events as unknown as IncomingMessage,
    version: async () => version,
    inspectImage: async (name: string) => {
      asked++;
      if (!tagged) throw new EngineApiError(404, `(HTTP code 404) No such image: ${name}`);
      return found;
    },
  } as unknown as EngineClient;
  const images = new EngineImages(engine);
  return { images, events, asked: () => asked, tag: () => (tagged = true) };
}

/** Until watch() has connected to the events and asked the engine what it is. */
const connected = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

describe('EngineImages.inspect while following image events', () => {
  it('asks again after "no such image", before any event says the name now exists', async () => {
    const { images, asked, tag } = scripted();
    images.watch();
    await connected();
    expect(await images.inspect(NAME)).toBeUndefined();
    // `docker tag` has happened; its event has not arrived yet.
    tag();
    expect((await images.inspect(NAME))?.id).toBe(found.Id);
    expect(asked()).toBe(2);
    images.stop();
  });

  it('answers a found image from the cache until the next image event', async () => {
    const { images, events, asked, tag } = scripted();
    tag();
    images.watch();
    await connected();
    await images.inspect(NAME);
    await images.inspect(NAME);
    expect(asked()).toBe(1);
    events.write('{"Type":"image","Action":"tag"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    await images.inspect(NAME);
    expect(asked()).toBe(2);
    images.stop();
  });

  it('on Podman, whose events come up to a second after the change, asks every time', async () => {
    // An `rmi` straight to the engine, then a create through Socket Warden: a remembered answer
    // would still name the removed image.
    const { images, asked, tag } = scripted(PODMAN);
    tag();
    images.watch();
    await connected();
    await images.inspect(NAME);
    await images.inspect(NAME);
    expect(asked()).toBe(2);
    images.stop();
  });
});

describe('EngineImages.imagesOf on an engine without a cache (Podman)', () => {
  const REPOSITORY = '127.0.0.1:5000/team/app';
  const parent: ImageInspect = {
    Id: 'sha256:' + 'b'.repeat(64),
    RepoTags: [`${REPOSITORY}:1`],
    RepoDigests: [`${REPOSITORY}@sha256:${'c'.repeat(64)}`],
    RootFS: { Layers: ['sha256:' + 'd'.repeat(64)] },
  };
  const untagged: ImageInspect = { ...parent, RepoTags: [], RepoDigests: [] };
  const byId = `inspect ${parent.Id}`;

  /** A Podman engine holding `parent` as `now()` says, logging each question it is asked. */
  function podman(now: () => ImageInspect | undefined): { images: EngineImages; asked: string[] } {
    const asked: string[] = [];
    const summary = (info: ImageInspect) => ({
      Id: info.Id,
      RepoTags: info.RepoTags,
      RepoDigests: info.RepoDigests,
    });
    const engine = {
      version: async () => PODMAN,
      listImages: async (filters: { reference?: string[] } = {}) => {
        asked.push(filters.reference ? `list ${filters.reference.join(',')}` : 'list all');
        const info = now();
        return info ? [summary(info)] : [];
      },
      inspectImage: async (name: string) => {
        asked.push(`inspect ${name}`);
        const info = now();
        if (!info || name !== info.Id)
          throw new EngineApiError(404, `(HTTP code 404) No such image: ${name}`);
        return info;
      },
    } as unknown as EngineClient;
    return { images: new EngineImages(engine), asked };
  }

  const ids = (images: { id: string }[]): string[] => images.map((image) => image.id);

  // Each row: what the engine holds at the second question, what the second quick answer holds and
  // what the engine was asked for it (after a first quick answer that listed by name).
  it.each([
    { now: parent, answer: [parent.Id], asked: [byId] },
    { now: untagged, answer: [], asked: [byId, `list ${REPOSITORY}`] },
    { now: undefined, answer: [], asked: [byId, `list ${REPOSITORY}`] },
  ])(
    'asks the images it found last by ID, and lists by name only when none still has it ($answer)',
    async (row) => {
      let holds: ImageInspect | undefined = parent;
      const { images, asked } = podman(() => holds);
      const first = await images.imagesOf(REPOSITORY);
      expect(ids(first)).toEqual([parent.Id]);
      expect(first[0]?.layers).toEqual(parent.RootFS?.Layers);
      expect(asked.splice(0)).toEqual([`list ${REPOSITORY}`, byId]);
      holds = row.now;
      expect(ids(await images.imagesOf(REPOSITORY))).toEqual(row.answer);
      expect(asked).toEqual(row.asked);
    },
  );

  it('a fresh question lists every image, and what it finds is asked by ID next time', async () => {
    const { images, asked } = podman(() => parent);
    expect(ids(await images.imagesOf(REPOSITORY, { fresh: true }))).toEqual([parent.Id]);
    expect(ids(await images.imagesOf(REPOSITORY))).toEqual([parent.Id]);
    expect(asked).toEqual(['list all', byId, byId]);
  });

  it('lists Docker Hub repositories by the familiar name the engine filter matches', async () => {
    const { images, asked } = podman(() => undefined);
    expect(await images.imagesOf('docker.io/library/busybox')).toEqual([]);
    expect(asked).toEqual(['list busybox']);
  });
});
