import { describe, expect, it } from 'vitest';
import type { Guard } from './guard.js';
import type { MountInfoEntry } from './mount-aliases.js';
import { exposedGuards, locateGuards } from './mount-exposure.js';

const id = { dev: 1, ino: 1 };
const socket: Guard = {
  path: '/run/docker.sock',
  kind: 'engine-socket',
  what: 'the Docker socket',
  socket: true,
  identity: id,
};
const filtered: Guard = {
  path: '/var/lib/sw/sockets',
  kind: 'filtered-sockets',
  what: 'filtered sockets',
  identity: id,
};
const dataRoot: Guard = {
  path: '/var/lib/docker',
  kind: 'engine-state',
  what: 'the data-root',
  identity: id,
};
const missing: Guard = {
  path: '/run/podman/podman.sock',
  kind: 'other-engine',
  what: 'Podman',
  socket: true,
};

// The host: / on vda, /run a tmpfs, and /mnt/run a bind of /run.
const host: MountInfoEntry[] = [
  { device: '254:0', root: '/', mountPoint: '/' },
  { device: '0:25', root: '/', mountPoint: '/run' },
  { device: '0:25', root: '/', mountPoint: '/mnt/run' },
];
const locations = locateGuards([socket, filtered, dataRoot, missing], host);

describe('locateGuards', () => {
  it('locates only existing sockets and the filtered-socket directory, on their filesystems', () => {
    expect(locations.map((l) => [l.guard.path, l.device, l.inFs])).toEqual([
      ['/run/docker.sock', '0:25', '/docker.sock'],
      ['/var/lib/sw/sockets', '254:0', '/var/lib/sw/sockets'],
    ]);
  });
});

describe('exposedGuards: what a container mount table shows', () => {
  const own = '/var/lib/sw/sockets/c1.sock';
  it.each<[string, MountInfoEntry[], string[]]>([
    [
      'its own overlay root and a project bind expose nothing',
      [
        { device: '0:90', root: '/', mountPoint: '/' },
        { device: '254:0', root: '/home/u/project', mountPoint: '/src' },
      ],
      [],
    ],
    [
      'a bind of /run (whatever the source was spelled) exposes the socket',
      [{ device: '0:25', root: '/', mountPoint: '/h' }],
      ['/run/docker.sock'],
    ],
    [
      'the socket itself',
      [{ device: '0:25', root: '/docker.sock', mountPoint: '/var/run/docker.sock' }],
      ['/run/docker.sock'],
    ],
    [
      'another tmpfs with the same path is not the socket',
      [{ device: '0:26', root: '/', mountPoint: '/h' }],
      [],
    ],
    [
      'its own filtered socket is excused',
      [{ device: '254:0', root: '/var/lib/sw/sockets/c1.sock', mountPoint: '/var/run/docker.sock' }],
      [],
    ],
    [
      "another container's filtered socket is not",
      [{ device: '254:0', root: '/var/lib/sw/sockets/c2.sock', mountPoint: '/s' }],
      ['/var/lib/sw/sockets/c2.sock'],
    ],
    [
      'the root of the host disk exposes the filtered-socket directory',
      [{ device: '254:0', root: '/', mountPoint: '/host' }],
      ['/var/lib/sw/sockets'],
    ],
  ])('%s', (_name, table, expected) => {
    const found = exposedGuards(table, locations, (e) => e.hostPath === own);
    expect(found.map((e) => e.hostPath)).toEqual(expected);
  });
});
