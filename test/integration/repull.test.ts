// `repull` against the stack's engine and registries of our own (one we stop, one with htpasswd
// auth), proved by outcome: what the name resolves to afterwards, which images and containers still
// exist, and whether the engine pulled at all (its image events).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runRepullCommand } from '../../electron/cli/repull-command.js';
import { EngineClient } from '../../electron/core/engine-api/engine-client.js';
import { lineSplitter } from '../../electron/core/engine-api/json-lines.js';
import { EngineImages, type RepullResult } from '../../electron/core/images/engine-images.js';
import {
  DockerConfigCredentials,
  type CredentialSource,
} from '../../electron/core/registry/docker-credentials.js';
import { RegistryClient } from '../../electron/core/registry/registry-client.js';
import { freeLoopbackPort } from './free-port.js';
import { docker, isPodman, loadStack } from './stack.js';

const stack = loadStack();
/** The containerd image store keeps no image without a name: a moved tag takes its image's record. */
const namesAreImages = stack.engine === 'docker26-containerd';
const ID = randomBytes(4).toString('hex');
const NS = `swt-repull-${ID}`;
const noCredentials: CredentialSource = { credentialFor: async () => undefined };

let work = '';
const registries: ChildProcess[] = [];
let containerCounter = 0;
let fenceCounter = 0;
/** IDs of the images this file built. */
const built: string[] = [];

/** The engine directly, through the real CLI; throws on failure. */
async function engine(args: string[], input?: string): Promise<string> {
  const result = await docker(stack.dockerHost, args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** The image ID `ref` resolves to, or undefined when the engine has none. */
async function imageId(ref: string): Promise<string | undefined> {
  const result = await docker(stack.dockerHost, ['image', 'inspect', '--format', '{{.Id}}', ref]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** Builds a distinct image (a file of its own on busybox) and returns its ID; tagged `${NS}-<label>`. */
async function build(label: string): Promise<string> {
  const context = await mkdtemp(join(work, 'ctx-'));
  await writeFile(join(context, 'marker'), `${label} ${randomBytes(8).toString('hex')}\n`);
  await writeFile(join(context, 'Dockerfile'), `FROM sw-test/busybox\nCOPY marker /marker-${ID}\n`);
  await engine(['build', '-q', '--network', 'none', '-t', `${NS}-${label}`, context]);
  const id = await imageId(`${NS}-${label}`);
  if (!id) throw new Error(`built ${label} but the engine shows no image`);
  built.push(id);
  return id;
}

/**
 * Pushes `ref` and returns the registry's digest once the engine records it as a RepoDigest. Podman
 * records the digest of its local manifest (it recompresses layers): the tag is pulled back, which adds
 * the registry's, as scripts/test-stack.sh does for the stack's images.
 */
async function push(ref: string, config?: string): Promise<string> {
  const configArgs = config ? ['--config', config] : [];
  const pushed = await engine([...configArgs, 'push', ref]);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
  if (!digest) throw new Error(`docker push ${ref} reported no digest: ${pushed}`);
  if (isPodman()) await engine([...configArgs, 'pull', '-q', ref]);
  return digest;
}

/** A docker-registry of our own on loopback; `auth` is its config's auth section (or none). */
async function startRegistry(name: string, auth = ''): Promise<{ host: string; child: ChildProcess }> {
  const port = await freeLoopbackPort();
  const config = join(work, `${name}.yml`);
  await writeFile(
    config,
    `version: 0.1\nlog: { level: warn }\nstorage:\n  filesystem: { rootdirectory: ${join(work, name)} }\n` +
      `http:\n  addr: 127.0.0.1:${port}\n${auth ? `auth:\n${auth}` : ''}`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  registries.push(child);
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const status = (await fetch(`http://127.0.0.1:${port}/v2/`)).status;
      if (status === 200 || status === 401) return { host: `127.0.0.1:${port}`, child };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`registry ${name} did not start: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A tag that moved: `old` pushed as `ref`, then `current` pushed as `ref`, then `ref` pointed back at
 * `old` locally, as a local copy pulled before the registry's tag moved is. Returns both digests.
 */
async function movedTag(
  ref: string,
  old: string,
  current: string,
  config?: string,
): Promise<{ oldDigest: string; newDigest: string }> {
  await engine(['tag', old, ref]);
  const oldDigest = await push(ref, config);
  await engine(['tag', current, ref]);
  const newDigest = await push(ref, config);
  await engine(['tag', old, ref]);
  expect(newDigest).not.toBe(oldDigest);
  return { oldDigest, newDigest };
}

/** Re-pulls `ref` in-process (EngineImages over dockerode, the registry client), watching image events. */
async function repull(
  ref: string,
  credentials: { engine?: CredentialSource; registry?: CredentialSource } = {},
): Promise<{ result: RepullResult; pulls: number }> {
  const client = new EngineClient(stack.dockerSocket, { credentials: credentials.engine ?? noCredentials });
  const images = new EngineImages(client);
  const registry = new RegistryClient({
    credentials: credentials.registry ?? noCredentials,
    timeoutMs: 5_000,
  });
  const events: IncomingMessage = await client.events({ type: ['image'] });
  // Only what happens from here counts: Podman announces an event up to a second after the fact, so
  // the pull that push() just did on Podman may arrive now. Events carry the time of the fact.
  const sinceNano = BigInt(Date.now()) * 1_000_000n;
  const fence = `${NS}-fence-${fenceCounter++}`;
  let pulls = 0;
  let fenced: () => void = () => undefined;
  const fenceSeen = new Promise<void>((resolve) => (fenced = resolve));
  events.on(
    'data',
    lineSplitter((line) => {
      const event = JSON.parse(line) as { Action?: string; status?: string; timeNano?: number };
      if (line.includes(fence)) fenced();
      const at = event.timeNano === undefined ? sinceNano : BigInt(event.timeNano);
      if ((event.Action ?? event.status) === 'pull' && at >= sinceNano) pulls += 1;
    }),
  );
  try {
    const result = await images.repull(ref, registry);
    // A tag made after the repull is a fence: an engine's events arrive in order, so every pull the
    // repull caused has been counted once the fence's event is here (however late the engine is).
    await engine(['tag', oldImage, fence]);
    await Promise.race([
      fenceSeen,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`the engine never announced the tag ${fence}`)), 20_000),
      ),
    ]);
    return { result, pulls };
  } finally {
    events.destroy();
    client.close();
  }
}

let registry: { host: string; child: ChildProcess };
let oldImage = '';
let newImage = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sw-repull-'));
  registry = await startRegistry('plain');
  oldImage = await build('old');
  newImage = await build('new');
});

afterAll(async () => {
  const containers = await docker(stack.dockerHost, ['ps', '-aq', '--filter', `name=${NS}-`]);
  const ids = containers.stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(stack.dockerHost, ['rm', '-f', ...ids]);
  const listed = await docker(stack.dockerHost, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
  const mine = listed.stdout.split('\n').filter((name) => name.includes(NS));
  if (mine.length) await docker(stack.dockerHost, ['rmi', '-f', ...mine]);
  // Built images by ID: a dangling one kept by a test has no name left to remove it by.
  if (built.length) await docker(stack.dockerHost, ['rmi', '-f', ...built]);
  for (const child of registries) child.kill();
  await rm(work, { recursive: true, force: true });
});

describe('repull', () => {
  it('a moved tag: the new digest is in place, and containers from the old image still exist', async () => {
    const ref = `${registry.host}/${NS}/moved:1`;
    const { newDigest } = await movedTag(ref, oldImage, newImage);
    const container = `${NS}-c${containerCounter++}`;
    await engine(['create', '--name', container, '--network', 'none', ref, 'true']);

    const { result, pulls } = await repull(ref);

    expect(pulls).toBeGreaterThan(0); // the events this file counts "nothing pulled" by
    expect(result).toMatchObject({
      outcome: 'pulled',
      digest: newDigest,
      id: newImage,
      previousId: oldImage,
    });
    expect(await imageId(ref)).toBe(newImage);
    const digests = JSON.parse(
      await engine(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]),
    ) as string[];
    expect(digests).toContain(`${registry.host}/${NS}/moved@${newDigest}`);
    // The container and the image it runs are still there.
    expect(await engine(['container', 'inspect', '--format', '{{.Image}}', container])).toBe(oldImage);
    expect(await imageId(oldImage)).toBe(oldImage);
    // The old image is still tagged `${NS}-old` here, so it was kept for that reason.
    expect(result).toMatchObject({ previous: 'kept' });
  });

  it('a moved tag whose old image is dangling and used by a container: kept, saying so', async () => {
    const old = await build('dangling-used');
    const ref = `${registry.host}/${NS}/used:1`;
    const { newDigest } = await movedTag(ref, old, newImage);
    await engine(['rmi', `${NS}-dangling-used`]); // only `ref` names it now: it dangles once the tag moves
    const container = `${NS}-c${containerCounter++}`;
    await engine(['create', '--name', container, '--network', 'none', ref, 'true']);

    const { result } = await repull(ref);

    expect(await imageId(ref)).toBe(newImage);
    expect(await engine(['container', 'inspect', '--format', '{{.Image}}', container])).toBe(old);
    if (namesAreImages) {
      // The containerd image store drops an image's record when its last name moves (its own `docker
      // pull` does the same); the container keeps its image's content and still runs from it.
      expect(result).toMatchObject({ outcome: 'pulled', digest: newDigest, previous: 'gone' });
      return;
    }
    expect(result).toMatchObject({ outcome: 'pulled', digest: newDigest, previous: 'kept' });
    expect(result.outcome === 'pulled' && result.note).toMatch(
      /kept the previous image .*(container|in use)/i,
    );
    expect(await imageId(old)).toBe(old);
  });

  it('a moved tag whose old image is dangling and unused: the old image is removed', async () => {
    const old = await build('dangling-unused');
    const ref = `${registry.host}/${NS}/unused:1`;
    const { newDigest } = await movedTag(ref, old, newImage);
    await engine(['rmi', `${NS}-dangling-unused`]);

    const { result } = await repull(ref);

    // On the containerd image store the engine dropped it itself when the tag moved (see above).
    expect(result).toMatchObject({
      outcome: 'pulled',
      digest: newDigest,
      previous: namesAreImages ? 'gone' : 'removed',
    });
    expect(await imageId(ref)).toBe(newImage);
    expect(await imageId(old)).toBeUndefined();
  });

  it('the digest already matches: refused, and nothing pulled', async () => {
    const ref = `${registry.host}/${NS}/current:1`;
    await engine(['tag', oldImage, ref]);
    const digest = await push(ref);

    const { result, pulls } = await repull(ref);

    expect(result).toMatchObject({ outcome: 'refused', reason: 'up-to-date' });
    expect(result.outcome === 'refused' && result.message).toContain(digest);
    expect(pulls).toBe(0);
    expect(await imageId(ref)).toBe(oldImage);
  });

  it('an image that exists only locally: refused, and still there', async () => {
    // Never pushed: the registry has no such tag.
    const neverPushed = `${registry.host}/${NS}/never-pushed:1`;
    await engine(['tag', oldImage, neverPushed]);
    // Built here under a name the registry has (another image): a pull would move the tag off it.
    const localBuilt = await build('local-only');
    const shadowed = `${registry.host}/${NS}/shadowed:1`;
    await engine(['tag', newImage, shadowed]);
    await push(shadowed);
    await engine(['tag', localBuilt, shadowed]);

    for (const [ref, id] of [
      [neverPushed, oldImage],
      [shadowed, localBuilt],
    ] as const) {
      const { result, pulls } = await repull(ref);
      expect(result).toMatchObject({ outcome: 'refused', reason: 'local-only' });
      expect(result.outcome === 'refused' && result.message).toContain('exists only locally');
      expect(pulls).toBe(0);
      expect(await imageId(ref)).toBe(id);
    }
  });

  it('the registry is down: refused, and the image still there', async () => {
    const down = await startRegistry('down');
    const ref = `${down.host}/${NS}/down:1`;
    await movedTag(ref, oldImage, newImage);
    down.child.kill();
    await new Promise((resolve) => down.child.once('exit', resolve));

    const { result, pulls } = await repull(ref);

    expect(result).toMatchObject({ outcome: 'refused', reason: 'registry-unreachable' });
    expect(result.outcome === 'refused' && result.message).toContain('left as it is');
    expect(pulls).toBe(0);
    expect(await imageId(ref)).toBe(oldImage);
  });
});

describe('repull of a private image (htpasswd registry)', () => {
  // bcrypt of 'warden-pass' (precomputed: Node has no bcrypt, and the hash need not be fresh).
  const HTPASSWD = 'warden:$2b$12$yFba9m8bRhBuApRwomfENutzHDgvisEtIJrlLCbIR4J9.Odi9LyR6\n';
  let privateRegistry = '';
  let config = '';
  let ref = '';
  let newDigest = '';

  beforeAll(async () => {
    await writeFile(join(work, 'htpasswd'), HTPASSWD);
    privateRegistry = (
      await startRegistry(
        'private',
        `  htpasswd:\n    realm: sw-repull\n    path: ${join(work, 'htpasswd')}\n`,
      )
    ).host;
    config = join(work, 'docker-config');
    if (isPodman()) {
      // Podman's /auth skips TLS only for localhost names, not for 127.0.0.1 (its pulls and pushes
      // follow registries.conf): write what `docker login` writes when no credential helper is set.
      await mkdir(config, { recursive: true });
      const auth = Buffer.from('warden:warden-pass').toString('base64');
      await writeFile(
        join(config, 'config.json'),
        JSON.stringify({ auths: { [privateRegistry]: { auth } } }),
      );
    } else {
      await engine(
        ['--config', config, 'login', privateRegistry, '-u', 'warden', '--password-stdin'],
        'warden-pass',
      );
    }
    ref = `${privateRegistry}/${NS}/private:1`;
    ({ newDigest } = await movedTag(ref, oldImage, newImage, config));
  });

  it('without credentials: refused (the registry denies), the image unchanged', async () => {
    const { result, pulls } = await repull(ref);
    expect(result).toMatchObject({ outcome: 'refused', reason: 'registry-denied' });
    expect(result.outcome === 'refused' && result.message).toContain(`docker login ${privateRegistry}`);
    expect(pulls).toBe(0);
    expect(await imageId(ref)).toBe(oldImage);
  });

  it('the engine refused the pull (wrong credentials): failed, the image unchanged', async () => {
    const wrong: CredentialSource = {
      credentialFor: async () => ({ kind: 'basic', username: 'warden', password: 'wrong' }),
    };
    const { result } = await repull(ref, {
      engine: wrong,
      registry: new DockerConfigCredentials({ configDir: config }),
    });
    expect(result).toMatchObject({
      outcome: 'failed',
      message: expect.stringContaining('nothing was removed'),
    });
    expect(await imageId(ref)).toBe(oldImage);
  });

  it('`socket-warden repull` with the credentials of $DOCKER_CONFIG/config.json: re-pulled', async () => {
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = config;
    const out: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const log = vi
      .spyOn(console, 'log')
      .mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    const error = vi
      .spyOn(console, 'error')
      .mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    let code: number;
    try {
      code = await runRepullCommand([ref, '--upstream', stack.dockerSocket]);
    } finally {
      stdout.mockRestore();
      log.mockRestore();
      error.mockRestore();
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
    expect({ code, out: out.join('') }).toMatchObject({
      code: 0,
      out: expect.stringContaining(`Re-pulled ${ref}: ${newDigest}`),
    });
    expect(await imageId(ref)).toBe(newImage);

    // Again: now the digest matches, so it is refused (exit 3), saying why.
    const again: string[] = [];
    const err = vi
      .spyOn(console, 'error')
      .mockImplementation((...args: unknown[]) => void again.push(args.join(' ')));
    const quiet = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    process.env.DOCKER_CONFIG = config;
    try {
      expect(await runRepullCommand([ref, '--upstream', stack.dockerSocket])).toBe(3);
    } finally {
      err.mockRestore();
      quiet.mockRestore();
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
    expect(again.join('\n')).toContain("already has the registry's digest");
  });
});
