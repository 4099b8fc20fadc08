// The command list as a container sees it (docs/socket-mount-permissions.md §5): containers allowed to mount the socket
// get a filtered socket of their own, and everything they send through it — with the real docker CLI
// or raw HTTP with curl — passes the command list. `socket-warden serve` runs as a child process in
// front of the shared stack's engine; the clients run inside containers it let mount the socket.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminSettingsJson,
  waitFor,
  WardenProcess,
  writeAdminFile,
  type AdminEci,
} from './daemon-harness.js';
import { freeLoopbackPort } from './free-port.js';
import { cliApiPrefix, docker, isPodman, loadStack, type CliResult } from './stack.js';

const stack = loadStack();
const P = `swt-cl-${randomBytes(4).toString('hex')}`;
const CLI_IMAGE = `${stack.registry}/library/docker:cli`;
const CURL_IMAGE = `${stack.registry}/library/curl:latest`;
const BUSYBOX = 'sw-test/busybox:latest';
const ENGINE = stack.dockerSocket;
const SOCK = '/var/run/docker.sock';
const LISTED: AdminEci = { images: [CLI_IMAGE, CURL_IMAGE] };

let dir: string;
let warden: WardenProcess;
/** Long-running clients, allowed to mount the socket: one with the docker CLI, one with curl. */
const cliClient = `${P}-cli`;
const curlClient = `${P}-curl`;

/**
 * A request-target the CLI sent, as a pattern: the version it negotiated (`/v1.41` on Docker 20.10 and
 * Podman, `/v1.45` on Docker 26) followed by `rest`.
 */
const cliUri = (rest: RegExp): RegExp =>
  new RegExp(`^${cliApiPrefix(stack).replace(/\./g, '\\.')}${rest.source}`);

const blocked = (uri: string): string =>
  `socket-warden: docker command "${uri}" is blocked; if you wish to allow it, configure the docker socket command list in the Socket Warden settings or admin-settings.`;

/** The CLI on the host, straight to the engine: setup, inspection and cleanup, never judged. */
const direct = (args: string[]): Promise<CliResult> => docker(stack.dockerHost, args);

/** Runs a command inside a running container (the exec itself goes straight to the engine). */
function inside(container: string, command: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const envArgs = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  return direct(['exec', ...envArgs, container, ...command]);
}

/** The docker CLI inside the CLI client, talking to its mounted (filtered) socket. */
const dockerInside = (...args: string[]): Promise<CliResult> =>
  inside(cliClient, ['docker', ...args], { DOCKER_BUILDKIT: '0' });

interface HttpAnswer {
  status: number;
  body: string;
}

/** curl inside the curl client on its mounted socket; `args` end with the URL. */
async function curlInside(args: string[]): Promise<HttpAnswer> {
  const result = await inside(curlClient, [
    'curl',
    '-sS',
    '--max-time',
    '30',
    '-w',
    '\n%{http_code}',
    '--unix-socket',
    SOCK,
    ...args,
  ]);
  expect(result.stderr, `curl ${args.join(' ')}`).toBe('');
  const cut = result.stdout.lastIndexOf('\n');
  return { status: Number(result.stdout.slice(cut + 1)), body: result.stdout.slice(0, cut) };
}

/** Sends raw bytes on a unix socket, half-closes, and returns everything read until close or timeout. */
function rawExchange(socketPath: string, bytes: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect(socketPath, () => socket.end(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (answer) resolve(answer);
      else reject(error);
    });
  });
}

function messageOf(answer: HttpAnswer): string {
  return (JSON.parse(answer.body) as { message: string }).message;
}

/** The arguments after `run -d` or `create` of a long-running container mounting the engine socket. */
const socketMountArgs = (name: string, image: string): string[] => [
  '--name',
  name,
  '--network',
  'none',
  '-v',
  `${ENGINE}:${SOCK}`,
  image,
  'sleep',
  '3600',
];

/** `docker run -d` through Socket Warden of a container mounting the engine socket. */
async function runWithSocket(name: string, image: string, host = warden.host): Promise<CliResult> {
  return docker(host, ['run', '-d', ...socketMountArgs(name, image)]);
}

/** `docker create` through Socket Warden of such a container (docker-cli image). */
function createWithSocket(name: string): Promise<CliResult> {
  return docker(warden.host, ['create', ...socketMountArgs(name, CLI_IMAGE)]);
}

async function inspect<T>(name: string, format: string): Promise<T> {
  const result = await direct(['inspect', '--format', `{{json ${format}}}`, name]);
  if (result.code !== 0) throw new Error(`inspect ${name}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

interface Mount {
  Type: string;
  Source: string;
  Destination: string;
}
const socketSource = async (name: string): Promise<string> => {
  const mounts = await inspect<Mount[]>(name, '.Mounts');
  const mount = mounts.find((m) => m.Destination === SOCK);
  if (!mount) throw new Error(`${name} has no mount at ${SOCK}: ${JSON.stringify(mounts)}`);
  return mount.Source;
};

async function registryHas(repository: string, tag: string): Promise<boolean> {
  const answer = await fetch(`http://${stack.registry}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    // Docker's graph-driver store pushes Docker v2 manifests; the containerd image store pushes OCI
    // ones (an index and its manifests), which a registry serves only to a client that accepts them.
    headers: {
      Accept: [
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
      ].join(', '),
    },
  });
  return answer.status === 200;
}

/** The CLI's error for a blocked request: the engine-format message, after the CLI's own prefix. */
function expectBlocked(result: CliResult, uriPattern: RegExp): void {
  expect(result.code, result.stderr).not.toBe(0);
  const match =
    /socket-warden: docker command "([^"]*)" is blocked; if you wish to allow it, configure the docker socket command list in the Socket Warden settings or admin-settings\./.exec(
      result.stderr,
    );
  expect(match, `not blocked by the command list: ${result.stderr}`).not.toBeNull();
  expect(match?.[1]).toMatch(uriPattern);
}

function expectWorks(result: CliResult): void {
  expect(result.stderr).not.toContain('socket-warden');
  expect(result.code, result.stderr).toBe(0);
}

let currentCommandList = '';
/** Sets the command list (the image list stays LISTED); the daemon logs a reload only on a change. */
async function setPolicy(commandList: NonNullable<AdminEci['commandList']>): Promise<void> {
  const wanted = JSON.stringify(commandList);
  if (wanted === currentCommandList) return;
  await warden.setPolicy({ ...LISTED, commandList });
  currentCommandList = wanted;
}

beforeAll(async () => {
  if (!existsSync('dist/electron/cli/main.js'))
    throw new Error('run `npm run build:engine` first (the CLI runs from dist/)');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-cl-'));
  // The engine (root) reaches the filtered sockets under the data dir.
  await fs.chmod(dir, 0o755);
  const initial = { type: 'deny' as const, commands: ['push'] };
  await writeAdminFile(
    WardenProcess.paths(dir).adminFile,
    adminSettingsJson({ ...LISTED, commandList: initial }),
  );
  currentCommandList = JSON.stringify(initial);
  warden = await WardenProcess.start({ dir, upstream: ENGINE });
  for (const [name, image] of [
    [cliClient, CLI_IMAGE],
    [curlClient, CURL_IMAGE],
  ] as const) {
    const run = await runWithSocket(name, image);
    expect(run.code, run.stderr).toBe(0);
  }
});

/** SIGTERM, then SIGKILL if the daemon has not exited within `ms` (a hang is asserted elsewhere). */
async function stopWarden(ms = 5000): Promise<number | null | 'hung'> {
  const result = await Promise.race([
    warden.stop('SIGTERM').then((r) => r.code),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms)),
  ]);
  if (result === 'hung') await warden.stop('SIGKILL');
  return result;
}

afterAll(async () => {
  if (warden) await stopWarden();
  const containers = await direct(['ps', '-aq', '--filter', `name=${P}`]);
  const ids = containers.stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await direct(['rm', '-f', '-v', ...ids]);
  const volumes = (await direct(['volume', 'ls', '-q', '--filter', `name=${P}`])).stdout
    .split('\n')
    .filter(Boolean);
  if (volumes.length > 0) await direct(['volume', 'rm', '-f', ...volumes]);
  const networks = (await direct(['network', 'ls', '-q', '--filter', `name=${P}`])).stdout
    .split('\n')
    .filter(Boolean);
  if (networks.length > 0) await direct(['network', 'rm', ...networks]);
  const tagged = (await direct(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout
    .split('\n')
    .filter((ref) => ref.includes(P));
  if (tagged.length > 0) await direct(['rmi', ...tagged]);
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('the spec examples, from inside a container allowed to mount the socket', () => {
  it('`docker push myimage` is blocked with the engine-format message naming the request', async () => {
    const result = await inside(cliClient, ['docker', 'push', 'myimage'], { DOCKER_API_VERSION: '1.43' });
    expect(result.code).not.toBe(0);
    // CLI 28 qualifies the name in the path; the message quotes the request-target as sent.
    expect(result.stderr).toBe(
      `Error response from daemon: ${blocked('/v1.43/images/docker.io/library/myimage/push?tag=latest')}\n`,
    );
  });

  it('the raw curl push gets 403 with the exact JSON message, and history names the container', async () => {
    const answer = await curlInside(['-XPOST', 'http://localhost/v1.43/images/myimage/push?tag=latest']);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({
      message:
        'socket-warden: docker command "/v1.43/images/myimage/push?tag=latest" is blocked; if you wish to allow it, configure the docker socket command list in the Socket Warden settings or admin-settings.',
    });

    const id = await inspect<string>(curlClient, '.Id');
    const history = await warden.history();
    const entry = history.find((e) => e.request.uri === '/v1.43/images/myimage/push?tag=latest');
    expect(entry).toMatchObject({
      kind: 'command-blocked',
      reason: 'command-blocked',
      request: { method: 'POST', uri: '/v1.43/images/myimage/push?tag=latest' },
      requester: { kind: 'container', id, name: curlClient, image: `${stack.registry}/library/curl` },
      message: blocked('/v1.43/images/myimage/push?tag=latest'),
    });
  });
});

describe('deny list: the Testcontainers pattern (build and push denied)', () => {
  beforeAll(async () => {
    await setPolicy({ type: 'deny', commands: ['build', 'push'] });
    expect((await direct(['tag', BUSYBOX, `${stack.registry}/${P}/pushed:1`])).code).toBe(0);
  });

  it('denies build and push, and neither happens', async () => {
    const build = await inside(
      cliClient,
      ['sh', '-c', `printf 'FROM ${BUSYBOX}\\nRUN touch /x\\n' | docker build -t ${P}-built -`],
      { DOCKER_BUILDKIT: '0' },
    );
    expectBlocked(build, cliUri(/\/build\?/));
    expect((await direct(['image', 'inspect', `${P}-built`])).code).not.toBe(0);

    const push = await dockerInside('push', `${stack.registry}/${P}/pushed:1`);
    expectBlocked(push, cliUri(new RegExp(`/images/${stack.registry}/${P}/pushed/push\\?tag=1$`)));
    expect(await registryHas(`${P}/pushed`, '1')).toBe(false);
  });

  it('lets run, ps, create and rm, volumes and networks work', async () => {
    const run = await dockerInside(
      'run',
      '--rm',
      '--network',
      'none',
      BUSYBOX,
      'echo',
      'hello from a sibling',
    );
    expectWorks(run);
    expect(run.stdout).toBe('hello from a sibling\n');

    const ps = await dockerInside('ps', '--filter', `name=${P}`, '--format', '{{.Names}}');
    expectWorks(ps);
    expect(ps.stdout.split('\n')).toEqual(expect.arrayContaining([cliClient, curlClient]));

    expectWorks(await dockerInside('create', '--name', `${P}-tmp`, '--network', 'none', BUSYBOX, 'true'));
    expectWorks(await dockerInside('rm', `${P}-tmp`));
    expect((await direct(['container', 'inspect', `${P}-tmp`])).code).not.toBe(0);

    expectWorks(await dockerInside('volume', 'create', `${P}-vol`));
    const volumes = await dockerInside('volume', 'ls', '--format', '{{.Name}}');
    expectWorks(volumes);
    expect(volumes.stdout.split('\n')).toContain(`${P}-vol`);
    expectWorks(await dockerInside('volume', 'rm', `${P}-vol`));
    expect((await direct(['volume', 'inspect', `${P}-vol`])).code).not.toBe(0);

    const networks = await dockerInside('network', 'ls', '--format', '{{.Name}}');
    expectWorks(networks);
    // Podman on this stack has no user networks (its CNI backend has no plugins, as the Docker engines
    // here have no bridge): a network it makes is dropped as unusable, so none is made there.
    if (isPodman()) return;
    expectWorks(await dockerInside('network', 'create', `${P}-net`));
    const listed = await dockerInside('network', 'ls', '--format', '{{.Name}}');
    expectWorks(listed);
    expect(listed.stdout.split('\n')).toContain(`${P}-net`);
    expectWorks(await dockerInside('network', 'rm', `${P}-net`));
    expect((await direct(['network', 'inspect', `${P}-net`])).code).not.toBe(0);
  });
});

describe('allow list: only the listed commands work', () => {
  beforeAll(async () => {
    await setPolicy({ type: 'allow', commands: ['ps', 'run', 'container*'] });
  });

  it('lets ps, run and container commands through', async () => {
    expectWorks(await dockerInside('ps'));
    expectWorks(await dockerInside('container', 'ls', '-a'));
    const run = await dockerInside('run', '--rm', '--network', 'none', BUSYBOX, 'echo', 'allowed');
    expectWorks(run);
    expect(run.stdout).toBe('allowed\n');
    expectWorks(await dockerInside('container', 'inspect', cliClient));
  });

  it('blocks images, volume ls and build', async () => {
    expectBlocked(await dockerInside('images'), cliUri(/\/images\/json/));
    expectBlocked(await dockerInside('volume', 'ls'), cliUri(/\/volumes/));
    const build = await inside(cliClient, ['sh', '-c', `printf 'FROM ${BUSYBOX}\\n' | docker build -`], {
      DOCKER_BUILDKIT: '0',
    });
    expectBlocked(build, cliUri(/\/build\?/));
  });
});

describe('wildcards in a deny list block their group and nothing else', () => {
  const cases: { wildcard: string; blocks: { args: string[]; uri: RegExp }[]; spares: string[][] }[] = [
    {
      wildcard: 'container*',
      blocks: [
        { args: ['container', 'ls'], uri: cliUri(/\/containers\/json/) },
        { args: ['ps'], uri: cliUri(/\/containers\/json/) },
        { args: ['container', 'inspect', '<cli>'], uri: cliUri(/\/containers\/[^/]+\/json/) },
      ],
      spares: [['volume', 'ls'], ['images']],
    },
    {
      wildcard: 'image*',
      blocks: [
        { args: ['image', 'ls'], uri: cliUri(/\/images\/json/) },
        { args: ['images'], uri: cliUri(/\/images\/json/) },
        { args: ['image', 'history', BUSYBOX], uri: cliUri(/\/images\/.*\/history/) },
      ],
      spares: [['ps'], ['network', 'ls']],
    },
    {
      wildcard: 'volume*',
      blocks: [{ args: ['volume', 'ls'], uri: cliUri(/\/volumes/) }],
      spares: [['network', 'ls'], ['ps']],
    },
    {
      wildcard: 'network*',
      blocks: [{ args: ['network', 'ls'], uri: cliUri(/\/networks/) }],
      spares: [['volume', 'ls'], ['ps']],
    },
    {
      wildcard: 'build*',
      blocks: [
        { args: ['sh', '-c', `printf 'FROM ${BUSYBOX}\\n' | docker build -`], uri: cliUri(/\/build\?/) },
        { args: ['builder', 'prune', '-f'], uri: cliUri(/\/build\/prune/) },
      ],
      spares: [['images'], ['ps']],
    },
    {
      wildcard: 'system*',
      blocks: [
        { args: ['system', 'df'], uri: cliUri(/\/system\/df/) },
        { args: ['info'], uri: cliUri(/\/info/) },
      ],
      spares: [['ps'], ['images'], ['version']],
    },
  ];

  for (const { wildcard, blocks, spares } of cases) {
    it(`${wildcard}`, async () => {
      await setPolicy({ type: 'deny', commands: [wildcard] });
      for (const { args, uri } of blocks) {
        const concrete = args.map((arg) => (arg === '<cli>' ? cliClient : arg));
        const result =
          concrete[0] === 'sh'
            ? await inside(cliClient, concrete, { DOCKER_BUILDKIT: '0' })
            : await dockerInside(...concrete);
        expectBlocked(result, uri);
      }
      for (const args of spares) expectWorks(await dockerInside(...args));
    });
  }
});

describe('nested containers: what a container creates through its socket is judged again', () => {
  beforeAll(async () => {
    await setPolicy({ type: 'deny', commands: ['push'] });
  });

  it('denies a socket mount for an image that is not listed, and records who asked', async () => {
    const result = await dockerInside(
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${ENGINE}:${SOCK}`,
      BUSYBOX,
      'true',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'Error response from daemon: socket-warden: docker socket mount denied for container with image "docker.io/sw-test/busybox"',
    );
    const id = await inspect<string>(cliClient, '.Id');
    const entry = (await warden.history()).find(
      (e) => e.kind === 'socket-mount-denied' && e.image === 'docker.io/sw-test/busybox',
    );
    expect(entry?.requester).toEqual({
      kind: 'container',
      id,
      name: cliClient,
      image: `${stack.registry}/library/docker`,
    });
  });

  it('gives an allowed nested container its own filtered socket, where push is still blocked', async () => {
    const nested = `${P}-nested`;
    const run = await dockerInside('run', '-d', ...socketMountArgs(nested, CLI_IMAGE));
    expectWorks(run);
    const [outerSource, nestedSource] = [await socketSource(cliClient), await socketSource(nested)];
    const socketsDir = path.join(warden.dataDir, 'sockets');
    expect(path.dirname(nestedSource)).toBe(socketsDir);
    expect(nestedSource).not.toBe(outerSource);
    expect(nestedSource).not.toBe(ENGINE);

    // From inside the outer container: exec into the nested one and push from there.
    const push = await dockerInside('exec', nested, 'docker', 'push', 'myimage');
    expectBlocked(push, cliUri(/\/images\/docker\.io\/library\/myimage\/push\?tag=latest$/));
    const id = await inspect<string>(nested, '.Id');
    const entry = (await warden.history()).find(
      (e) => e.kind === 'command-blocked' && e.requester.kind === 'container' && e.requester.id === id,
    );
    expect(entry?.requester).toMatchObject({ name: nested, image: `${stack.registry}/library/docker` });
    // Its socket works for what is not denied.
    expectWorks(await dockerInside('exec', nested, 'docker', 'ps'));
  });

  it.each([
    ['the filtered-socket directory', () => path.join(warden.dataDir, 'sockets'), BUSYBOX],
    ['the engine socket directory', () => path.dirname(ENGINE), CLI_IMAGE],
    ['the engine socket directory', () => path.dirname(ENGINE), BUSYBOX],
  ])('denies a bind of %s without a socket mount (image %s)', async (_what, source, image) => {
    const name = `${P}-dirbind-${randomBytes(2).toString('hex')}`;
    const result = await dockerInside(
      'create',
      '--name',
      name,
      '--network',
      'none',
      '-v',
      `${source()}:/mnt/x`,
      image,
      'true',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('socket-warden: docker socket mount denied for container with image');
    expect((await direct(['container', 'inspect', name])).code).not.toBe(0);
  });

  it('denies an allowed image a bind of the filtered-socket directory: only a socket file can be filtered', async () => {
    const name = `${P}-sockdir`;
    const socketsDir = path.join(warden.dataDir, 'sockets');
    const result = await dockerInside(
      'create',
      '--name',
      name,
      '--network',
      'none',
      '-v',
      `${socketsDir}:/mnt/x`,
      CLI_IMAGE,
      'true',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('socket-warden: docker socket mount denied');
    expect(result.stderr).toContain('only a bind of the socket file itself can be given a filtered socket');
    expect((await direct(['container', 'inspect', name])).code).not.toBe(0);
  });
});

describe('a container cannot create a container that takes over the host', () => {
  beforeAll(async () => {
    await setPolicy({ type: 'deny', commands: ['push'] });
  });

  it.each([
    [['--privileged'], 'privileged mode'],
    [['--cap-add', 'SYS_ADMIN'], 'capability SYS_ADMIN'],
    [['--cap-add', 'all'], 'every capability'],
    // Beyond Docker's defaults, though not an escape by itself: the rule is an allow-list.
    [['--cap-add', 'NET_ADMIN'], 'capability NET_ADMIN'],
    // The CLI checks a --device against the server's OS, which Podman's /_ping does not name: sent raw
    // there (below).
    ...(isPodman()
      ? []
      : [[['--device', '/dev/null:/dev/hostnull'], 'host device /dev/null'] as [string[], string]]),
    [['--pid', 'host'], "the host's PID namespace"],
    [['--security-opt', 'seccomp=unconfined'], 'security option "seccomp=unconfined"'],
    [['--security-opt', 'apparmor=unconfined'], 'security option "apparmor=unconfined"'],
  ])('refuses `docker run %s` from inside, and records it', async (flags, what) => {
    const name = `${P}-escalate-${Math.random().toString(36).slice(2, 8)}`;
    const result = await dockerInside(
      'run',
      '--rm',
      '--name',
      name,
      '--network',
      'none',
      ...flags,
      BUSYBOX,
      'true',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      `Error response from daemon: socket-warden: container "${cliClient}" may not create a container with ${what} through its Docker socket`,
    );
    expect((await direct(['container', 'inspect', name])).code).not.toBe(0);
    const entry = (await warden.history()).find(
      (e) => e.kind === 'request-refused' && e.message.includes(what),
    );
    expect(entry?.requester).toMatchObject({ kind: 'container', name: cliClient });
  });

  it.runIf(isPodman())(
    'refuses a create with a host device from inside (Podman: raw, its /_ping names no OS for the CLI)',
    async () => {
      const name = `${P}-escalate-device`;
      const answer = await curlInside([
        '-XPOST',
        '-H',
        'Content-Type: application/json',
        '--data-binary',
        JSON.stringify({
          Image: BUSYBOX,
          Cmd: ['true'],
          HostConfig: {
            NetworkMode: 'none',
            Devices: [
              { PathOnHost: '/dev/null', PathInContainer: '/dev/hostnull', CgroupPermissions: 'rwm' },
            ],
          },
        }),
        `http://localhost${cliApiPrefix(stack)}/containers/create?name=${name}`,
      ]);
      expect(answer.status).toBe(403);
      expect(messageOf(answer)).toContain(
        `socket-warden: container "${curlClient}" may not create a container with host device /dev/null through its Docker socket`,
      );
      expect((await direct(['container', 'inspect', name])).code).not.toBe(0);
      const entry = (await warden.history()).find(
        (e) => e.kind === 'request-refused' && e.message.includes('host device /dev/null'),
      );
      expect(entry?.requester).toMatchObject({ kind: 'container', name: curlClient });
    },
  );

  it('still lets it run an ordinary container, dropping capabilities and adding a default one', async () => {
    const result = await dockerInside(
      'run',
      '--rm',
      '--network',
      'none',
      '--cap-drop',
      'ALL',
      '--cap-add',
      'CHOWN',
      BUSYBOX,
      'echo',
      'ordinary',
    );
    expect(result).toMatchObject({ code: 0, stdout: 'ordinary\n' });
  });
});

describe('filtered socket lifecycle', () => {
  beforeAll(async () => {
    await setPolicy({ type: 'deny', commands: ['push'] });
  });

  it('exists before the container starts and is removed after `docker rm`', async () => {
    const name = `${P}-life`;
    expectWorks(await createWithSocket(name));
    const source = await socketSource(name);
    expect(path.dirname(source)).toBe(path.join(warden.dataDir, 'sockets'));
    expect((await inspect<{ Status: string }>(name, '.State')).Status).toBe('created');
    expect((await fs.stat(source)).isSocket()).toBe(true);

    expectWorks(await direct(['start', name]));
    const ps = await inside(name, ['docker', 'ps', '--format', '{{.Names}}']);
    expectWorks(ps);
    expect(ps.stdout).toContain(name);

    expectWorks(await direct(['rm', '-f', name]));
    await waitFor(() => !existsSync(source), 10_000, `${source} to be removed`);
  });

  it('a state file it could not write once is written again, whole, at the next change', async () => {
    // What a restart reconnects is read from this file: a failed write must not stop all later ones.
    const stateFile = path.join(warden.dataDir, 'sockets', 'filtered-sockets.json');
    await fs.rm(stateFile, { force: true });
    await fs.mkdir(stateFile); // a rename over a directory fails: the write fails
    const first = `${P}-save-a`;
    const second = `${P}-save-b`;
    expectWorks(await createWithSocket(first));
    await warden.waitForOutput('filtered sockets: cannot save state', 10_000);
    await fs.rm(stateFile, { recursive: true });
    expectWorks(await createWithSocket(second));
    const ids = await Promise.all([first, second].map((name) => inspect<string>(name, '.Id')));
    const saved = async (): Promise<string[]> => {
      const text = await fs.readFile(stateFile, 'utf8').catch(() => '[]');
      return (JSON.parse(text) as { containerId?: string }[]).map((record) => record.containerId ?? '');
    };
    await waitFor(
      async () => {
        const listed = await saved();
        return ids.every((id) => listed.includes(id));
      },
      10_000,
      `${stateFile} to list both containers`,
    );
    expectWorks(await direct(['rm', '-f', first, second]));
  });

  it('after a daemon restart: a stopped container works when started, a running one is told to restart', async () => {
    const stopped = `${P}-stopped`;
    const running = `${P}-running`;
    for (const name of [stopped, running]) expectWorks(await runWithSocket(name, CLI_IMAGE));
    expectWorks(await direct(['stop', '-t', '0', stopped]));

    expect(await stopWarden()).toBe(0);
    warden = await WardenProcess.start({ dir, upstream: ENGINE });
    await warden.waitForOutput(running, 10_000);
    const runningId = (await inspect<string>(running, '.Id')).slice(0, 12);
    expect(warden.output).toContain(
      `${running} was started before Socket Warden restarted and still holds the old socket; restart it (docker restart ${runningId}) to reconnect`,
    );
    expect(warden.output).not.toContain(`${stopped} was started before`);

    expectWorks(await direct(['start', stopped]));
    expectWorks(await inside(stopped, ['docker', 'ps']));
    expectBlocked(await inside(stopped, ['docker', 'push', 'myimage']), /\/push\?tag=latest$/);

    expectWorks(await direct(['restart', '-t', '0', running]));
    expectWorks(await inside(running, ['docker', 'ps']));
    expectBlocked(await inside(running, ['docker', 'push', 'myimage']), /\/push\?tag=latest$/);

    // The long-running clients of the other tests were running too: same report, same cure.
    for (const client of [cliClient, curlClient]) {
      expect(warden.output).toContain(`${client} was started before Socket Warden restarted`);
      expectWorks(await direct(['restart', '-t', '0', client]));
    }
    expectWorks(await dockerInside('ps'));
  });
});

describe('evasion spellings from inside: none gets a push to the engine', () => {
  const repository = `${P}/evade`;
  const name = `${stack.registry}/${repository}`;
  let since: string;

  beforeAll(async () => {
    await setPolicy({ type: 'deny', commands: ['push'] });
    expect((await direct(['tag', BUSYBOX, `${name}:latest`])).code).toBe(0);
    expect((await direct(['tag', BUSYBOX, `${stack.registry}/${P}/control:latest`])).code).toBe(0);
    since = String(Math.floor(Date.now() / 1000) - 1);
  });

  // The engine needs some registry auth (header or legacy body) before it pushes.
  const auth = ['-H', 'X-Registry-Auth: e30='];

  it('the plain request pushes when it reaches the engine directly (the control)', async () => {
    const result = await direct([
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${ENGINE}:${SOCK}`,
      CURL_IMAGE,
      'curl',
      '-sS',
      '-w',
      '\n%{http_code}',
      '--unix-socket',
      SOCK,
      ...auth,
      '-XPOST',
      `http://localhost/v1.41/images/${stack.registry}/${P}/control/push?tag=latest`,
    ]);
    expect(result.stdout).toMatch(/\n200$/);
    await waitFor(() => registryHas(`${P}/control`, 'latest'), 10_000, 'the control push');
  });

  const spellings: {
    what: string;
    /** 403 blocked, 400/405 refused by Socket Warden; 404: forwarded, and the engine routes it nowhere. */
    status: number;
    method: string;
    target: (n: string) => string;
    extra?: string[];
  }[] = [
    { what: 'plain', status: 403, method: 'POST', target: (n) => `/v1.41/images/${n}/push?tag=latest` },
    { what: 'no version prefix', status: 403, method: 'POST', target: (n) => `/images/${n}/push?tag=latest` },
    {
      what: '%2F before push',
      status: 400,
      method: 'POST',
      target: (n) => `/v1.41/images/${n}%2Fpush?tag=latest`,
    },
    {
      what: '%2F inside the name',
      status: 400,
      method: 'POST',
      target: (n) => `/v1.41/images/${n.replace(/\//g, '%2F')}/push?tag=latest`,
    },
    { what: '%69mages', status: 403, method: 'POST', target: (n) => `/v1.41/%69mages/${n}/push?tag=latest` },
    { what: '%70ush', status: 403, method: 'POST', target: (n) => `/v1.41/images/${n}/%70ush?tag=latest` },
    {
      what: 'dot segments',
      status: 400,
      method: 'POST',
      target: (n) => `/v1.41/images/x/../${n}/push?tag=latest`,
    },
    {
      what: 'encoded dot segments',
      status: 400,
      method: 'POST',
      target: (n) => `/v1.41/images/x/%2E%2E/${n}/push?tag=latest`,
    },
    {
      what: 'single dot',
      status: 400,
      method: 'POST',
      target: (n) => `/v1.41/./images/${n}/push?tag=latest`,
    },
    {
      what: 'doubled slashes',
      status: 400,
      method: 'POST',
      target: (n) => `//v1.41//images/${n}/push?tag=latest`,
    },
    {
      what: 'version 01.41',
      status: 400,
      method: 'POST',
      target: (n) => `/v01.41/images/${n}/push?tag=latest`,
    },
    {
      what: 'version 1.041',
      status: 400,
      method: 'POST',
      target: (n) => `/v1.041/images/${n}/push?tag=latest`,
    },
    {
      what: 'version 1.41.0',
      status: 400,
      method: 'POST',
      target: (n) => `/v1.41.0/images/${n}/push?tag=latest`,
    },
    {
      what: 'two version prefixes',
      status: 400,
      method: 'POST',
      target: (n) => `/v1.41/v1.41/images/${n}/push?tag=latest`,
    },
    {
      what: 'lowercase method',
      status: 405,
      method: 'post',
      target: (n) => `/v1.41/images/${n}/push?tag=latest`,
    },
    {
      what: 'absolute-form target',
      status: 400,
      method: 'POST',
      target: (n) => `http://localhost/v1.41/images/${n}/push?tag=latest`,
    },
    { what: 'uppercase V', status: 404, method: 'POST', target: (n) => `/V1.41/images/${n}/push?tag=latest` },
    {
      what: 'trailing slash',
      // Podman's router matches the path without the slash for another method only: 405.
      status: isPodman() ? 405 : 404,
      method: 'POST',
      target: (n) => `/v1.41/images/${n}/push/?tag=latest`,
    },
    { what: 'fragment', status: 400, method: 'POST', target: (n) => `/v1.41/images/${n}/push#?tag=latest` },
    {
      what: 'semicolon in query',
      status: 400,
      method: 'POST',
      target: (n) => `/v1.41/images/${n}/push?x=1;tag=latest`,
    },
    {
      what: 'chunked body',
      status: 403,
      method: 'POST',
      target: (n) => `/v1.41/images/${n}/push?tag=latest`,
      extra: ['-H', 'Transfer-Encoding: chunked', '--data-binary', '{}'],
    },
  ];

  it.each(spellings)('$what: answered $status', async ({ what, status, method, target, extra }) => {
    const answer = await curlInside([
      ...auth,
      ...(extra ?? []),
      '--path-as-is',
      '-X',
      method,
      '--request-target',
      target(name),
      'http://localhost/',
    ]);
    // Every spelling that could reach the push handler is blocked (403) or refused (400). The few the
    // engine itself routes nowhere (404; 405 on Podman) may pass the filter: the engine answers them
    // with nothing done, Docker in its JSON, Podman's router in plain text.
    expect(answer.status, answer.body).toBe(status);
    const forwarded = what === 'uppercase V' || what === 'trailing slash';
    if (forwarded && isPodman())
      expect(answer.body.trim()).toBe(status === 404 ? 'Not Found' : 'Method Not Allowed');
    else if (forwarded) expect(messageOf(answer)).toBe('page not found');
    else expect(messageOf(answer)).toMatch(/^socket-warden: /);
  });

  // Raw bytes on the container's own filtered socket (the same socket it has inside, reached from the
  // host side): framing tricks that would make the engine read a second, unjudged request.
  const push = (n: string, extra = ''): string =>
    `POST /v1.41/images/${n}/push?tag=latest HTTP/1.1\r\nHost: docker\r\nX-Registry-Auth: e30=\r\n${extra}Content-Length: 0\r\n\r\n`;
  const smuggles: { what: string; bytes: (n: string) => string }[] = [
    { what: 'pipelined after a ping', bytes: (n) => `GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n${push(n)}` },
    {
      what: 'Content-Length and Transfer-Encoding together',
      bytes: (n) => {
        const inner = push(n);
        return `POST /_ping HTTP/1.1\r\nHost: docker\r\nContent-Length: ${inner.length + 5}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${inner}`;
      },
    },
    {
      what: 'two Transfer-Encoding headers',
      bytes: (n) =>
        `POST /_ping HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${push(n)}`,
    },
    {
      what: 'space before the colon of Transfer-Encoding',
      bytes: (n) =>
        `POST /_ping HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${push(n)}`,
    },
    {
      what: 'bare LF line endings',
      bytes: (n) => `GET /_ping HTTP/1.1\nHost: docker\n\n${push(n).replace(/\r\n/g, '\n')}`,
    },
    {
      what: 'a chunked body whose chunk holds a request',
      bytes: (n) => {
        const inner = push(n);
        return `POST /v1.41/containers/prune?filters=%7B%22label%22%3A%5B%22${P}-none%22%5D%7D HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\n\r\n${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n${inner}`;
      },
    },
    {
      what: 'an upgrade asked of a request the engine does not upgrade',
      bytes: (n) =>
        `GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n${push(n)}`,
    },
    {
      what: 'an upgrade on /version',
      bytes: (n) =>
        `GET /v1.41/version HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n${push(n)}`,
    },
  ];

  it.each(smuggles)('$what: the push inside is never executed', async ({ bytes }) => {
    const socket = await socketSource(curlClient);
    const answer = await rawExchange(socket, bytes(name));
    expect(answer).not.toContain('The push refers to');
    expect(answer).not.toMatch(/HTTP\/1\.1 101/);
  });

  it('the registry never received the push, and the engine logged no push of it', async () => {
    expect(await registryHas(repository, 'latest')).toBe(false);
    const events = await direct([
      'events',
      '--since',
      since,
      // At least 2 s ahead: Podman reads its events file only until that time comes, not until the
      // events reach it, so an `until` a fraction of a second ahead read nothing on a loaded machine.
      '--until',
      String(Math.ceil(Date.now() / 1000) + 2),
      '--filter',
      'type=image',
      '--filter',
      'event=push',
      // Docker's push event names the pushed reference as its ID; Podman's ID is the image's, and the
      // reference is its name attribute.
      '--format',
      '{{.Actor.ID}} {{.Actor.Attributes.name}}',
    ]);
    expect(events.code, events.stderr).toBe(0);
    expect(events.stdout).toContain(`${P}/control`);
    expect(events.stdout).not.toContain(`${P}/evade`);
  });
});

describe(`plugins and swarm services cannot hand out the engine socket${isPodman() ? ' (Podman has no swarm)' : ''}`, () => {
  const plugin = `${stack.registry}/${P}/plugin:latest`;

  beforeAll(async () => {
    await setPolicy({ type: 'deny', commands: ['push'] });
    // Podman serves no plugin API (no /plugins routes): no plugin can be made or pushed there, and the
    // refusals below are Socket Warden's own, before any engine.
    if (isPodman()) return;
    // A real plugin in the registry whose config binds the engine socket's directory: what an
    // attacker would install.
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-cl-plugin-'));
    try {
      await fs.mkdir(path.join(work, 'rootfs'));
      const created = await direct(['create', BUSYBOX]);
      const id = created.stdout.trim();
      const { execFileSync } = await import('node:child_process');
      execFileSync('sh', ['-c', `"$CLI" export ${id} | tar -x -C "$ROOTFS"`], {
        env: {
          ...process.env,
          CLI: stack.cli,
          DOCKER_HOST: stack.dockerHost,
          ROOTFS: path.join(work, 'rootfs'),
        },
      });
      await direct(['rm', id]);
      await fs.writeFile(
        path.join(work, 'config.json'),
        JSON.stringify({
          description: 'socket-warden test plugin',
          documentation: 'https://example.invalid',
          entrypoint: ['/bin/sleep', '600'],
          interface: { types: ['docker.volumedriver/1.0'], socket: 'swt.sock' },
          network: { type: 'host' },
          mounts: [
            {
              name: 'engine',
              source: path.dirname(ENGINE),
              destination: '/engine',
              type: 'bind',
              options: ['rbind'],
            },
          ],
        }),
      );
      expect((await direct(['plugin', 'create', plugin, work])).code).toBe(0);
      expect((await direct(['plugin', 'push', plugin])).code).toBe(0);
      expect((await direct(['plugin', 'rm', plugin])).code).toBe(0);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });

  afterAll(async () => {
    if (!isPodman()) await direct(['plugin', 'rm', '-f', plugin]);
  });

  it('refuses `docker plugin install` and `docker plugin create`', async () => {
    if (isPodman()) {
      // The CLI asks for the plugin's privileges first, and Podman has no such route; the install
      // itself, sent raw, is refused.
      const answer = await curlInside([
        '-XPOST',
        '-H',
        'Content-Type: application/json',
        '--data-binary',
        '[]',
        `http://localhost${cliApiPrefix(stack)}/plugins/pull?remote=${encodeURIComponent(plugin)}`,
      ]);
      expect(answer.status).toBe(403);
      expect(messageOf(answer)).toContain(
        "socket-warden: installing or configuring plugins through a container's socket is not allowed",
      );
    } else {
      const install = await dockerInside('plugin', 'install', '--grant-all-permissions', plugin);
      expect(install.code).not.toBe(0);
      expect(install.stderr).toContain(
        "socket-warden: installing or configuring plugins through a container's socket is not allowed",
      );
    }
    const created = await inside(cliClient, [
      'sh',
      '-c',
      `mkdir -p /tmp/p/rootfs && echo '{"interface":{"types":["docker.volumedriver/1.0"],"socket":"x.sock"},"entrypoint":["/bin/true"]}' >/tmp/p/config.json && docker plugin create ${P}-inner /tmp/p`,
    ]);
    expect(created.code).not.toBe(0);
    expect(created.stderr).toContain('socket-warden: ');
    if (isPodman()) return;
    const plugins = await direct(['plugin', 'ls', '--format', '{{.Name}}']);
    expect(plugins.stdout).not.toContain(P);
  });

  it.skipIf(isPodman())(
    'denies a swarm service that binds the engine socket or its directory, and leaves the swarm',
    async () => {
      const networksBefore = (await direct(['network', 'ls', '--format', '{{.Name}}'])).stdout;
      expect((await direct(['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim()).toBe(
        'inactive',
      );
      try {
        // Loopback and a free port: the default 0.0.0.0:2377 fails wherever another engine runs a swarm.
        const address = `127.0.0.1:${await freeLoopbackPort()}`;
        // Swarm control is not handed to a container (a manager runs any service on the engine).
        const refused = await dockerInside(
          'swarm',
          'init',
          '--listen-addr',
          address,
          '--advertise-addr',
          address,
        );
        expect(refused.stderr).toContain('may not initialise a swarm through its Docker socket');
        expect((await direct(['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim()).toBe(
          'inactive',
        );
        expectWorks(await direct(['swarm', 'init', '--listen-addr', address, '--advertise-addr', address]));
        for (const source of [ENGINE, path.dirname(ENGINE)]) {
          const service = await dockerInside(
            'service',
            'create',
            '--detach',
            '--name',
            `${P}-svc`,
            '--mount',
            `type=bind,source=${source},target=/mnt/engine`,
            CLI_IMAGE,
            'sleep',
            '600',
          );
          expect(service.code).not.toBe(0);
          expect(service.stderr).toContain('socket-warden: docker socket mount denied for swarm service');
        }
        const services = await direct(['service', 'ls', '--format', '{{.Name}}']);
        expect(services.stdout).not.toContain(P);
      } finally {
        await direct(['swarm', 'leave', '--force']);
        // Leaving keeps the docker_gwbridge network the swarm made (sometimes a moment later).
        if (!networksBefore.includes('docker_gwbridge')) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          await direct(['network', 'rm', 'docker_gwbridge']);
        }
      }
      expect((await direct(['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim()).toBe(
        'inactive',
      );
      expect((await direct(['network', 'ls', '--format', '{{.Name}}'])).stdout).toBe(networksBefore);
    },
  );
});

describe('shutdown after an upgrade the engine did not grant', () => {
  it('SIGTERM still stops the daemon (no engine connection is left behind)', async () => {
    const socket = await socketSource(curlClient);
    const answer = await rawExchange(
      socket,
      'GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(await stopWarden(8000)).toBe(0);
  });
});
