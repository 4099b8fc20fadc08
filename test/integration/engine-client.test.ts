// The daemon's own Engine API client against the real engine: what "no such object" looks like (the
// socket-mount check treats it as an answer, anything else as a failure), names asked exactly as
// given, image references with a registry host, the event stream the image cache and the filtered
// sockets follow, and that a call does not format the client's connections.
import type { IncomingMessage } from 'node:http';
import util from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EngineApiError, EngineClient } from '../../electron/core/engine-api/engine-client.js';
import { lineSplitter } from '../../electron/core/engine-api/json-lines.js';
import { isNotFound, unlessNotFound } from '../../electron/core/images/engine-not-found.js';
import { familiarRepository } from '../../shared/image-reference.js';
import { docker, isPodman, loadStack } from './stack.js';

const stack = loadStack();
const TAG = `swt-engine-client/busybox:${process.pid}`;

describe('EngineClient against the engine', () => {
  let engine: EngineClient;
  beforeAll(() => {
    engine = new EngineClient(stack.dockerSocket);
  });
  afterAll(async () => {
    engine.close();
    await docker(stack.dockerHost, ['rmi', TAG]);
  });

  it('does not format its kept-alive connections on every call (docker-modem logs each request)', async () => {
    // docker-modem formats every request's options, agent included, with util.inspect({ showHidden:
    // true, depth: null }) for a debug log that is off. With the kept-alive connections in it that
    // was megabytes of text, several milliseconds of the daemon's event loop per engine call.
    await Promise.all(Array.from({ length: 16 }, () => engine.version()));
    const formatted: number[] = [];
    const original = util.inspect;
    const spy = vi.spyOn(util, 'inspect').mockImplementation(((
      value: unknown,
      options?: util.InspectOptions,
    ) => {
      const text = original(value, options);
      if (typeof value === 'object' && value !== null && 'socketPath' in value) formatted.push(text.length);
      return text;
    }) as typeof util.inspect);
    try {
      for (let i = 0; i < 5; i++) await engine.version();
    } finally {
      spy.mockRestore();
    }
    expect(formatted).toHaveLength(5);
    expect(Math.max(...formatted)).toBeLessThan(4096);
  });

  it('says 404 for a container, volume or image the engine does not have', async () => {
    const asks: (() => Promise<unknown>)[] = [
      () => engine.inspectContainer('swt-engine-client-no-such-container'),
      () => engine.inspectVolume('swt-engine-client-no-such-volume'),
      () => engine.inspectImage('swt-engine-client/no-such-image:1'),
    ];
    for (const ask of asks) {
      const error = await ask().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EngineApiError);
      expect(isNotFound(error)).toBe(true);
      expect(await unlessNotFound(ask)).toBeUndefined();
    }
  });

  it('a refused connection is a failure, not "absent"', async () => {
    const nowhere = new EngineClient(`${stack.dir}/no-such-engine.sock`);
    await expect(unlessNotFound(() => nowhere.inspectImage('sw-test/busybox'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    nowhere.close();
  });

  it('inspects an image by a registry-qualified reference, with layers', async () => {
    const image = await engine.inspectImage(`${stack.registry}/library/busybox:latest`);
    expect(image.Id).toMatch(/^sha256:/);
    expect(image.RepoTags).toContain(`${stack.registry}/library/busybox:latest`);
    expect(image.RootFS?.Layers?.length).toBeGreaterThan(0);
    expect((await engine.listImages()).some((summary) => summary.Id === image.Id)).toBe(true);
  });

  it.each([
    ['a registry-qualified name', (registry: string) => `${registry}/library/busybox`],
    ['a Docker Hub name, in its familiar form', () => familiarRepository('docker.io/sw-test/busybox')],
  ])("lists the images of one name with the engine's reference filter: %s", async (_, nameOf) => {
    const image = await engine.inspectImage('sw-test/busybox');
    const narrowed = await engine.listImages({ reference: [nameOf(stack.registry)] });
    expect(narrowed.map((summary) => summary.Id)).toContain(image.Id);
    // Narrowed: the image list has others (the stack's docker:cli at least) that are left out.
    const all = await engine.listImages();
    expect(narrowed.length).toBeLessThan(all.length);
    expect(narrowed.every((summary) => summary.RepoTags?.some((tag) => tag.includes('busybox')))).toBe(true);
  });

  it('asks about exactly the name given: a name that spells a query or another path is not another image', async () => {
    // Unescaped, the first would be asked as `/images/sw-test/busybox/json` and answer busybox.
    for (const name of ['sw-test/busybox/json?', 'sw-test/busybox#x', 'sw-test/busybox%2Fjson']) {
      const answer = await engine.inspectImage(name).then(
        (image) => image,
        (error: unknown) => error,
      );
      expect(answer).toBeInstanceOf(EngineApiError);
      if (stack.engine === 'docker20') {
        // Docker 20.10 echoes the reference it was asked about.
        expect(answer).toMatchObject({ message: expect.stringContaining(name) });
      } else {
        // Docker 26 and Podman say only that the reference is invalid: only its `?`, `#` or `%` make it
        // so. Asked as another path, the name would have been a valid one (busybox itself, or "No such
        // image: sw-test/busybox/json").
        expect(answer).toMatchObject({ message: expect.stringContaining('invalid reference format') });
        expect(answer).not.toMatchObject({ message: expect.stringContaining('No such image') });
      }
    }
  });

  it('streams image events as JSON lines', async () => {
    const stream: IncomingMessage = await engine.events({ type: ['image'] });
    try {
      const seen = new Promise<{ Action?: string; id?: string }>((resolve) =>
        stream.on(
          'data',
          lineSplitter((line) => {
            const event = JSON.parse(line) as { Action?: string; id?: string };
            if (event.Action === 'tag') resolve(event);
          }),
        ),
      );
      expect((await docker(stack.dockerHost, ['tag', 'sw-test/busybox', TAG])).code).toBe(0);
      // Docker's image events carry the image ID; Podman's the same ID without its `sha256:`.
      const id = (await engine.inspectImage('sw-test/busybox')).Id;
      expect((await seen).id).toBe(isPodman() ? id.replace(/^sha256:/, '') : id);
    } finally {
      stream.destroy();
    }
  });

  it('answers the version the status view shows', async () => {
    const version = await engine.version();
    expect(version.Version).toBeTruthy();
    expect(version.ApiVersion).toMatch(/^\d+\.\d+$/);
  });
});
