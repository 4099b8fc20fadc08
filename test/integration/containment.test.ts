// Containment through a filtered socket: a container allowed the socket gets no more of the host than
// it has itself. Each attack runs from inside an allowed docker:cli container (`parent`, with one host
// directory read-write and one read-only) through its filtered socket, with the real CLI; each is
// judged by outcome: the child (or exec) writes a marker into the parent's shared host directory only
// when the power it asked for works, and the same request straight to the engine is the control that
// shows it would have. What real tools do through their socket keeps working.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WardenProcess, adminSettingsJson, writeAdminFile, type AdminEci } from './daemon-harness.js';
import { docker, isPodman, loadStack, usesContainerdImageStore, type CliResult } from './stack.js';

const stack = loadStack();
const P = `swt-ct-${randomBytes(4).toString('hex')}`;
const CLI_IMAGE = `${stack.registry}/library/docker:cli`;
const BUSYBOX = 'sw-test/busybox:latest';
const POLICY: AdminEci = { images: [CLI_IMAGE] };

let dir: string;
/** Whether this machine lets the engine grant every capability (here it lacks CAP_SYS_RESOURCE). */
let machineGrantsPrivileged = false;
/**
 * Every capability the engine holds (its bounding set, as /proc shows it: `000001fffeffffff` where the
 * machine withholds CAP_SYS_RESOURCE): what a privileged container gets, and no ordinary one has.
 */
const ENGINE_CAPS = /^CapBnd:\s*([0-9a-f]+)$/m.exec(
  readFileSync(`/proc/${stack.enginePid}/status`, 'utf8'),
)?.[1];
if (!ENGINE_CAPS) throw new Error(`no CapBnd in /proc/${stack.enginePid}/status`);
let shared: string;
let readOnly: string;
let outside: string;
let warden: WardenProcess;
const parent = `${P}-parent`;
const holder = `${P}-holder`;
const cleanup: string[] = [];

const direct = (args: string[]): Promise<CliResult> => docker(stack.dockerHost, args);
/** The docker CLI inside the parent, on its filtered socket (the exec itself goes straight to the engine). */
const inside = (...args: string[]): Promise<CliResult> =>
  direct(['exec', '-e', 'DOCKER_BUILDKIT=0', parent, 'docker', ...args]);

let counter = 0;
/** A marker path: `host` on this machine, `child` as the parent's children see it at /shared. */
function marker(): { host: string; child: string } {
  const name = `m${counter++}`;
  return { host: path.join(shared, name), child: `/shared/${name}` };
}

/**
 * Runs a busybox child with `args` that writes a marker when `check` passes: through the parent's
 * filtered socket, then (unless `control` is false) straight to the engine as the control.
 */
async function attempt(
  args: string[],
  check: string,
  control = true,
): Promise<{ attack: CliResult; reached: boolean; controlReached: boolean | undefined }> {
  const m = marker();
  const script = `if ${check}; then echo reached > ${m.child}; fi`;
  const childArgs = [
    'run',
    '--rm',
    '--network',
    'none',
    '-v',
    `${shared}:/shared`,
    ...args,
    BUSYBOX,
    'sh',
    '-c',
    script,
  ];
  const attack = await inside(...childArgs);
  const reached = existsSync(m.host);
  let controlReached: boolean | undefined;
  if (control) {
    const c = marker();
    await direct(
      childArgs
        .map((a) => a.replace(m.child, c.child))
        .map((a) => (a === script ? script.replace(m.child, c.child) : a)),
    );
    controlReached = existsSync(c.host);
  }
  return { attack, reached, controlReached };
}

const CONTAINED = 'through its Docker socket: a container gets no more of the host than it has itself';

/** `-v` options that bind a dynamically linked binary's loader and libraries into a busybox image. */
async function libraryBinds(binary: string): Promise<string[]> {
  const { execFile } = await import('node:child_process');
  const out = await new Promise<string>((resolve) =>
    execFile('ldd', [binary], (_e, stdout) => resolve(stdout)),
  );
  return [...out.matchAll(/(\/[^\s)]+)/g)].flatMap((m) => ['-v', `${m[1]}:${m[1]}:ro`]);
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), `${P}-`));
  [shared, readOnly, outside] = [path.join(dir, 'shared'), path.join(dir, 'ro'), path.join(dir, 'outside')];
  for (const d of [shared, readOnly, outside]) await fs.mkdir(d, { recursive: true, mode: 0o777 });
  await fs.writeFile(path.join(readOnly, 'data'), 'read-only data\n');
  await writeAdminFile(WardenProcess.paths(dir).adminFile, adminSettingsJson(POLICY));
  warden = await WardenProcess.start({ dir, upstream: stack.dockerSocket });
  machineGrantsPrivileged =
    (await direct(['run', '--rm', '--network', 'none', '--privileged', BUSYBOX, 'true'])).code === 0;
  // buildx from Debian is linked against glibc: its loader and libc, for the BuildKit cases.
  const libs = await libraryBinds(path.join(stack.dockerConfig, 'cli-plugins', 'docker-buildx'));
  const started = await docker(warden.host, [
    'run',
    '-d',
    '--name',
    parent,
    '--network',
    'none',
    '-v',
    '/var/run/docker.sock:/var/run/docker.sock',
    '-v',
    `${shared}:/shared`,
    '-v',
    `${readOnly}:/ro:ro`,
    // buildx, for the BuildKit cases: the stack's plugin, in a DOCKER_CONFIG the parent can write.
    '-v',
    `${path.join(stack.dockerConfig, 'cli-plugins', 'docker-buildx')}:/root/.docker/cli-plugins/docker-buildx:ro`,
    ...libs,
    CLI_IMAGE,
    'sleep',
    '3600',
  ]);
  expect(started.code, started.stderr).toBe(0);
  // A container that holds the engine's real socket, made straight on the engine (as an admin might).
  const held = await direct([
    'run',
    '-d',
    '--name',
    holder,
    '--network',
    'none',
    '-v',
    `${stack.dockerSocket}:/var/run/docker.sock`,
    CLI_IMAGE,
    'sleep',
    '3600',
  ]);
  expect(held.code, held.stderr).toBe(0);
});

afterAll(async () => {
  await direct(['rm', '-f', parent, holder, ...cleanup]);
  await warden?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe(`a container gets no more of the host than it has (${stack.engine})`, () => {
  it('binding a host directory it does not have (host /etc) is refused; nothing is written there', async () => {
    const name = `sw-${P}-etc`;
    const result = await inside(
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      '/etc:/x',
      BUSYBOX,
      'touch',
      `/x/${name}`,
    );
    // /etc holds the engine's configuration: a route to the engine, refused whoever asks.
    expect(result.stderr).toMatch(/host path \/etc|contains the Docker Engine's configuration \/etc\/docker/);
    expect(existsSync(`/etc/${name}`)).toBe(false);
  });

  it('binding a host directory outside its own is refused; the control writes there', async () => {
    const result = await attempt(['-v', `${outside}:/o`], `touch /o/x-${counter}`);
    expect(result.attack.stderr).toContain(`host path ${outside}`);
    expect(result.controlReached).toBe(true);
    expect(result.reached).toBe(false);
  });

  it('a LocalStack-style child binds a directory inside its parent’s own, read-write', async () => {
    await fs.mkdir(path.join(shared, 'sub'), { recursive: true, mode: 0o777 });
    const result = await inside(
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${shared}/sub:/sub`,
      BUSYBOX,
      'sh',
      '-c',
      'echo nested > /sub/out',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(await fs.readFile(path.join(shared, 'sub', 'out'), 'utf8')).toBe('nested\n');
  });

  it('a directory its parent has read-only: read-only is allowed, read-write is refused', async () => {
    const ro = await inside(
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${readOnly}:/r:ro`,
      BUSYBOX,
      'cat',
      '/r/data',
    );
    expect(ro.stdout).toBe('read-only data\n');
    const rw = await inside(
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${readOnly}:/r`,
      BUSYBOX,
      'touch',
      '/r/written',
    );
    expect(rw.stderr).toContain('read-write, where only read-only is allowed');
    expect(existsSync(path.join(readOnly, 'written'))).toBe(false);
  });

  // Each power: refused through the filtered socket, while the engine itself grants it (the control).
  it.each<[string, string[], string, readonly string[]]>([
    [
      'privileged mode',
      ['--privileged'],
      `grep -q "^CapEff:[[:space:]]*${ENGINE_CAPS}$" /proc/self/status`,
      ['no-privileged-here'],
    ],
    [
      'systempaths=unconfined (/proc/sys writable)',
      ['--security-opt', 'systempaths=unconfined'],
      'test -w /proc/sys/kernel/core_pattern',
      ['podman'],
    ],
    [
      'a capability beyond the defaults (SYS_TIME)',
      ['--cap-add', 'SYS_TIME'],
      'grep -q "^CapEff:.*[2367abef]......$" /proc/self/status',
      [],
    ],
    ["the host's UTS namespace", ['--uts', 'host'], `test "$(hostname)" = "${os.hostname()}"`, []],
    ["the host's IPC namespace (/dev/shm)", ['--ipc', 'host'], `test -e /dev/shm/${P}-shm`, []],
    [
      'seccomp unconfined',
      ['--security-opt', 'seccomp=unconfined'],
      'grep -q "^Seccomp:.*0" /proc/self/status',
      [],
    ],
  ])('%s', async (_what, args, check, controlFailsOn) => {
    await fs.writeFile(`/dev/shm/${P}-shm`, 'host shared memory');
    try {
      const result = await attempt(args, check);
      expect(result.attack.stderr).toContain(CONTAINED);
      expect(result.reached).toBe(false);
      const controlFails =
        controlFailsOn.includes(stack.engine) ||
        (controlFailsOn.includes('no-privileged-here') && !machineGrantsPrivileged);
      if (!controlFails) expect(result.controlReached).toBe(true);
    } finally {
      await fs.rm(`/dev/shm/${P}-shm`, { force: true });
    }
  });

  it("the host's network (its loopback services) is refused: the host listener sees nobody", async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const result = await inside(
        'run',
        '--rm',
        '--network',
        'host',
        BUSYBOX,
        'sh',
        '-c',
        `echo hi | nc -w 2 127.0.0.1 ${port}`,
      );
      expect(result.stderr).toContain("the host's network namespace");
      expect(connections).toBe(0);
      await direct([
        'run',
        '--rm',
        '--network',
        'host',
        BUSYBOX,
        'sh',
        '-c',
        `echo hi | nc -w 2 127.0.0.1 ${port}`,
      ]);
      expect(connections).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });

  it('a local volume of type sysfs (the host’s /sys) is refused when it is made, and when a child mounts one', async () => {
    const name = `${P}-sysfs`;
    cleanup.push(name);
    const made = await inside('volume', 'create', '-o', 'type=sysfs', '-o', 'device=sysfs', name);
    expect(made.stderr).toContain(`volume "${name}" refused`);
    expect((await direct(['volume', 'inspect', name])).code).not.toBe(0);
    // One made on the host (straight to the engine) is still refused to a child.
    expect((await direct(['volume', 'create', '-o', 'type=sysfs', '-o', 'device=sysfs', name])).code).toBe(0);
    const result = await attempt(['-v', `${name}:/h`], 'test -d /h/kernel', false);
    expect(result.attack.stderr).toMatch(/type=sysfs/);
    expect(result.reached).toBe(false);
    await direct(['volume', 'rm', '-f', name]);
  });

  it('exec --privileged is refused; the control exec gets every capability', async () => {
    const child = `${P}-child`;
    const made = await inside('run', '-d', '--name', child, '--network', 'none', BUSYBOX, 'sleep', '600');
    expect(made.code, made.stderr).toBe(0);
    cleanup.push(child);
    const attack = await inside('exec', '--privileged', child, 'grep', 'CapEff', '/proc/self/status');
    expect(attack.stderr).toContain('privileged mode (every capability)');
    expect(attack.stdout).toBe('');
    if (machineGrantsPrivileged) {
      const control = await direct(['exec', '--privileged', child, 'grep', 'CapEff', '/proc/self/status']);
      expect(control.stdout).toMatch(new RegExp(`^CapEff:\\s+${ENGINE_CAPS}$`, 'm'));
    }
    // Its own child, made within the rules, it may exec into.
    const own = await inside('exec', child, 'echo', 'own child');
    expect(own.stdout).toBe('own child\n');
    // And copy into it: docker cp into a container it made.
    await fs.writeFile(path.join(shared, 'to-copy'), 'copied\n');
    const cp = await inside('cp', '/shared/to-copy', `${child}:/tmp/copied`);
    expect(cp.code, cp.stderr).toBe(0);
    expect((await direct(['exec', child, 'cat', '/tmp/copied'])).stdout).toBe('copied\n');
  });

  it('exec into, copy from and export a container that holds the real socket are refused', async () => {
    const exec = await inside('exec', holder, 'docker', '-H', 'unix:///var/run/docker.sock', 'ps', '-q');
    expect(exec.stderr).toContain(`may not exec into container ${holder}`);
    expect(exec.stdout).toBe('');
    const cp = await inside('cp', `${holder}:/etc/hostname`, '/tmp/stolen');
    expect(cp.stderr).toContain(`may not copy files of container ${holder}`);
    const exported = await inside('export', '-o', '/tmp/holder.tar', holder);
    expect(exported.stderr).toContain(`may not export container ${holder}`);
    // An ID prefix resolves to the same container, as the engine resolves it.
    const id = (await direct(['inspect', '--format', '{{.Id}}', holder])).stdout.trim();
    const byPrefix = await inside('exec', id.slice(0, 8), 'true');
    expect(byPrefix.stderr).toContain('may not exec into container');
  });

  it('Testcontainers’ Ryuk: list by label and remove the host’s containers', async () => {
    const label = `org.testcontainers.sessionId=${P}`;
    for (let i = 0; i < 2; i++)
      expect(
        (await direct(['run', '-d', '--label', label, '--network', 'none', BUSYBOX, 'sleep', '600'])).code,
      ).toBe(0);
    const listed = await inside('ps', '-aq', '--filter', `label=${label}`);
    const ids = listed.stdout.trim().split('\n').filter(Boolean);
    expect(ids).toHaveLength(2);
    const removed = await inside('rm', '-f', ...ids);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await direct(['ps', '-aq', '--filter', `label=${label}`])).stdout.trim()).toBe('');
  });

  it('volumes and networks, and a legacy build when build is allowed', async () => {
    const volume = `${P}-vol`;
    expect((await inside('volume', 'create', volume)).code).toBe(0);
    expect(
      (
        await inside(
          'run',
          '--rm',
          '--network',
          'none',
          '-v',
          `${volume}:/v`,
          BUSYBOX,
          'sh',
          '-c',
          'echo v > /v/f',
        )
      ).code,
    ).toBe(0);
    expect((await inside('volume', 'rm', volume)).code).toBe(0);
    // Podman on this stack has no user networks (its CNI backend has no plugins, as the Docker engines
    // here have no bridge): a network it makes is dropped as unusable, so none is made there.
    if (!isPodman()) {
      const network = `${P}-net`;
      const made = await inside('network', 'create', '--internal', network);
      expect(made.code, made.stderr).toBe(0);
      expect((await inside('network', 'rm', network)).code).toBe(0);
    }
    await fs.writeFile(path.join(shared, 'Dockerfile'), `FROM ${BUSYBOX}\nLABEL built-by=${P}\n`);
    const tag = `${P}-built:1`;
    cleanup.push(tag);
    const built = await inside('build', '-q', '-t', tag, '/shared');
    expect(built.code, built.stderr).toBe(0);
    expect(
      (
        await direct(['image', 'inspect', '--format', '{{index .Config.Labels "built-by"}}', tag])
      ).stdout.trim(),
    ).toBe(P);
    await direct(['rmi', '-f', tag]);
  });
});

describe.skipIf(isPodman())(`swarm control and services (${stack.engine}; Podman has no swarm)`, () => {
  let initialised = false;
  beforeAll(async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const init = await direct([
      'swarm',
      'init',
      '--advertise-addr',
      '127.0.0.1',
      '--listen-addr',
      `127.0.0.1:${port}`,
    ]);
    initialised = init.code === 0;
    expect(init.code, init.stderr).toBe(0);
  });
  afterAll(async () => {
    if (initialised) await direct(['swarm', 'leave', '--force']);
  });

  it('join tokens are not handed out; swarm update and leave are refused', async () => {
    const token = await inside('swarm', 'join-token', '-q', 'manager');
    expect(token.stdout).not.toContain('SWMTKN');
    expect(token.stderr).toContain('read the swarm join tokens');
    expect((await inside('swarm', 'update', '--autolock')).stderr).toContain('through its Docker socket');
    const state = await direct(['info', '--format', '{{.Swarm.LocalNodeState}}']);
    expect(state.stdout.trim()).toBe('active');
  });

  it.each<[string, () => string[]]>([
    ['an added capability', () => ['--cap-add', 'SYS_ADMIN']],
    ['the host network', () => ['--network', 'host']],
    ['a host path it does not have', () => ['--mount', `type=bind,src=${outside},dst=/o`]],
  ])('a service with %s is refused, and none exists', async (_what, args) => {
    const name = `${P}-svc-${counter++}`;
    const result = await inside(
      'service',
      'create',
      '--detach',
      '--name',
      name,
      ...args(),
      BUSYBOX,
      'sleep',
      '60',
    );
    expect(result.stderr).toContain('create a service');
    expect((await direct(['service', 'ls', '-q', '--filter', `name=${name}`])).stdout.trim()).toBe('');
  });
});

describe.skipIf(isPodman())(
  `BuildKit through /session and /grpc (${stack.engine}; Podman serves neither)`,
  () => {
    afterAll(async () => {
      await warden.setPolicy(POLICY);
    });

    it('with build denied, buildx build through the filtered socket builds nothing', async () => {
      await warden.setPolicy({ ...POLICY, commandList: { type: 'deny', commands: ['build'] } });
      await fs.writeFile(path.join(shared, 'Dockerfile'), `FROM ${BUSYBOX}\nLABEL built-by=${P}-bk\n`);
      const tag = `${P}-bk:1`;
      const result = await direct([
        'exec',
        parent,
        'docker',
        'buildx',
        'build',
        '--progress',
        'plain',
        '--load',
        '--network',
        'none',
        '-t',
        tag,
        '/shared',
      ]);
      expect(result.code).not.toBe(0);
      expect((await direct(['image', 'inspect', tag])).code).not.toBe(0);
      // buildx says only that it cannot boot a builder; the history says why.
      const blocked = (await warden.history()).filter(
        (e) => e.kind === 'command-blocked' && /\/(grpc|session)/.test(e.request.uri),
      );
      expect(blocked.length).toBeGreaterThan(0);
    });

    it.skipIf(!usesContainerdImageStore())(
      'with push denied, buildx build --push pushes nothing (containerd image store)',
      async () => {
        await warden.setPolicy({ ...POLICY, commandList: { type: 'deny', commands: ['push'] } });
        await fs.writeFile(path.join(shared, 'Dockerfile'), `FROM ${BUSYBOX}\nLABEL built-by=${P}-push\n`);
        const repo = `${stack.registry}/${P}/pushed`;
        const result = await direct([
          'exec',
          parent,
          'docker',
          'buildx',
          'build',
          '--progress',
          'plain',
          '--push',
          '-t',
          `${repo}:1`,
          '/shared',
        ]);
        expect(result.code).not.toBe(0);
        const tags = await fetch(`http://${stack.registry}/v2/${P}/pushed/tags/list`);
        expect(tags.status).toBe(404);
      },
    );
  },
);
