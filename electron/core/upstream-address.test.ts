import { describe, expect, it } from 'vitest';
import { parseUpstreamAddress, upstreamFromEnvironment, type UpstreamAddress } from './upstream-address.js';

describe('parseUpstreamAddress', () => {
  it.each<[string, UpstreamAddress]>([
    ['/var/run/docker.sock', { ok: true, path: '/var/run/docker.sock' }],
    ['unix:///var/run/docker.sock', { ok: true, path: '/var/run/docker.sock' }],
    ['unix:///run//user/1000/../1000/docker.sock', { ok: true, path: '/run/user/1000/docker.sock' }],
    ['Unix:///x.sock', { ok: true, path: '/x.sock' }],
    ['docker.sock', { ok: true, path: '/home/u/docker.sock' }],
    ['./run/docker.sock', { ok: true, path: '/home/u/run/docker.sock' }],
    // Not a URL: a file name with a colon in it.
    ['odd:name.sock', { ok: true, path: '/home/u/odd:name.sock' }],
    ['', { ok: false, reason: expect.stringContaining('is empty') as string }],
    ['unix://', { ok: false, reason: expect.stringContaining('names no socket path') as string }],
    ['unix://docker.sock', { ok: false, reason: expect.stringContaining('absolute path') as string }],
    ['tcp://127.0.0.1:2375', { ok: false, reason: expect.stringContaining('is a TCP address') as string }],
    [
      'https://docker.example:2376',
      { ok: false, reason: expect.stringContaining('is a TCP address') as string },
    ],
    ['ssh://me@host', { ok: false, reason: expect.stringContaining('over ssh') as string }],
    [
      'npipe:////./pipe/docker_engine',
      { ok: false, reason: expect.stringContaining('named pipe') as string },
    ],
    ['fd://', { ok: false, reason: expect.stringContaining('file descriptor') as string }],
    ['vsock://3:2375', { ok: false, reason: expect.stringContaining('unknown scheme vsock://') as string }],
  ])('%j', (text, expected) => {
    expect(parseUpstreamAddress(text, '/home/u')).toEqual(expected);
  });
});

describe('upstreamFromEnvironment', () => {
  it.each<[string, NodeJS.ProcessEnv, UpstreamAddress]>([
    ['DOCKER_HOST unset', {}, { ok: true, path: '/var/run/docker.sock' }],
    ['DOCKER_HOST empty', { DOCKER_HOST: '' }, { ok: true, path: '/var/run/docker.sock' }],
    [
      'a unix:// DOCKER_HOST',
      { DOCKER_HOST: 'unix:///run/podman/podman.sock' },
      { ok: true, path: '/run/podman/podman.sock' },
    ],
    // Never the standard socket instead: the user's clients talk to that other engine.
    [
      'a tcp:// DOCKER_HOST',
      { DOCKER_HOST: 'tcp://h:2375' },
      { ok: false, reason: expect.stringContaining('TCP') as string },
    ],
    [
      'an ssh:// DOCKER_HOST',
      { DOCKER_HOST: 'ssh://h' },
      { ok: false, reason: expect.stringContaining('ssh') as string },
    ],
    [
      'a bare path',
      { DOCKER_HOST: '/run/docker.sock' },
      { ok: false, reason: expect.stringContaining('not a URL') as string },
    ],
  ])('%s', (_name, env, expected) => {
    expect(upstreamFromEnvironment(env, '/')).toEqual(expected);
  });
});
