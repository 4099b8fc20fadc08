import { describe, expect, it } from 'vitest';
import { parseListenFds, singleListenFd, unsetListenEnv } from './listen-fds.js';

const PID = 4242;

describe('parseListenFds', () => {
  it.each([
    ['nothing set', {}, { kind: 'none' }],
    ['one socket for us', { LISTEN_PID: '4242', LISTEN_FDS: '1' }, { kind: 'fds', fds: [3], names: [] }],
    [
      'two named sockets',
      { LISTEN_PID: '4242', LISTEN_FDS: '2', LISTEN_FDNAMES: 'a.socket:b.socket' },
      { kind: 'fds', fds: [3, 4], names: ['a.socket', 'b.socket'] },
    ],
    ['for another process (a parent)', { LISTEN_PID: '1', LISTEN_FDS: '1' }, { kind: 'none' }],
    ['zero fds', { LISTEN_PID: '4242', LISTEN_FDS: '0' }, { kind: 'none' }],
    ['only LISTEN_FDS', { LISTEN_FDS: '1' }, { kind: 'error' }],
    ['only LISTEN_PID', { LISTEN_PID: '4242' }, { kind: 'error' }],
    ['a pid that is no number', { LISTEN_PID: 'x', LISTEN_FDS: '1' }, { kind: 'error' }],
    ['a negative count', { LISTEN_PID: '4242', LISTEN_FDS: '-1' }, { kind: 'error' }],
    ['a count with junk', { LISTEN_PID: '4242', LISTEN_FDS: '1x' }, { kind: 'error' }],
    ['an absurd count', { LISTEN_PID: '4242', LISTEN_FDS: '100000' }, { kind: 'error' }],
  ])('%s', (_name, env, expected) => {
    expect(parseListenFds(env, PID)).toMatchObject(expected);
  });
});

describe('singleListenFd', () => {
  it.each([
    ['nothing passed', {}, undefined],
    ['one socket', { LISTEN_PID: '4242', LISTEN_FDS: '1' }, { fd: 3 }],
    ['two sockets', { LISTEN_PID: '4242', LISTEN_FDS: '2' }, { error: expect.stringContaining('got 2') }],
    ['a broken environment', { LISTEN_PID: '4242' }, { error: expect.stringContaining('socket activation') }],
  ])('%s', (_name, env, expected) => {
    expect(singleListenFd(env, PID)).toEqual(expected);
  });
});

describe('unsetListenEnv', () => {
  it('removes the three variables and nothing else', () => {
    const env = { LISTEN_PID: '1', LISTEN_FDS: '1', LISTEN_FDNAMES: 'x', PATH: '/bin' };
    unsetListenEnv(env);
    expect(env).toEqual({ PATH: '/bin' });
  });
});
