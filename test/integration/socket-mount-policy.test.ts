// The socket-mount policy as a user meets it (docs/socket-mount-permissions.md §1–§4, §6): `socket-warden serve` as a child
// process in front of the stack's engine, the real docker CLI, the stack's registry (and one more of
// our own that we kill), exact denial texts, and the history they leave behind — across a kill -9.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { request } from 'node:http';
import { createServer as createNetServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../shared/history-entry.js';
import {
  adminSettingsJson,
  readHistory,
  waitFor,
  wardenCli,
  writeAdminFile,
  WardenProcess,
  type AdminEci,
} from './daemon-harness.js';
import { docker, isPodman, loadStack, usesContainerdImageStore, type CliResult } from './stack.js';

const stack = loadStack();
const R = stack.registry;
const ID = randomBytes(4).toString('hex');
const NS = `swt-policy-${ID}`;
const REFRESH_SECONDS = 2;
/** The directory holding the engine's socket: mounting it mounts the socket. */
const SOCKET_DIR = path.dirname(stack.dockerSocket);

// ---------------------------------------------------------------------------------------------------
// Harness: serve as a child process (test/integration/daemon-harness.ts)
// ---------------------------------------------------------------------------------------------------

const startWarden = (dir: string): Promise<WardenProcess> =>
  WardenProcess.start({ dir, upstream: stack.dockerSocket, refreshIntervalSeconds: REFRESH_SECONDS });

let lastAdminText = '';
/** Writes the admin file and waits until serve logs the policy it now enforces (unless unchanged). */
async function setPolicy(eci: AdminEci): Promise<void> {
  const text = adminSettingsJson(eci);
  if (text === lastAdminText) return;
  lastAdminText = text;
  await warden.setPolicy(eci);
}

const history = (): Promise<HistoryEntry[]> => readHistory(warden.dataDir);

// ---------------------------------------------------------------------------------------------------
// Engine, registry and CLI helpers
// ---------------------------------------------------------------------------------------------------

let warden: WardenProcess;
let madeDockerCliTag = false;
let work = '';
const registries: ChildProcess[] = [];
const servers: Server[] = [];
let containerCounter = 0;

/** A unique container name of this file (every container we make is removed by prefix at the end). */
const containerName = (): string => `${NS}-c${containerCounter++}`;

/** The engine directly (setup and inspection), never through the daemon under test. */
async function engine(args: string[], input?: string): Promise<string> {
  const result = await docker(stack.dockerHost, args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** The real CLI through socket-warden serve. */
function viaWarden(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return docker(warden.host, args, { timeoutMs });
}

/** `docker run --rm` with the engine socket mounted, through the daemon. */
function runWithSocket(image: string, command: string[] = ['true'], extra: string[] = []) {
  return viaWarden([
    'run',
    '--rm',
    '--name',
    containerName(),
    '--network',
    'none',
    '-v',
    `${stack.dockerSocket}:/var/run/docker.sock`,
    ...extra,
    image,
    ...command,
  ]);
}

/** Builds a distinct image `FROM base` (a file of its own), on the engine directly; returns its ID. */
async function build(tag: string, base: string): Promise<string> {
  const context = await fs.mkdtemp(path.join(work, 'ctx-'));
  await fs.writeFile(path.join(context, 'marker'), `${tag} ${randomBytes(8).toString('hex')}\n`);
  await fs.writeFile(path.join(context, 'Dockerfile'), `FROM ${base}\nCOPY marker /marker-${ID}\n`);
  await engine(['build', '-q', '--network', 'none', '-t', tag, context]);
  return engine(['image', 'inspect', '--format', '{{.Id}}', tag]);
}

async function imageId(ref: string): Promise<string> {
  return engine(['image', 'inspect', '--format', '{{.Id}}', ref]);
}

/**
 * Pushes `ref` (already tagged locally) and returns the registry digest the push reported, once the
 * engine records it. Podman records the digest of its local manifest, not of the one it pushed (it
 * recompresses the layers): there the tag is pulled back, which adds the registry's digest, as a docker
 * push does (and as scripts/test-stack.sh does for the stack's images).
 */
async function push(ref: string): Promise<string> {
  const pushed = await engine(['push', ref]);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
  if (!digest) throw new Error(`docker push ${ref} reported no digest: ${pushed}`);
  if (isPodman()) await engine(['pull', '-q', ref]);
  const repo = ref.slice(0, ref.lastIndexOf(':'));
  const digests = JSON.parse(
    await engine(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]),
  ) as string[];
  if (!digests.includes(`${repo}@${digest}`))
    throw new Error(`${repo}@${digest} is not a RepoDigest of ${ref}: ${digests.join(', ')}`);
  return digest;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A docker-registry of our own on loopback (no auth), returned as host:port. */
async function startRegistry(): Promise<{ host: string; child: ChildProcess }> {
  const port = await freePort();
  const config = path.join(work, 'registry2.yml');
  await fs.writeFile(
    config,
    `version: 0.1\nlog: { level: warn }\nstorage:\n  filesystem: { rootdirectory: ${path.join(work, 'registry2')} }\n` +
      `http:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  registries.push(child);
  await waitFor(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/v2/`)).status === 200;
      } catch {
        return false;
      }
    },
    20_000,
    'our docker-registry',
  );
  return { host: `127.0.0.1:${port}`, child };
}

/** What the docker CLI prints for a socket-mount denial (docs/socket-mount-permissions.md §1, naming Socket Warden). */
function deniedLine(repository: string, detail: string): string {
  return `docker: Error response from daemon: ${deniedMessage(repository, detail)}`;
}
function deniedMessage(repository: string, detail: string): string {
  return `socket-warden: docker socket mount denied for container with image "${repository}"; ${detail}; if you wish to allow it, configure the docker socket image list in the Socket Warden settings.`;
}
const NOT_LISTED = 'image is not in the allowed list';
const firstLine = (text: string): string => text.split('\n')[0] ?? '';

/** Denials this file caused, checked against `socket-warden history` at the end. */
const expectedDenials: Array<{ message: string; image: string; requester: 'host' | 'container' }> = [];

function expectDenied(result: CliResult, repository: string, detail: string): void {
  expect(firstLine(result.stderr)).toBe(deniedLine(repository, detail));
  expect(result.code).toBe(125);
  expectedDenials.push({ message: deniedMessage(repository, detail), image: repository, requester: 'host' });
}

function expectRan(result: CliResult): void {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

interface ApiResponse {
  status: number;
  body: string;
}

/** Raw HTTP on the daemon's socket: the body goes out byte for byte, optionally chunked. */
function api(pathAndQuery: string, body: string, headers: Record<string, string> = {}, chunked = false) {
  return new Promise<ApiResponse>((resolve, reject) => {
    const data = Buffer.from(body, 'utf8');
    const req = request(
      {
        socketPath: warden.listen,
        method: 'POST',
        path: pathAndQuery,
        headers: {
          'Content-Type': 'application/json',
          ...(chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(data.length) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    if (chunked) {
      const half = Math.floor(data.length / 2);
      req.write(data.subarray(0, half));
      setTimeout(() => req.end(data.subarray(half)), 20);
    } else req.end(data);
  });
}

// ---------------------------------------------------------------------------------------------------
// The images of this file
// ---------------------------------------------------------------------------------------------------

const DOCKER_CLI = `${R}/library/docker:cli`; // in the stack's registry, with a real digest
const ref = (name: string): string => `${R}/${NS}/${name}`;
const repo = (name: string): string => `${R}/${NS}/${name}`.replace(/:[^/:]*$/, '');
/** A local image of the stack: no registry digest, normalized as docker.io/sw-test/busybox. */
const UNLISTED = 'sw-test/busybox:latest';
const UNLISTED_REPO = 'docker.io/sw-test/busybox';

const ids: Record<string, string> = {};
const digests: Record<string, string> = {};

beforeAll(async () => {
  if (!existsSync('dist/electron/cli/main.js'))
    throw new Error('run `npm run build:engine` first (the CLI runs from dist/)');
  work = await fs.mkdtemp(path.join(os.tmpdir(), `${NS}-`));
  await fs.chmod(work, 0o755);

  // Registry images (pushed, so they carry real digests of the stack's registry).
  for (const name of ['localstack:1', 'ryuk:1', 'other:1', 'pinned:1', 'pinned:2', 'base:1', 'moving:1']) {
    ids[name] = await build(ref(name), 'sw-test/busybox:latest');
    digests[name] = await push(ref(name));
  }
  // app:1 carries the docker CLI so its container can talk through its filtered socket.
  ids['app:1'] = await build(ref('app:1'), 'sw-test/docker-cli:latest');
  digests['app:1'] = await push(ref('app:1'));
  // Local-only images.
  ids.evil = await build(`${NS}/evil:1`, 'sw-test/busybox:latest');
  ids.derived = await build(`${NS}/derived:1`, ref('base:1'));
  ids.derivedOther = await build(`${NS}/derived-other:1`, ref('other:1'));
  ids.movingNext = await build(`${NS}/moving-next:1`, 'sw-test/busybox:latest');

  // The spec's own name: a local `docker:cli` (no docker.io here), carrying no registry digest of docker.io.
  madeDockerCliTag = (await docker(stack.dockerHost, ['image', 'inspect', 'docker:cli'])).code !== 0;
  if (madeDockerCliTag) await engine(['tag', 'sw-test/docker-cli:latest', 'docker:cli']);

  await writeAdminFile(path.join(work, 'admin.json'), adminSettingsJson({}));
  lastAdminText = adminSettingsJson({});
  warden = await startWarden(work);
}, 240_000);

afterAll(async () => {
  await warden?.stop('SIGTERM');
  if (madeDockerCliTag) await docker(stack.dockerHost, ['rmi', 'docker:cli']);
  for (const child of registries) child.kill('SIGKILL');
  for (const server of servers) server.close();
  if (!work) return;
  const names = await docker(stack.dockerHost, ['ps', '-aq', '--filter', `name=${NS}-`]);
  const containers = names.stdout.split('\n').filter(Boolean);
  if (containers.length > 0) await docker(stack.dockerHost, ['rm', '-f', '-v', ...containers]);
  await docker(stack.dockerHost, ['volume', 'rm', '-f', `${NS}-vol`]);
  const listed = await docker(stack.dockerHost, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
  const tags = listed.stdout.split('\n').filter((tag) => tag.includes(NS));
  if (tags.length > 0) await docker(stack.dockerHost, ['rmi', '-f', ...tags]);
  const leftIds = Object.values(ids);
  if (leftIds.length > 0) await docker(stack.dockerHost, ['rmi', '-f', ...leftIds]);
  await fs.rm(work, { recursive: true, force: true });
}, 120_000);

// ---------------------------------------------------------------------------------------------------
// The tests (they run in order and share one daemon; the history test at the end checks them all)
// ---------------------------------------------------------------------------------------------------

describe('§1: docker:cli with the socket', () => {
  it('is denied with the spec message while the list is empty', async () => {
    await setPolicy({ images: [] });
    expectDenied(await runWithSocket('docker:cli'), 'docker.io/library/docker', NOT_LISTED);
  });

  it('runs once listed, and `docker version` works inside through its filtered socket', async () => {
    await setPolicy({ images: [DOCKER_CLI] });
    const result = await runWithSocket(DOCKER_CLI, ['docker', 'version', '--format', '{{.Server.Version}}']);
    expectRan({ ...result, stdout: '' });
    // The engine's own version ("20.10.24+dfsg1", "26.1.5+dfsg1", Podman's "4.3.1"), through the socket.
    expect(result.stdout.trim()).toBe(stack.engineVersion);
  });
});

describe('§3: image list entry formats', () => {
  it('the three-image example list allows its images and nothing else', async () => {
    await setPolicy({
      images: [`${repo('localstack:1')}:*`, `${repo('ryuk:1')}:*`, DOCKER_CLI],
      allowDerivedImages: true,
    });
    expectRan(await runWithSocket(ref('localstack:1')));
    expectRan(await runWithSocket(ref('ryuk:1')));
    expectRan(await runWithSocket(DOCKER_CLI));
    expectDenied(await runWithSocket(ref('other:1')), repo('other:1'), NOT_LISTED);
    expectDenied(await runWithSocket(UNLISTED), UNLISTED_REPO, NOT_LISTED);
  });

  it('`:*` allows a tag pushed later without a settings change', async () => {
    ids['localstack:2'] = await build(ref('localstack:2'), 'sw-test/busybox:latest');
    digests['localstack:2'] = await push(ref('localstack:2'));
    expectRan(await runWithSocket(ref('localstack:2')));
  });

  it('`@digest` allows exactly that digest', async () => {
    await setPolicy({ images: [`${repo('pinned:1')}@${digests['pinned:1']}`] });
    expectRan(await runWithSocket(ref('pinned:1')));
    expectDenied(
      await runWithSocket(ref('pinned:2')),
      repo('pinned:2'),
      `image digest is not ${digests['pinned:1']} (allowed by "${repo('pinned:1')}@${digests['pinned:1']}")`,
    );
  });

  it('`*` allows every image, local-only ones too, with no registry traffic at all', async () => {
    // A "registry" that only counts connections: with `*` in the list nothing may ever reach it.
    let connections = 0;
    const trap = createNetServer((socket) => {
      connections++;
      socket.destroy();
    });
    servers.push(trap);
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const address = trap.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await setPolicy({ images: ['*', `127.0.0.1:${port}/${NS}/never:1`, `127.0.0.1:${port}/${NS}/any:*`] });
    expectRan(await runWithSocket(UNLISTED));
    expectRan(await runWithSocket(`${NS}/evil:1`));
    // Two refresh intervals: the refresher would have tried the entries by now.
    await new Promise((resolve) => setTimeout(resolve, REFRESH_SECONDS * 2000 + 500));
    expect(connections).toBe(0);
  });
});

describe('§3: re-tagging a disallowed image with an allowed name', () => {
  it('rmi + tag of a disallowed image as the allowed name is denied', async () => {
    await setPolicy({ images: [`${repo('app:1')}:1`] });
    expectRan(await runWithSocket(ref('app:1')));
    const rmi = await viaWarden(['image', 'rm', ref('app:1')]);
    expect(rmi.code).toBe(0);
    // The original keeps its repo digest; the name now resolves to the other image.
    expect(await viaWarden(['tag', ref('other:1'), ref('app:1')])).toMatchObject({ code: 0 });
    expectDenied(
      await runWithSocket(ref('app:1')),
      repo('app:1'),
      `image carries no registry digest of ${repo('app:1')} (it was re-tagged)`,
    );
    // A local-only impostor (no registry digest at all). The containerd image store and Podman give
    // every tag a digest of the image's own, so there it is the re-tag it is, told by its registry.
    expect(await viaWarden(['tag', `${NS}/evil:1`, ref('app:1')])).toMatchObject({ code: 0 });
    expectDenied(
      await runWithSocket(ref('app:1')),
      repo('app:1'),
      usesContainerdImageStore() || isPodman()
        ? `image carries no registry digest of ${repo('app:1')} (it was re-tagged)`
        : `image is local-only (it has no registry digest of ${repo('app:1')})`,
    );
    // rmi of its only tag removed the original altogether: pull it back.
    await engine(['pull', '-q', ref('app:1')]);
    expect(await imageId(ref('app:1'))).toBe(ids['app:1']);
  });

  it('pins the created container to the verified image (ID and repo@digest)', async () => {
    const name = containerName();
    const created = await viaWarden([
      'create',
      '--name',
      name,
      '--network',
      'none',
      '-v',
      `${stack.dockerSocket}:/var/run/docker.sock`,
      ref('app:1'),
      'true',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const [image, configImage, binds] = (
      await engine(['inspect', '--format', '{{.Image}}|{{.Config.Image}}|{{json .HostConfig.Binds}}', name])
    ).split('|');
    expect(image).toBe(ids['app:1']);
    // Podman records the image's own name as Config.Image whatever reference the create named (a create
    // by repo@digest shows repo:tag): there the pin shows in the image ID alone.
    if (!isPodman()) expect(configImage).toBe(`${repo('app:1')}@${digests['app:1']}`);
    const [bind] = JSON.parse(binds ?? '[]') as string[];
    // Podman reads a bind back with the options it mounted it with (its defaults, none being asked for).
    const options = isPodman() ? ':rw,rprivate,rbind' : '';
    expect(bind).toMatch(
      new RegExp(`^${warden.dataDir}/sockets/[^:]+\\.sock:/var/run/docker\\.sock${options}$`),
    );
    await engine(['rm', '-f', name]);
  });

  it('a re-tag racing the create never swaps in the other image', async () => {
    const target = ref('app:1');
    let flipping = true;
    const flipper = (async () => {
      let evil = false;
      while (flipping) {
        evil = !evil;
        // The containerd store re-points a tag by deleting and creating it, so a tag racing the CLI's
        // own pull (after a create found the name missing) can fail with "already exists": try the
        // next flip. Anything else fails the test.
        await engine(['tag', evil ? `${NS}/evil:1` : (ids['app:1'] ?? ''), target]).catch(
          (error: unknown) => {
            if (!String(error).includes('already exists')) throw error;
          },
        );
      }
    })();
    const outcomes: Array<{ name: string; result: CliResult }> = [];
    for (let i = 0; i < 12; i++) {
      const name = containerName();
      const result = await viaWarden([
        'create',
        '--name',
        name,
        '--network',
        'none',
        '-v',
        `${stack.dockerSocket}:/var/run/docker.sock`,
        target,
        'true',
      ]);
      outcomes.push({ name, result });
    }
    flipping = false;
    await flipper;
    await engine(['tag', ids['app:1'] ?? '', target]);
    // The containerd image store re-points a tag in two steps, so a create can also find the name
    // missing (the CLI then pulls the allowed image and creates again) and then find the pinned allowed
    // image gone from that name once more: the engine refuses the pin itself. Nothing was created.
    const pinRefused = `Error response from daemon: No such image: ${repo('app:1')}@${digests['app:1']}`;
    for (const { name, result } of outcomes) {
      if (result.code === 0) {
        expect(await engine(['inspect', '--format', '{{.Image}}', name])).toBe(ids['app:1']);
        await engine(['rm', '-f', name]);
      } else if (result.stderr.trimEnd().endsWith(pinRefused)) {
        expect((await engine(['ps', '-a', '--format', '{{.Names}}'])).split('\n')).not.toContain(name);
      } else {
        expect(result.stderr).toContain(`denied for container with image "${repo('app:1')}"`);
        // After a missing name and the CLI's pull, the denial is the last line, not the first.
        const denial = result.stderr.split('\n').find((line) => line.includes('denied for container')) ?? '';
        expectedDenials.push({
          message: denial.replace(/^(docker: )?Error response from daemon: /, ''),
          image: repo('app:1'),
          requester: 'host',
        });
      }
    }
  });
});

describe('§4: derived images', () => {
  const derivedFromBase = `${NS}/derived:1`;

  it('a local build FROM an allowed image is allowed with allowDerivedImages (tag and :* entries)', async () => {
    await setPolicy({ images: [`${repo('base:1')}:1`], allowDerivedImages: true });
    expectRan(await runWithSocket(derivedFromBase));
    await setPolicy({ images: [`${repo('base:1')}:*`], allowDerivedImages: true });
    expectRan(await runWithSocket(derivedFromBase));
  });

  it('is denied without allowDerivedImages', async () => {
    await setPolicy({ images: [`${repo('base:1')}:1`], allowDerivedImages: false });
    expectDenied(await runWithSocket(derivedFromBase), `docker.io/${NS}/derived`, NOT_LISTED);
  });

  it('is denied when derived from a base that is not allowed', async () => {
    await setPolicy({ images: [`${repo('base:1')}:1`], allowDerivedImages: true });
    expectDenied(
      await runWithSocket(`${NS}/derived-other:1`),
      `docker.io/${NS}/derived-other`,
      'image is local-only and not derived from an allowed image present locally (pull the allowed parent image first)',
    );
  });

  it('is denied when the allowed parent is no longer present locally', async () => {
    await setPolicy({ images: [`${repo('base:1')}:1`], allowDerivedImages: true });
    // Untagging the parent drops its digest reference too; the derived image keeps its layers.
    await engine(['rmi', ref('base:1')]);
    const gone = await docker(stack.dockerHost, [
      'image',
      'inspect',
      `${repo('base:1')}@${digests['base:1']}`,
    ]);
    expect(gone.code).not.toBe(0);
    try {
      const result = await runWithSocket(derivedFromBase);
      expectDenied(
        result,
        `docker.io/${NS}/derived`,
        'image is local-only and not derived from an allowed image present locally (pull the allowed parent image first)',
      );
    } finally {
      await engine(['pull', '-q', ref('base:1')]);
    }
    expectRan(await runWithSocket(derivedFromBase));
  });
});

describe('§6: a moved tag', () => {
  it('is found by the refresher, denied with the re-pull hint, and fixed by `socket-warden repull`', async () => {
    const name = repo('moving:1');
    await setPolicy({ images: [`${name}:1`] });
    expectRan(await runWithSocket(ref('moving:1')));

    // Someone pushes another image to the same tag; our local copy stays the old one.
    const from = warden.output.length;
    await engine(['tag', `${NS}/moving-next:1`, ref('moving:1')]);
    const next = await push(ref('moving:1'));
    await engine(['tag', ids['moving:1'] ?? '', ref('moving:1')]);
    expect(next).not.toBe(digests['moving:1']);
    await warden.waitForOutput(
      new RegExp(`registry digest of ${name.replace(/[.]/g, '\\.')}\\S* moved`),
      REFRESH_SECONDS * 1000 * 5,
      from,
    );

    expectDenied(
      await runWithSocket(ref('moving:1')),
      name,
      `image digest ${digests['moving:1']} no longer matches the registry digest ${next} of ${name}:1; remove the local image and pull it again (socket-warden repull ${name}:1)`,
    );
    const repull = await wardenCli(['repull', ref('moving:1'), '--upstream', stack.dockerSocket]);
    expect(repull.code).toBe(0);
    expect(repull.stdout).toContain(next);
    expect(await imageId(ref('moving:1'))).toBe(ids.movingNext);
    expectRan(await runWithSocket(ref('moving:1')));
  });
});

describe('socket-mount spellings through the daemon', () => {
  const volume = `${NS}-vol`;
  let keeper = '';

  beforeAll(async () => {
    await engine([
      'volume',
      'create',
      '--driver',
      'local',
      '-o',
      'type=none',
      '-o',
      'o=bind',
      '-o',
      `device=${SOCKET_DIR}`,
      volume,
    ]);
    await fs.symlink(SOCKET_DIR, path.join(work, 'link'));
    // A container that mounts the socket's directory, made while enforcement is off.
    await setPolicy({ value: false, images: [DOCKER_CLI] });
    keeper = containerName();
    const made = await viaWarden([
      'create',
      '--name',
      keeper,
      '--network',
      'none',
      '-v',
      `${SOCKET_DIR}:/stack`,
      UNLISTED,
      'true',
    ]);
    expect(made.code).toBe(0);
    await setPolicy({ images: [DOCKER_CLI] });
  });

  const run = (args: string[]): Promise<CliResult> =>
    viaWarden(['run', '--rm', '--name', containerName(), '--network', 'none', ...args, UNLISTED, 'true']);

  // A bind of the socket itself gets §1's words; any other route is named before them.
  it.each<[string, () => string[], (() => string) | undefined]>([
    ['--mount type=bind', () => ['--mount', `type=bind,source=${stack.dockerSocket},target=/s`], undefined],
    ["the socket's directory", () => ['-v', `${SOCKET_DIR}:/x`], () => 'HostConfig.Binds[0] (mounts '],
    ['/', () => ['-v', '/:/host'], () => 'HostConfig.Binds[0] (mounts /, which contains '],
    [
      'a symlink to the directory',
      () => ['-v', `${path.join(work, 'link')}:/x`],
      () => 'HostConfig.Binds[0] (mounts ',
    ],
    [
      'a // and .. spelling',
      () => ['-v', `/${SOCKET_DIR}/../${path.basename(SOCKET_DIR)}/docker.sock:/var/run/docker.sock`],
      // Docker cleans the path, so it is the socket; Podman hands it to the kernel as it is, and the
      // ".." is the route Socket Warden names there.
      isPodman() ? () => 'HostConfig.Binds[0] (a ".." in bind source ' : undefined,
    ],
    [
      'a local volume binding the directory',
      () => ['-v', `${volume}:/x`],
      () => `HostConfig.Binds[0] (volume "${volume}" binds host `,
    ],
    [
      '--volumes-from a container with the directory',
      () => ['--volumes-from', keeper],
      () => `HostConfig.VolumesFrom[0] (from container ${keeper}: `,
    ],
    ['--use-api-socket', () => ['--use-api-socket'], undefined],
  ])('%s is denied for an image not in the list', async (_label, args, route) => {
    const result = await run(args());
    if (route === undefined) return expectDenied(result, UNLISTED_REPO, NOT_LISTED);
    const line = firstLine(result.stderr);
    expect(result.code).toBe(125);
    expect(line).toContain(
      `docker: Error response from daemon: socket-warden: docker socket mount denied for container with image "${UNLISTED_REPO}"; the container would reach the Docker Engine through ${route()}`,
    );
    expect(
      line.endsWith(
        `; ${NOT_LISTED}; if you wish to allow it, configure the docker socket image list in the Socket Warden settings.`,
      ),
    ).toBe(true);
    expectedDenials.push({
      message: line.replace('docker: Error response from daemon: ', ''),
      image: UNLISTED_REPO,
      requester: 'host',
    });
  });

  const rawBodies: Array<[string, (sock: string) => string, boolean]> = [
    ['folded key case', (sock) => `{"image":"${UNLISTED}","hostconfig":{"BINDS":["${sock}:/s"]}}`, false],
    [
      'duplicate HostConfig keys (Go merges them)',
      (sock) =>
        `{"Image":"${UNLISTED}","HostConfig":{"Binds":["${sock}:/s"]},"HostConfig":{"NetworkMode":"none"}}`,
      false,
    ],
    [
      'duplicate Image keys (Go keeps the last)',
      (sock) => `{"Image":"${DOCKER_CLI}","Image":"${UNLISTED}","HostConfig":{"Binds":["${sock}:/s"]}}`,
      false,
    ],
    [
      'a chunked body with a charset',
      (sock) =>
        `{"Image":"${UNLISTED}","HostConfig":{"Mounts":[{"Type":"bind","Source":"${sock}","Target":"/s"}]}}`,
      true,
    ],
  ];
  it.each(rawBodies)('raw HTTP, %s, is denied with 403', async (_label, body, chunked) => {
    const response = await api(
      `/v1.41/containers/create?name=${containerName()}`,
      body(stack.dockerSocket),
      chunked ? { 'Content-Type': 'application/json; charset=utf-8' } : {},
      chunked,
    );
    expect(response.status).toBe(403);
    const message = deniedMessage(UNLISTED_REPO, NOT_LISTED);
    expect(JSON.parse(response.body)).toEqual({ message });
    expectedDenials.push({ message, image: UNLISTED_REPO, requester: 'host' });
  });

  it('a directory mount is denied even for an allowed image: mount the socket file itself', async () => {
    const result = await viaWarden([
      'run',
      '--rm',
      '--name',
      containerName(),
      '--network',
      'none',
      '-v',
      `${SOCKET_DIR}:/x`,
      DOCKER_CLI,
      'true',
    ]);
    expect(result.code).toBe(125);
    const line = firstLine(result.stderr);
    expect(line).toMatch(
      /^docker: Error response from daemon: socket-warden: docker socket mount denied for container with image "[^"]+\/library\/docker"; the container would reach the Docker Engine through .+, which Socket Warden cannot filter; only a bind of the socket file itself can be given a filtered socket; if you wish to allow it, configure the docker socket image list in the Socket Warden settings\.$/,
    );
    expectedDenials.push({
      message: line.replace('docker: Error response from daemon: ', ''),
      image: `${R}/library/docker`,
      requester: 'host',
    });
  });

  it('a container allowed the socket is itself checked when it creates one (requester: that container)', async () => {
    const inner = deniedMessage(UNLISTED_REPO, NOT_LISTED);
    const command = [
      'docker',
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      '/var/run/docker.sock:/var/run/docker.sock',
      UNLISTED,
      'true',
    ];
    // Podman answers `docker run --rm` with exit code 0 whatever the container's: there the outer
    // container runs without --rm, so that it exits with the inner CLI's 125.
    const result = isPodman()
      ? await viaWarden([
          'run',
          '--name',
          containerName(),
          '--network',
          'none',
          '-v',
          `${stack.dockerSocket}:/var/run/docker.sock`,
          DOCKER_CLI,
          ...command,
        ])
      : await runWithSocket(DOCKER_CLI, command);
    expect(result.code).toBe(125);
    expect(firstLine(result.stderr)).toBe(`docker: Error response from daemon: ${inner}`);
    expectedDenials.push({ message: inner, image: UNLISTED_REPO, requester: 'container' });
  });
});

describe('settings', () => {
  it('a malformed admin file at start: serve exits non-zero naming the file and the JSON path', async () => {
    const dir = await fs.mkdtemp(path.join(work, 'bad-'));
    await fs.writeFile(
      path.join(dir, 'admin.json'),
      JSON.stringify({ configurationFileVersion: 2, enhancedContainerIsolation: { value: 'yes' } }),
    );
    const bad = WardenProcess.spawn({ dir, upstream: stack.dockerSocket });
    const { code } = await bad.exit();
    expect(code).not.toBe(0);
    expect(bad.output).toContain(path.join(dir, 'admin.json'));
    expect(bad.output).toContain('enhancedContainerIsolation.value');
    expect(existsSync(path.join(dir, 'warden.sock'))).toBe(false);
  });

  it('a malformed reload keeps enforcing the last good policy', async () => {
    await setPolicy({ images: [DOCKER_CLI] });
    const from = warden.output.length;
    const broken = JSON.stringify({
      configurationFileVersion: 2,
      enhancedContainerIsolation: { value: true, dockerSocketMount: { imageList: { images: 'docker:cli' } } },
    });
    await writeAdminFile(warden.adminFile, broken);
    lastAdminText = broken;
    await warden.waitForOutput(/ERROR: .*imageList\.images/s, 10_000, from);
    expect(warden.output.slice(from)).toContain(warden.adminFile);
    expectDenied(await runWithSocket(UNLISTED), UNLISTED_REPO, NOT_LISTED);
    expectRan(await runWithSocket(DOCKER_CLI));
  });

  it('`value: false` turns enforcement off: the unlisted image runs with the socket', async () => {
    await setPolicy({ value: false, images: [] });
    expectRan(await runWithSocket(UNLISTED));
    await setPolicy({ value: true, images: [] });
    expectDenied(await runWithSocket(UNLISTED), UNLISTED_REPO, NOT_LISTED);
  });
});

describe('registry unreachable with nothing cached', () => {
  it('is denied, and the message says the registry could not be reached', async () => {
    const second = await startRegistry();
    const image = `${second.host}/${NS}/gone:1`;
    await engine(['tag', ids['other:1'] ?? '', image]);
    await push(image);
    const exited = new Promise((resolve) => second.child.once('exit', resolve));
    second.child.kill('SIGKILL');
    await exited;
    await setPolicy({ images: [`${second.host}/${NS}/gone:1`] });
    // A fresh daemon: nothing about that registry is cached.
    expect((await warden.stop('SIGTERM')).code).toBe(0);
    warden = await startWarden(work);

    const result = await runWithSocket(image);
    const repository = `${second.host}/${NS}/gone`;
    expect(result.code).toBe(125);
    const line = firstLine(result.stderr);
    expect(line).toMatch(
      new RegExp(
        `^docker: Error response from daemon: socket-warden: docker socket mount denied for container with image "${repository.replace(/[.]/g, '\\.')}"; the registry for ${repository.replace(/[.]/g, '\\.')} could not be reached to verify its digest \\(.+\\); if you wish to allow it`,
      ),
    );
    expectedDenials.push({
      message: line.replace('docker: Error response from daemon: ', ''),
      image: repository,
      requester: 'host',
    });
  });
});

describe('history', () => {
  it('holds every denial with time, requester, request, image and reason, and survives kill -9', async () => {
    expect(expectedDenials.length).toBeGreaterThan(20);
    await waitFor(async () => (await history()).length >= expectedDenials.length, 10_000, 'history');
    const before = await history();
    for (const expected of expectedDenials) {
      const entry = before.find(
        (e) =>
          e.message === expected.message &&
          e.image === expected.image &&
          e.requester.kind === expected.requester,
      );
      expect(entry, `history entry for: ${expected.message}`).toBeDefined();
      if (!entry) continue;
      expect(entry.kind).toBe('socket-mount-denied');
      expect(entry.request.method).toBe('POST');
      expect(entry.request.uri).toMatch(/^\/v1\.\d+\/containers\/create(\?|$)/);
      expect(Date.parse(entry.time)).toBeGreaterThan(Date.now() - 30 * 60_000);
      expect(entry.reason).toMatch(
        /^(not-allowed|digest-mismatch|registry-unreachable|local-only|parent-missing)$/,
      );
      if (expected.requester === 'container' && entry.requester.kind === 'container')
        expect(entry.requester.image).toBe(`${R}/library/docker`);
    }
    const reasons = new Set(before.map((e) => e.reason));
    // Where every tag carries a digest (containerd image store, Podman), no image is told local-only:
    // its registry says it never had it, and that is a re-tag (not-allowed).
    const localOnlyTold = !(usesContainerdImageStore() || isPodman());
    for (const reason of [
      'not-allowed',
      'digest-mismatch',
      'registry-unreachable',
      ...(localOnlyTold ? ['local-only'] : []),
      'parent-missing',
    ])
      expect(reasons).toContain(reason);

    await warden.stop('SIGKILL');
    expect(await history()).toEqual(before);
    warden = await startWarden(work);
    expect(await history()).toEqual(before);
    expectDenied(await runWithSocket(UNLISTED), UNLISTED_REPO, NOT_LISTED);
    await waitFor(async () => (await history()).length === before.length + 1, 10_000, 'new entry');
  });
});
