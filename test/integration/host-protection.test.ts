// Managed mode's host protection and report-only roll-out (docs/managed-mode.md), through
// `socket-warden serve --managed` and the real CLI on the host's (main) socket: the host's users get the
// same containment a container's filtered socket has, with the admin's bindable directories and images
// exempted by digest; report-only forwards what would be denied and records it. Judged by outcome:
// what the container could see or write on the host.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WardenProcess,
  adminSettingsJson,
  waitFor,
  writeAdminFile,
  type AdminEci,
} from './daemon-harness.js';
import { docker, isPodman, loadStack, type CliResult } from './stack.js';

const stack = loadStack();
const P = `swt-hp-${randomBytes(4).toString('hex')}`;
const BUSYBOX = 'sw-test/busybox:latest';
const REGISTRY_BUSYBOX = `${stack.registry}/library/busybox:latest`;

let dir: string;
let bindable: string;
let outside: string;
let warden: WardenProcess;

const direct = (args: string[]): Promise<CliResult> => docker(stack.dockerHost, args);
const user = (args: string[]): Promise<CliResult> => docker(warden.host, args);
const run = (args: string[], command: string): Promise<CliResult> =>
  user(['run', '--rm', '--network', 'none', ...args, BUSYBOX, 'sh', '-c', command]);

function policy(socketWarden: Record<string, unknown>): AdminEci {
  return { images: [], socketWarden };
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), `${P}-`));
  bindable = path.join(dir, 'projects');
  outside = path.join(dir, 'elsewhere');
  await fs.mkdir(bindable, { mode: 0o777 });
  await fs.mkdir(outside, { mode: 0o777 });
  await writeAdminFile(
    WardenProcess.paths(dir).adminFile,
    adminSettingsJson(policy({ hostProtection: { bindablePaths: [bindable] } })),
  );
  warden = await WardenProcess.start({ dir, upstream: stack.dockerSocket, managed: true });
});

afterAll(async () => {
  await warden?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe(`managed mode: the host's users are held to Docker's defaults and the bindable paths (${stack.engine})`, () => {
  it('a directory the admin lists may be bound read-write; the file lands on the host', async () => {
    const result = await run(['-v', `${bindable}:/p`], 'echo made > /p/out');
    expect(result.code, result.stderr).toBe(0);
    expect(await fs.readFile(path.join(bindable, 'out'), 'utf8')).toBe('made\n');
  });

  it('a directory it does not list is refused; nothing is written there (the engine itself would)', async () => {
    const result = await run(['-v', `${outside}:/o`], 'touch /o/written');
    expect(result.stderr).toContain("this host's Docker Engine is managed by Socket Warden");
    expect(result.stderr).toContain(`host path ${outside}`);
    expect(existsSync(path.join(outside, 'written'))).toBe(false);
    expect(
      (
        await direct([
          'run',
          '--rm',
          '--network',
          'none',
          '-v',
          `${outside}:/o`,
          BUSYBOX,
          'touch',
          '/o/written',
        ])
      ).code,
    ).toBe(0);
    expect(existsSync(path.join(outside, 'written'))).toBe(true);
  });

  it.each<[string, string[], string]>([
    ['privileged mode', ['--privileged'], 'privileged mode'],
    ['the host PID namespace', ['--pid', 'host'], "the host's PID namespace"],
    ['a capability beyond the defaults', ['--cap-add', 'SYS_ADMIN'], 'capability SYS_ADMIN'],
    ['systempaths=unconfined', ['--security-opt', 'systempaths=unconfined'], 'fewer masked paths'],
  ])('%s is refused, and recorded as host protection', async (_what, args, words) => {
    const result = await run(args, 'true');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(words);
    expect(result.stderr).toContain('socketWarden.hostProtection');
  });

  it('an image exempted by digest may have what others may not', async () => {
    const digest = (
      await direct(['image', 'inspect', '--format', '{{index .RepoDigests 0}}', REGISTRY_BUSYBOX])
    ).stdout.trim();
    expect(digest).toContain('@sha256:');
    await warden.setPolicy(policy({ hostProtection: { bindablePaths: [bindable], exemptImages: [digest] } }));
    const exempt = await user([
      'run',
      '--rm',
      '--network',
      'none',
      '--cap-add',
      'SYS_TIME',
      REGISTRY_BUSYBOX,
      'true',
    ]);
    expect(exempt.stderr).not.toContain('socket-warden');
    expect(exempt.code, exempt.stderr).toBe(0);
    // The same image under another name is the same digest; a different image is not exempt.
    const other = await user([
      'run',
      '--rm',
      '--network',
      'none',
      '--cap-add',
      'SYS_TIME',
      `${stack.registry}/library/docker:cli`,
      'true',
    ]);
    expect(other.stderr).toContain('capability SYS_TIME');
  });

  it('exec into a container that holds more (host paths it does not have) is refused', async () => {
    await warden.setPolicy(policy({ hostProtection: { bindablePaths: [bindable] } }));
    const name = `${P}-outside`;
    expect(
      (
        await direct([
          'run',
          '-d',
          '--name',
          name,
          '--network',
          'none',
          '-v',
          `${outside}:/o`,
          BUSYBOX,
          'sleep',
          '300',
        ])
      ).code,
    ).toBe(0);
    try {
      const exec = await user(['exec', name, 'touch', '/o/via-exec']);
      expect(exec.stderr).toContain(`may not exec into container ${name}`);
      expect(existsSync(path.join(outside, 'via-exec'))).toBe(false);
    } finally {
      await direct(['rm', '-f', name]);
    }
  });

  it('report-only forwards what would be denied, and records it as "would deny"', async () => {
    await warden.setPolicy(
      policy({ enforcement: 'report-only', hostProtection: { bindablePaths: [bindable] } }),
    );
    const before = (await warden.history()).length;
    const result = await run(['-v', `${outside}:/o`], 'echo reported > /o/report-only');
    expect(result.code, result.stderr).toBe(0);
    expect(await fs.readFile(path.join(outside, 'report-only'), 'utf8')).toBe('reported\n');
    await waitFor(async () => (await warden.history()).length > before, 10_000, 'a would-deny entry');
    const entry = (await warden.history()).find((e) => e.outcome === 'would-deny');
    expect(entry?.message).toMatch(/^would deny: /);
    expect(entry?.message).toContain(`host path ${outside}`);
  });

  it('host protection turned off by the admin: the host may bind anything again', async () => {
    await warden.setPolicy(policy({ hostProtection: { enabled: false } }));
    const result = await run(['-v', `${outside}:/o`], 'true');
    expect(result.code, result.stderr).toBe(0);
  });
});

describe(`managed mode: what the engine starts by itself is checked by outcome (${stack.engine})`, () => {
  it('a bind source swapped for a symlink, then restarted by its restart policy, is stopped before it reaches the socket', async () => {
    await warden.setPolicy(policy({ hostProtection: { bindablePaths: [bindable] } }));
    const project = path.join(bindable, 'swapped');
    await fs.mkdir(project);
    const name = `${P}-restarting`;
    // Exits at once the first time; on each later start waits, then reports whether it reached the engine.
    const script = `if [ -e /p/docker.sock ]; then sleep 3; docker -H unix:///p/docker.sock version >/dev/null 2>&1 && echo REACHED; fi; sleep 1`;
    const made = await user([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'none',
      '--restart',
      'always',
      '-v',
      `${project}:/p`,
      `${stack.registry}/library/docker:cli`,
      'sh',
      '-c',
      script,
    ]);
    try {
      expect(made.code, made.stderr).toBe(0);
      await fs.rm(project, { recursive: true });
      await fs.symlink(path.dirname(stack.dockerSocket), project);
      // The engine restarts it on its own; Socket Warden stops it and says so.
      await waitFor(
        async () => (await warden.history()).some((e) => e.message.includes(`stopped container ${name}`)),
        30_000,
        'the mount check to stop the restarted container',
      );
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const logs = await direct(['logs', name]);
      expect(logs.stdout).not.toContain('REACHED');
      const state = await direct([
        'inspect',
        '--format',
        '{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}',
        name,
      ]);
      // Stopped, and not restarted by its policy: on Docker the policy is cleared first. Podman 4.3 has no
      // API that changes a restart policy (its Docker-API update is 404), so there it stays `always`; its
      // kill marks the container stopped by its user, which the policy does not undo (4 s above).
      expect(state.stdout.trim()).toBe(isPodman() ? 'false always' : 'false no');
    } finally {
      await direct(['rm', '-f', name]);
      await fs.rm(project, { force: true, recursive: true });
    }
  });
});
