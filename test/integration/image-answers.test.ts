// The daemon's image answers (EngineImages.inspect) on the real engine: kept between questions, yet
// never stale. A create judged on a stale answer names the wrong image: right after `docker tag`
// (a rebuilt image, a re-tag of a disallowed one, an rmi) the very next question must see the change.
// Docker's image events come with the change; Podman's lag up to a second, so there answers are kept
// by the stamp of its image store (image-store-stamp.ts), which must also see changes made by the
// podman CLI itself, which the service does not hear about.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EngineClient } from '../../electron/core/engine-api/engine-client.js';
import { EngineImages } from '../../electron/core/images/engine-images.js';
import { docker, execFileAsync, isPodman, loadStack } from './stack.js';

const stack = loadStack();
const NS = `swt-image-answers-${process.pid}`;
// Registry-qualified, so the API and the podman CLI (which would prefix localhost/) name the same image.
const NAME = `127.0.0.1:5999/${NS}/app:1`;

async function engine(args: string[]): Promise<string> {
  const result = await docker(stack.dockerHost, args);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** A distinct image FROM the stack's busybox (a file of its own); its ID. */
async function build(tag: string): Promise<string> {
  const context = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-image-answers-'));
  try {
    await fs.writeFile(path.join(context, 'marker'), `${tag} ${randomBytes(8).toString('hex')}\n`);
    await fs.writeFile(
      path.join(context, 'Dockerfile'),
      'FROM sw-test/busybox:latest\nCOPY marker /marker\n',
    );
    await engine(['build', '-q', '--network', 'none', '-t', tag, context]);
    return await engine(['image', 'inspect', '--format', '{{.Id}}', tag]);
  } finally {
    await fs.rm(context, { recursive: true, force: true });
  }
}

/** IDs as the engine says them (Podman's inspect gives them with sha256:, its CLI too). */
const sameId = (a: string | undefined, b: string): boolean =>
  a !== undefined && a.replace(/^sha256:/, '') === b.replace(/^sha256:/, '');

describe('EngineImages keeps image answers only while they hold', () => {
  let client: EngineClient;
  let images: EngineImages;
  const ids: Record<'a' | 'b', string> = { a: '', b: '' };

  beforeAll(async () => {
    ids.a = await build(`${NS}/a:1`);
    ids.b = await build(`${NS}/b:1`);
    client = new EngineClient(stack.dockerSocket);
    images = new EngineImages(client);
    images.watch();
    const deadline = Date.now() + 10_000;
    while (images.answersKept === 'off' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
  }, 120_000);

  afterAll(async () => {
    images.stop();
    client.close();
    const listed = await docker(stack.dockerHost, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
    const tags = listed.stdout.split('\n').filter((tag) => tag.startsWith(NS));
    if (tags.length > 0) await docker(stack.dockerHost, ['rmi', '-f', ...tags]);
  });

  it('keeps answers on this engine: by its events on Docker, by the image store on Podman', () => {
    expect(images.answersKept).toBe(isPodman(stack) ? 'stamped' : 'events');
  });

  it('asks the engine once for the same name while nothing changes', async () => {
    await engine(['tag', ids.a, NAME]);
    await images.inspect(NAME);
    const asked = vi.spyOn(client, 'inspectImage');
    try {
      for (let i = 0; i < 5; i++) expect(sameId((await images.inspect(NAME))?.id, ids.a)).toBe(true);
      expect(asked).not.toHaveBeenCalled();
    } finally {
      asked.mockRestore();
    }
  });

  it('sees a re-tag and an rmi through the engine at the very next question, every time', async () => {
    for (let round = 0; round < 5; round++) {
      const [from, to] = round % 2 === 0 ? [ids.a, ids.b] : [ids.b, ids.a];
      await engine(['tag', from, NAME]);
      expect(sameId((await images.inspect(NAME))?.id, from), `round ${round}: tagged`).toBe(true);
      await engine(['tag', to, NAME]);
      expect(sameId((await images.inspect(NAME))?.id, to), `round ${round}: re-tagged`).toBe(true);
      await engine(['rmi', NAME]);
      expect(await images.inspect(NAME), `round ${round}: removed`).toBeUndefined();
    }
  });

  it("a repository's images (a derived image's parents) are seen removed and added at once", async () => {
    const repository = NAME.slice(0, NAME.lastIndexOf(':'));
    const ofRepository = async (): Promise<string[]> =>
      (await images.imagesOf(repository)).map((image) => image.id.replace(/^sha256:/, ''));
    for (let round = 0; round < 3; round++) {
      await engine(['tag', ids.a, NAME]);
      expect(await ofRepository(), `round ${round}: tagged`).toEqual([ids.a.replace(/^sha256:/, '')]);
      await engine(['rmi', NAME]);
      expect(await ofRepository(), `round ${round}: removed`).toEqual([]);
    }
  });

  it.runIf(stack.podman !== undefined)(
    'on Podman, sees a re-tag made by the podman CLI, which the service is not told of',
    async () => {
      const podman = stack.podman ?? '';
      await engine(['tag', ids.a, NAME]);
      expect(sameId((await images.inspect(NAME))?.id, ids.a)).toBe(true);
      await execFileAsync(podman, ['tag', ids.b, NAME]);
      expect(sameId((await images.inspect(NAME))?.id, ids.b)).toBe(true);
      await execFileAsync(podman, ['untag', ids.b, NAME]);
      expect(await images.inspect(NAME)).toBeUndefined();
    },
  );
});
