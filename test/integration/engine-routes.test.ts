// No way around the image list: every route from a container to the engine (or to the host's disk,
// /proc or /sys, which lead to it) that is not a bind of the socket's path, tried by a container
// whose image is not allowed, through `socket-warden serve` and the real docker CLI. Judged by
// outcome: each probe container prints REACHED when it can see what the route leads to. The same
// request straight to the engine is the control: it shows the route is real on this engine.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WardenProcess, adminSettingsJson, writeAdminFile } from './daemon-harness.js';
import { docker, isPodman, loadStack, type CliResult } from './stack.js';

const run = promisify(execFile);
const stack = loadStack();
const P = `swt-er-${randomBytes(4).toString('hex')}`;
/**
 * Has the docker CLI, and is not on the list: a local commit of the CLI image (sw-test/docker-cli itself
 * carries the allowed repository's digest, which is what the list allows).
 */
const PROBE = `swt-probe-${P}:latest`;
const ALLOWED = `${stack.registry}/library/docker:cli`;
const DENIED = 'docker socket mount denied for container with image';

let dir: string;
let warden: WardenProcess;
const volumes: string[] = [];
const containers: string[] = [];

const direct = (args: string[]): Promise<CliResult> => docker(stack.dockerHost, args);
const guarded = (args: string[]): Promise<CliResult> => docker(warden.host, args);

/** `docker run` of the probe with `args`; it prints REACHED when `check` succeeds inside. */
function probe(via: 'direct' | 'warden', args: string[], check: string, image = PROBE): Promise<CliResult> {
  const client = via === 'direct' ? direct : guarded;
  return client([
    'run',
    '--rm',
    '--network',
    'none',
    ...args,
    image,
    'sh',
    '-c',
    `if ${check}; then echo REACHED; fi`,
  ]);
}

/** The engine's socket answers a client inside: the strongest outcome there is. */
const socketAnswers = (sock: string): string => `docker -H unix://${sock} version >/dev/null 2>&1`;

async function volume(name: string, opts: string[]): Promise<string> {
  const full = `${P}-${name}`;
  const made = await direct(['volume', 'create', ...opts.flatMap((o) => ['-o', o]), full]);
  expect(made.code, made.stderr).toBe(0);
  volumes.push(full);
  return full;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), `${P}-`));
  if (isPodman()) {
    // Podman's compat commit cannot decode the CLI's request ("Decode(): EOF"): a local build instead.
    await fs.mkdir(path.join(dir, 'probe'));
    await fs.writeFile(
      path.join(dir, 'probe', 'Dockerfile'),
      `FROM sw-test/docker-cli:latest\nLABEL probe=${P}\n`,
    );
    const built = await direct(['build', '-q', '-t', PROBE, path.join(dir, 'probe')]);
    expect(built.code, built.stderr).toBe(0);
  } else {
    const base = await direct(['create', 'sw-test/docker-cli:latest', 'true']);
    expect(base.code, base.stderr).toBe(0);
    containers.push(base.stdout.trim());
    const committed = await direct(['commit', base.stdout.trim(), PROBE]);
    expect(committed.code, committed.stderr).toBe(0);
  }
  await writeAdminFile(
    WardenProcess.paths(dir).adminFile,
    adminSettingsJson({ images: [ALLOWED], commandList: { type: 'deny', commands: ['ps'] } }),
  );
  warden = await WardenProcess.start({ dir, upstream: stack.dockerSocket });
});

afterAll(async () => {
  await warden?.stop();
  if (containers.length > 0) await direct(['rm', '-f', ...containers]);
  if (volumes.length > 0) await direct(['volume', 'rm', '-f', ...volumes]);
  await direct(['rmi', '-f', PROBE]);
  await fs.rm(dir, { recursive: true, force: true });
});

interface RouteCase {
  name: string;
  /** Run arguments, given the volumes made for the case. */
  args: () => Promise<string[]>;
  check: string;
  /** What the denial must name besides the image (the field or the guarded thing). */
  names: RegExp;
  /** Engines on which the control does not reach (the engine itself refuses or lacks the feature). */
  controlFailsOn?: readonly string[];
}

const sockDir = path.dirname(stack.dockerSocket);

const cases: RouteCase[] = [
  {
    name: "a bind of the engine's containerd socket",
    args: async () =>
      stack.containerdSocket ? ['-v', `${stack.containerdSocket}:/c.sock`] : ['-v', `${sockDir}:/h`],
    check: 'test -S /c.sock -o -S /h/docker.sock',
    names: /containerd|Docker socket/,
  },
  {
    name: "a bind of the engine's exec-root",
    args: async () => ['-v', `${stack.execRoot}:/h:ro`],
    check: 'test -n "$(ls -A /h)"',
    names: /exec-root|run-root/,
  },
  {
    name: "a bind of the engine's data-root, read-only",
    args: async () => ['-v', `${stack.dataRoot}:/h:ro`],
    check: 'test -n "$(ls -A /h)"',
    names: /data-root|storage root/,
  },
  {
    name: 'a bind of the directory above the socket, spelled //x/../x/.',
    args: async () => ['-v', `/${sockDir}/../${path.basename(sockDir)}/.:/h:ro`],
    check: socketAnswers('/h/docker.sock'),
    // Podman hands the path to the kernel uncleaned: Socket Warden names the ".." there.
    names: isPodman() ? /a "\.\." in bind source/ : /contains the Docker socket/,
  },
  {
    // Resolved by the engine in its own process: /proc/self/root is its root.
    name: 'a bind through /proc/self/root',
    args: async () => ['--mount', `type=bind,src=/proc/self/root${sockDir},dst=/h,readonly`],
    check: socketAnswers('/h/docker.sock'),
    names: /\/proc|Docker socket/,
    // Podman refuses it itself: "making volume mountpoint for volume /proc/self/root/…: mkdir …: no
    // such file or directory" (it takes the source for a volume to make).
    controlFailsOn: ['podman'],
  },
  {
    name: 'a local volume of type proc (the host PID namespace)',
    args: async () => ['-v', `${await volume('proc', ['type=proc', 'device=proc'])}:/h`],
    check: 'test -r /h/1/cmdline && ! grep -q "^sh" /h/1/cmdline',
    names: /type=proc/,
  },
  {
    name: 'a local volume of type sysfs',
    args: async () => ['-v', `${await volume('sysfs', ['type=sysfs', 'device=sysfs'])}:/h`],
    check: 'test -d /h/kernel',
    names: /type=sysfs/,
  },
  {
    name: 'a local volume that binds the socket directory (o=bind)',
    args: async () => ['-v', `${await volume('bind', ['type=none', 'o=bind', `device=${sockDir}`])}:/h`],
    check: socketAnswers('/h/docker.sock'),
    names: /binds host/,
  },
  {
    name: 'an anonymous volume with inline options binding the socket directory',
    args: async () => [
      '--mount',
      `type=volume,dst=/h,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=${sockDir}`,
    ],
    check: socketAnswers('/h/docker.sock'),
    names: /anonymous volume binds host/,
    // Podman ignores VolumeOptions in the compat API: nothing is mounted there, and nothing reached.
    controlFailsOn: ['podman'],
  },
];

describe(`routes to the engine that are not a bind of the socket's path (${stack.engine})`, () => {
  it.each(cases)('$name', async ({ args, check, names, controlFailsOn }) => {
    const runArgs = await args();
    const control = await probe('direct', runArgs, check);
    if (!controlFailsOn?.includes(stack.engine))
      expect(control.stdout, `control: ${control.stderr}`).toContain('REACHED');
    const attack = await probe('warden', runArgs, check);
    expect(attack.stdout).not.toContain('REACHED');
    expect(attack.stderr).toContain(DENIED);
    expect(attack.stderr).toContain('image is not in the allowed list');
    expect(attack.stderr).toMatch(names);
  });

  it('a block device as a volume, in a spelling that is not /dev/…: the host disk is not mounted', async () => {
    const { stdout: source } = await run('findmnt', ['-no', 'SOURCE', '/']);
    const device = source.trim();
    const { stdout: fstype } = await run('findmnt', ['-no', 'FSTYPE', '/']);
    expect(device).toMatch(/^\/dev\//);
    // Read-write, as the host has it mounted: the kernel refuses a second mount with other flags.
    const name = await volume('disk', [`type=${fstype.trim()}`, `device=/${device}`]);
    const check = 'test -d /h/etc -a -d /h/usr';
    if (!isPodman()) expect((await probe('direct', ['-v', `${name}:/h`], check)).stdout).toContain('REACHED');
    const attack = await probe('warden', ['-v', `${name}:/h`], check);
    expect(attack.stdout).not.toContain('REACHED');
    expect(attack.stderr).toMatch(/host device/);
  });

  it('the host PID namespace: the denial names the route, not only the image', async () => {
    const attack = await probe('warden', ['--pid', 'host'], 'test -d /proc/1/root/etc');
    expect(attack.stdout).not.toContain('REACHED');
    expect(attack.stderr).toContain("HostConfig.PidMode (the host's PID namespace");
    expect(attack.stderr).toContain('image is not in the allowed list');
  });

  it('a hard link to the socket is the socket: denied for other images, a filtered socket for allowed ones', async () => {
    // A hard link lives on its socket's filesystem: the stack's socket has a tmpfs of its own.
    const linkDir = path.join(path.dirname(stack.dockerSocket), `${P}-links`);
    await fs.mkdir(linkDir);
    const link = path.join(linkDir, 'alias.sock');
    await fs.link(stack.dockerSocket, link);
    try {
      expect((await probe('direct', ['-v', `${link}:/s`], socketAnswers('/s'))).stdout).toContain('REACHED');
      const attack = await probe('warden', ['-v', `${link}:/s`], socketAnswers('/s'));
      expect(attack.stdout).not.toContain('REACHED');
      expect(attack.stderr).toContain('under another name');
      // The directory holding the link reaches it too, once Socket Warden has found it (or while it
      // looks: a link it has not located refuses every directory on that filesystem).
      const viaDir = await probe('warden', ['-v', `${linkDir}:/d`], socketAnswers('/d/alias.sock'));
      expect(viaDir.stdout).not.toContain('REACHED');
      expect(viaDir.stderr).toMatch(/alias\.sock|hard link/);
      // An allowed image gets its own filtered socket in the link's place: the command list applies.
      const allowed = await guarded([
        'run',
        '--rm',
        '--network',
        'none',
        '-v',
        `${link}:/var/run/docker.sock`,
        ALLOWED,
        'sh',
        '-c',
        'docker version --format "{{.Server.Version}}" && docker ps',
      ]);
      expect(allowed.stdout.trim().split('\n')[0]).toMatch(/^\d/);
      expect(allowed.stderr).toContain('is blocked');
    } finally {
      await fs.rm(linkDir, { recursive: true, force: true });
    }
  });

  it('a bind source swapped for a symlink between create and start is judged again at start', async () => {
    const work = path.join(dir, 'swap');
    await fs.mkdir(path.join(work, 'project'), { recursive: true });
    const create = await guarded([
      'create',
      '--network',
      'none',
      '-v',
      `${work}/project:/p:ro`,
      PROBE,
      'sh',
      '-c',
      `if ${socketAnswers('/p/docker.sock')}; then echo REACHED; fi`,
    ]);
    expect(create.code, create.stderr).toBe(0);
    const id = create.stdout.trim();
    containers.push(id);
    await fs.rm(path.join(work, 'project'), { recursive: true });
    await fs.symlink(sockDir, path.join(work, 'project'));
    const start = await guarded(['start', '-a', id]);
    expect(start.stdout).not.toContain('REACHED');
    expect(start.stderr).toContain('may not start');
    expect(start.stderr).toContain('contains the Docker socket');
    // The engine itself would have mounted the new target: the route was real.
    const control = await direct(['start', '-a', id]);
    expect(control.stdout).toContain('REACHED');
  });

  it('a bind of another mount of the socket directory (mount --bind) is the same directory', async () => {
    const alias = path.join(dir, 'bound');
    await fs.mkdir(alias);
    await run('mount', ['--bind', sockDir, alias]);
    try {
      const attack = await probe('warden', ['-v', `${alias}:/h:ro`], socketAnswers('/h/docker.sock'));
      expect(attack.stdout).not.toContain('REACHED');
      expect(attack.stderr).toContain(DENIED);
    } finally {
      await run('umount', [alias]);
    }
  });
});

describe.skipIf(isPodman())(
  `a swarm service gets the same judgement (${stack.engine}; Podman has no swarm)`,
  () => {
    let swarm = false;
    beforeAll(async () => {
      const info = await direct(['info', '--format', '{{.Swarm.LocalNodeState}}']);
      if (info.stdout.trim() !== 'active') {
        const port = 20000 + Math.floor(Math.random() * 20000);
        const init = await direct([
          'swarm',
          'init',
          '--advertise-addr',
          '127.0.0.1',
          '--listen-addr',
          `127.0.0.1:${port}`,
        ]);
        expect(init.code, init.stderr).toBe(0);
        swarm = true;
      }
    });
    afterAll(async () => {
      if (swarm) await direct(['swarm', 'leave', '--force']);
    });

    it.each([
      ['a bind of the socket directory', ['--mount', `type=bind,src=${sockDir},dst=/h`]],
      [
        'a volume whose inline local-driver options bind the socket directory',
        [
          '--mount',
          `type=volume,dst=/h,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=${sockDir}`,
        ],
      ],
      [
        'a Go template that swarm expands on the node',
        ['--mount', `type=bind,src=${sockDir}{{.Task.Slot}},dst=/s`],
      ],
    ])('%s: refused, and no service exists', async (_name, mount) => {
      const name = `${P}-svc-${randomBytes(2).toString('hex')}`;
      const created = await guarded([
        'service',
        'create',
        '--detach',
        '--name',
        name,
        ...mount,
        PROBE,
        'sleep',
        '60',
      ]);
      expect(created.code).not.toBe(0);
      expect(created.stderr).toMatch(/socket mount denied for swarm service|Go template in a mount/);
      const listed = await direct(['service', 'ls', '--filter', `name=${name}`, '--format', '{{.Name}}']);
      expect(listed.stdout).not.toContain(name);
    });
  },
);

describe(`a volume that would reach the engine is refused when it is made (${stack.engine})`, () => {
  it.each<[string, () => string[]]>([
    ['a bind of the socket directory', () => ['type=none', 'o=bind', `device=${sockDir}`]],
    ['the host /proc', () => ['type=proc', 'device=proc']],
    ['a block device', () => ['type=ext4', 'device=//dev/vda']],
  ])('%s: refused, and no volume exists', async (_what, opts) => {
    const name = `${P}-made-${randomBytes(2).toString('hex')}`;
    const made = await guarded(['volume', 'create', ...opts().flatMap((o) => ['-o', o]), name]);
    expect(made.stderr).toContain(`volume "${name}" refused`);
    expect((await direct(['volume', 'inspect', name])).code).not.toBe(0);
  });

  it('a plain volume, and a tmpfs one, are made as asked', async () => {
    // Podman reads a local volume's size option as a quota ("Filesystem does not support Project
    // Quota"): its tmpfs volume has no size.
    const tmpfs = ['type=tmpfs', 'device=tmpfs', ...(isPodman() ? [] : ['o=size=1m'])];
    for (const opts of [[], tmpfs]) {
      const name = `${P}-plain-${randomBytes(2).toString('hex')}`;
      volumes.push(name);
      const made = await guarded(['volume', 'create', ...opts.flatMap((o) => ['-o', o]), name]);
      expect(made.code, made.stderr).toBe(0);
    }
  });
});
