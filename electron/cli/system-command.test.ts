// `socket-warden system` under --root: install, status and uninstall act on a directory laid out like a
// stock bookworm host, and uninstall leaves it exactly as it was (the systemd-backed run of the same
// commands is test/integration/managed-mode.test.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runSystemCommand } from './system-command.js';

const DOCKER_SOCKET = `[Unit]
Description=Docker Socket for the API

[Socket]
ListenStream=/run/docker.sock
SocketMode=0660
SocketUser=root
SocketGroup=docker

[Install]
WantedBy=sockets.target
`;
const DOCKER_SERVICE = `[Unit]
Description=Docker Application Container Engine
Requires=docker.socket

[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS
`;

let root: string;
let output: string;

async function put(hostPath: string, content: string, mode = 0o644): Promise<void> {
  const file = path.join(root, hostPath);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  await fs.chmod(file, mode);
}

/** Every path under root with its type, mode and content: what "exactly as it was" compares. */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const stat = await fs.lstat(full);
    const mode = (stat.mode & 0o7777).toString(8);
    out[path.relative(root, full)] = entry.isFile()
      ? `file ${mode} ${stat.uid}:${stat.gid} ${await fs.readFile(full, 'utf8')}`
      : `${entry.isDirectory() ? 'dir' : 'other'} ${mode}`;
  }
  return out;
}

async function system(...args: string[]): Promise<number> {
  output = '';
  return runSystemCommand([...args, '--root', root]);
}

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'swt-system-'));
  await put('/lib/systemd/system/docker.socket', DOCKER_SOCKET);
  await put('/lib/systemd/system/docker.service', DOCKER_SERVICE);
  await put('/etc/default/docker', '# DOCKER_OPTS="--dns 8.8.8.8"\n');
  await put('/etc/group', 'root:x:0:\ndocker:x:102:dev\n');
  await put('/proc/1/comm', 'systemd\n');
  await put('/usr/bin/socket-warden', '#!/bin/sh\n', 0o755);
  await fs.mkdir(path.join(root, 'var/lib'), { recursive: true });
  // The admin's own drop-in for docker.socket: not ours to touch.
  await put('/etc/systemd/system/docker.socket.d/group.conf', '[Socket]\nSocketGroup=docker\n');
  const write = (chunk: unknown): boolean => ((output += String(chunk) + '\n'), true);
  vi.spyOn(console, 'log').mockImplementation(write);
  vi.spyOn(console, 'error').mockImplementation(write);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.rm(root, { recursive: true, force: true });
});

describe('socket-warden system --root', () => {
  it('install writes the units, the drop-in and the default policy; uninstall puts everything back', async () => {
    const before = await snapshot();
    expect(await system('install')).toBe(0);
    const dropIn = await fs.readFile(
      path.join(root, 'etc/systemd/system/docker.socket.d/socket-warden.conf'),
      'utf8',
    );
    expect(dropIn).toContain('ListenStream=\nListenStream=/run/socket-warden/engine.sock\n');
    expect(await fs.readFile(path.join(root, 'etc/systemd/system/socket-warden.socket'), 'utf8')).toContain(
      'ListenStream=/run/docker.sock',
    );
    const policy = JSON.parse(
      await fs.readFile(path.join(root, 'etc/socket-warden/admin-settings.json'), 'utf8'),
    );
    expect(policy.enhancedContainerIsolation).toMatchObject({ value: true, locked: true });
    expect(policy.enhancedContainerIsolation.dockerSocketMount.imageList.images).toEqual([]);
    expect(output).toContain('skipped (no systemctl)');

    expect(await system('status')).toBe(0);
    expect(output).toContain(`listens on /run/socket-warden/engine.sock only`);

    expect(await system('uninstall')).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it('uninstall restores a file install replaced, byte for byte, with its mode', async () => {
    await put('/etc/systemd/system/socket-warden.socket', '# hand-made, long ago\n', 0o600);
    const before = await snapshot();
    expect(await system('install')).toBe(0);
    expect(await system('install')).toBe(0);
    expect(await system('uninstall')).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it('keeps the policy when the admin changed it after install', async () => {
    expect(await system('install')).toBe(0);
    await put('/etc/socket-warden/admin-settings.json', '{"configurationFileVersion": 2}\n');
    expect(await system('uninstall')).toBe(0);
    expect(output).toContain('kept: changed since install');
    expect(await fs.readFile(path.join(root, 'etc/socket-warden/admin-settings.json'), 'utf8')).toBe(
      '{"configurationFileVersion": 2}\n',
    );
  });

  it.each([
    [
      'hosts in daemon.json',
      '/etc/docker/daemon.json',
      '{"hosts": ["unix:///var/run/docker.sock"]}',
      'sets "hosts"',
    ],
    [
      'a TCP listener in DOCKER_OPTS',
      '/etc/default/docker',
      'DOCKER_OPTS="-H tcp://0.0.0.0:2375"\n',
      'listens on TCP',
    ],
    ['no systemd', '/proc/1/comm', 'init\n', 'not systemd'],
  ])('refuses, changing nothing: %s', async (_name, file, content, message) => {
    await put(file, content);
    const before = await snapshot();
    expect(await system('install')).toBe(1);
    expect(output).toContain(message);
    expect(output).toContain('Not installing');
    expect(await snapshot()).toEqual(before);
  });

  it('status says loudly when the drop-in is gone (a Docker package upgrade)', async () => {
    expect(await system('install')).toBe(0);
    await fs.rm(path.join(root, 'etc/systemd/system/docker.socket.d/socket-warden.conf'));
    expect(await system('status')).toBe(1);
    expect(output).toContain('MANAGED MODE DOES NOT HOLD');
    expect(output).toContain('docker.socket listens on /run/docker.sock again');

    expect(await system('status', '--json')).toBe(1);
    const status = JSON.parse(output);
    expect(status).toMatchObject({ installed: true, healthy: false });
    expect(status.units['docker.socket'].listen).toEqual(['/run/docker.sock']);
  });

  it('status when not installed: exit 3', async () => {
    expect(await system('status')).toBe(3);
    expect(output).toContain('not installed');
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const before = await snapshot();
    expect(await system('install', '--dry-run')).toBe(0);
    expect(output).toContain('systemctl restart docker.socket docker.service');
    expect(await snapshot()).toEqual(before);
  });

  it('uninstall with nothing installed does nothing', async () => {
    const before = await snapshot();
    expect(await system('uninstall')).toBe(0);
    expect(output).toContain('Nothing to undo');
    expect(await snapshot()).toEqual(before);
  });
});
