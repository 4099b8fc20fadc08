import { describe, expect, it } from 'vitest';
import { looksLikeEngineSocket, parseUnixSockets, type UnixListener } from './unix-listeners.js';

const HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path';

describe('parseUnixSockets: the listening sockets in /proc/net/unix', () => {
  it.each<[string, string, UnixListener[]]>([
    [
      'a listening socket',
      'ffff8a0c01a3e000: 00000002 00000000 00010000 0001 01 21345 /run/docker.sock',
      [{ path: '/run/docker.sock', inode: 21345 }],
    ],
    [
      'a connected socket on the same path',
      'ffff8a0c01a3e400: 00000003 00000000 00000000 0001 03 21400 /run/docker.sock',
      [],
    ],
    [
      'an abstract socket',
      'ffff8a0c01a3e800: 00000002 00000000 00010000 0001 01 1234 @/containerd-shim/abc.sock@',
      [],
    ],
    ['an unnamed socket', 'ffff8a0c01a3ec00: 00000002 00000000 00000000 0002 01 1235', []],
    ['an unnamed listening socket', 'ffff8a0c01a3ec00: 00000002 00000000 00010000 0001 01 1236', []],
    [
      'a path with a space',
      'ffff8a0c01a3f000: 00000002 00000000 00010000 0001 01 1237 /tmp/with space.sock',
      [{ path: '/tmp/with space.sock', inode: 1237 }],
    ],
    [
      'other flag bits beside __SO_ACCEPTCON',
      'ffff8a0c01a3f400: 00000002 00000000 00010001 0005 01 1238 /run/podman/podman.sock',
      [{ path: '/run/podman/podman.sock', inode: 1238 }],
    ],
    ['a line that is not one', 'garbage', []],
  ])('%s', (_name, line, listeners) => {
    expect(parseUnixSockets(`${HEADER}\n${line}\n`)).toEqual(listeners);
  });

  it('skips the header and reads every line', () => {
    const text = [
      'ffff000000000000: 00000002 00000000 00010000 0001 01 1 /run/first.sock',
      'ffff000000000001: 00000002 00000000 00010000 0001 01 2 /run/docker.sock',
      'ffff000000000002: 00000003 00000000 00000000 0001 03 3 /run/docker.sock',
      'ffff000000000003: 00000002 00000000 00010000 0001 01 4 /run/user/1000/docker.sock',
      '',
    ].join('\n');
    expect(parseUnixSockets(text)).toEqual([
      { path: '/run/docker.sock', inode: 2 },
      { path: '/run/user/1000/docker.sock', inode: 4 },
    ]);
  });
});

describe('looksLikeEngineSocket', () => {
  it.each<[string, boolean]>([
    ['/run/docker.sock', true],
    ['/var/run/docker.sock', true],
    ['/run/user/1000/docker.sock', true],
    ['/home/u/.docker/run/docker.sock', true],
    ['docker.sock', true],
    ['/run/podman/podman.sock', true],
    ['/run/containerd/containerd.sock', true],
    ['/run/containerd/containerd.sock.ttrpc', true],
    ['/run/buildkit/buildkitd.sock', true],
    ['/run/cri-dockerd.sock', true],
    ['/run/crio/crio.sock', true],
    ['/var/run/dockershim.sock', true],
    ['/run/mydocker.sock', false],
    ['/run/docker.sock.bak', false],
    ['/run/docker.socket', false],
    ['/run/systemd/private', false],
  ])('%s -> %s', (path, expected) => {
    expect(looksLikeEngineSocket(path)).toBe(expected);
  });
});
