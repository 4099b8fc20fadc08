import { describe, expect, it } from 'vitest';
import { selfUpstreamProblem } from './self-upstream.js';
import type { SocketIdentity } from './socket-identity.js';

const at = (p: string, realPath = p, ino?: number): SocketIdentity => ({
  path: p,
  realPath,
  ...(ino === undefined ? {} : { inode: { dev: 1, ino } }),
});

describe('selfUpstreamProblem', () => {
  it.each<[string, SocketIdentity, SocketIdentity, string | undefined]>([
    [
      'the engine',
      at('/var/run/docker.sock', '/run/docker.sock', 7),
      at('/run/sw/docker.sock', '/run/sw/docker.sock', 9),
      undefined,
    ],
    [
      'our socket by the same path',
      at('/run/sw.sock'),
      at('/run/sw.sock'),
      'the upstream /run/sw.sock is this Socket Warden',
    ],
    [
      'a symlink to our socket',
      at('/tmp/l.sock', '/run/sw.sock'),
      at('/run/sw.sock'),
      'leads to /run/sw.sock, which is',
    ],
    [
      'our socket through a symlinked directory',
      at('/var/run/sw.sock', '/run/sw.sock'),
      at('/run/sw.sock'),
      'leads to',
    ],
    [
      'a hard link to our socket',
      at('/tmp/h.sock', '/tmp/h.sock', 5),
      at('/run/sw.sock', '/run/sw.sock', 5),
      'another name (the same inode)',
    ],
    [
      'another socket with the same inode number on another device',
      { ...at('/a.sock', '/a.sock', 5), inode: { dev: 2, ino: 5 } },
      at('/b.sock', '/b.sock', 5),
      undefined,
    ],
    [
      'our socket not made yet: the path decides',
      at('/run/sw.sock'),
      at('/run/sw.sock'),
      'it would proxy to itself',
    ],
  ])('%s', (_name, upstream, listen, expected) => {
    const problem = selfUpstreamProblem(upstream, listen);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(expected);
  });
});
