import { describe, expect, it } from 'vitest';
import { describeHit, guardsReached, type Guard, type GuardRelation } from './guard.js';
import type { ResolvedHostPath } from './file-identity.js';

// / is (8,2); /run is a tmpfs (25,1) holding the socket (25,100); /var/lib/docker is (8,50).
const SOCKET: Guard = {
  path: '/run/docker.sock',
  kind: 'engine-socket',
  what: 'the Docker socket',
  identity: { dev: 25, ino: 100 },
  ancestors: [
    { dev: 25, ino: 1 },
    { dev: 8, ino: 2 },
  ],
  socket: true,
};
const DATA_ROOT: Guard = {
  path: '/var/lib/docker',
  kind: 'engine-state',
  what: "the engine's data-root",
  identity: { dev: 8, ino: 50 },
  ancestors: [
    { dev: 8, ino: 40 },
    { dev: 8, ino: 30 },
    { dev: 8, ino: 2 },
  ],
};
/** Not there yet: guarded as spelled, by path only. */
const PODMAN: Guard = { path: '/run/podman', kind: 'other-engine', what: "Podman's socket" };
const GUARDS = [SOCKET, DATA_ROOT, PODMAN];

function at(real: string, fields: Partial<ResolvedHostPath> = {}): ResolvedHostPath {
  return { spelled: real, real, ...fields };
}

describe('guardsReached: by path and by identity', () => {
  it.each<[string, ResolvedHostPath, [string, GuardRelation][]]>([
    [
      'exact by path',
      at('/run/docker.sock', { identity: { dev: 25, ino: 100 } }),
      [['/run/docker.sock', 'exact']],
    ],
    [
      'exact by path, spelled through a symlink',
      { spelled: '/var/run/docker.sock', real: '/run/docker.sock' },
      [['/run/docker.sock', 'exact']],
    ],
    [
      'exact by identity: a hard link',
      at('/run/user/1000/link.sock', { identity: { dev: 25, ino: 100 }, isSocket: true }),
      [['/run/docker.sock', 'exact']],
    ],
    [
      'exact by identity: a /proc/<pid>/root spelling stat(2) follows',
      {
        spelled: '/proc/1/root/run/docker.sock',
        real: '/proc/1/root/run/docker.sock',
        identity: { dev: 25, ino: 100 },
      },
      [['/run/docker.sock', 'exact']],
    ],
    [
      'contains by path: the directory above',
      at('/run', { identity: { dev: 25, ino: 1 } }),
      [
        ['/run/docker.sock', 'contains'],
        ['/run/podman', 'contains'],
      ],
    ],
    [
      'contains by identity: /run bind-mounted at /mnt/run',
      at('/mnt/run', { identity: { dev: 25, ino: 1 } }),
      [['/run/docker.sock', 'contains']],
    ],
    [
      'contains by identity: the root filesystem under another name',
      at('/mnt/rootfs', { identity: { dev: 8, ino: 2 } }),
      [
        ['/run/docker.sock', 'contains'],
        ['/var/lib/docker', 'contains'],
      ],
    ],
    [
      'root /',
      at('/', { identity: { dev: 8, ino: 2 } }),
      [
        ['/run/docker.sock', 'contains'],
        ['/var/lib/docker', 'contains'],
        ['/run/podman', 'contains'],
      ],
    ],
    [
      'root / with no identity',
      at('/'),
      [
        ['/run/docker.sock', 'contains'],
        ['/var/lib/docker', 'contains'],
        ['/run/podman', 'contains'],
      ],
    ],
    [
      'inside by path',
      at('/var/lib/docker/volumes/x/_data', { identity: { dev: 8, ino: 77 } }),
      [['/var/lib/docker', 'inside']],
    ],
    ['inside a guard that is not there yet', at('/run/podman/podman.sock'), [['/run/podman', 'inside']]],
    [
      'inside by ancestor identity: the data-root bind-mounted at /data/docker',
      at('/data/docker/volumes', {
        identity: { dev: 8, ino: 51 },
        ancestors: [
          { dev: 8, ino: 50 },
          { dev: 8, ino: 90 },
          { dev: 8, ino: 2 },
        ],
      }),
      [['/var/lib/docker', 'inside']],
    ],
    [
      'the data-root itself under another name',
      at('/data/docker', { identity: { dev: 8, ino: 50 } }),
      [['/var/lib/docker', 'exact']],
    ],
    ['a sibling with a common prefix', at('/run/docker.sockets'), []],
    ['a longer name beside a directory guard', at('/var/lib/dockerd', { identity: { dev: 8, ino: 60 } }), []],
    [
      'a sibling directory',
      at('/run/user', {
        identity: { dev: 25, ino: 5 },
        ancestors: [
          { dev: 25, ino: 1 },
          { dev: 8, ino: 2 },
        ],
      }),
      [],
    ],
    [
      'an unrelated path',
      at('/data', { identity: { dev: 8, ino: 90 }, ancestors: [{ dev: 8, ino: 2 }] }),
      [],
    ],
  ])('%s', (_name, path, expected) => {
    expect(guardsReached(path, GUARDS).map((hit) => [hit.guard.path, hit.relation])).toEqual(expected);
  });
});

describe('describeHit: plain words for a denial', () => {
  it.each<[string, ResolvedHostPath, string]>([
    ['the guard by its own path', at('/run/docker.sock'), 'mounts the Docker socket /run/docker.sock'],
    [
      'the guard through a symlink',
      { spelled: '/var/run/docker.sock', real: '/run/docker.sock' },
      'mounts the Docker socket /run/docker.sock',
    ],
    [
      'the guard under another name',
      at('/run/user/1000/link.sock', { identity: { dev: 25, ino: 100 } }),
      'mounts /run/user/1000/link.sock, which is the Docker socket /run/docker.sock under another name',
    ],
    [
      'a directory above, spelled through a symlink',
      { spelled: '/var/run', real: '/run' },
      'mounts /var/run (/run), which contains the Docker socket /run/docker.sock',
    ],
    [
      'a path inside',
      at('/var/lib/docker/volumes'),
      "mounts /var/lib/docker/volumes, inside the engine's data-root /var/lib/docker",
    ],
  ])('%s', (_name, path, words) => {
    const [hit] = guardsReached(path, GUARDS);
    if (!hit) throw new Error('no hit');
    expect(describeHit(path, hit)).toBe(words);
  });
});
