import { describe, expect, it } from 'vitest';
import { parseServeFlags, type FlagContext, type ServeFlags } from './serve-flags.js';

const context = (env: NodeJS.ProcessEnv = {}): FlagContext => ({ env, cwd: '/work' });
const LONG = `/${'x'.repeat(120)}.sock`;

describe('parseServeFlags: refused, naming the flag', () => {
  it.each<[string, string[], NodeJS.ProcessEnv, string]>([
    ['an unknown option', ['--bogus'], {}, 'unknown option --bogus'],
    ['a misspelt option', ['--listen-path', '/x'], {}, 'unknown option --listen-path'],
    ['an unknown short option', ['-x'], {}, 'unknown option -x'],
    ['a positional argument', ['extra'], {}, 'unexpected argument "extra"'],
    ['an option given twice', ['--listen', '/a', '--listen', '/b'], {}, '--listen is given more than once'],
    ['a missing value at the end', ['--upstream'], {}, '--upstream needs a value'],
    ['a value that is the next option', ['--upstream', '--listen', '/x'], {}, '--upstream needs a value'],
    ['a value that is a short option', ['--listen', '-h'], {}, '--listen needs a value'],
    ['a value on a boolean', ['--ui=yes'], {}, '--ui takes no value'],
    ['--ui-port abc', ['--ui', '--ui-port', 'abc'], {}, '--ui-port abc: not a TCP port'],
    ['--ui-port 99999', ['--ui', '--ui-port', '99999'], {}, '--ui-port 99999: not a TCP port'],
    ['--ui-port -1', ['--ui', '--ui-port=-1'], {}, '--ui-port -1: not a TCP port'],
    ['--ui-port 80.5', ['--ui', '--ui-port', '80.5'], {}, '--ui-port 80.5: not a TCP port'],
    ['--ui-port 0x50', ['--ui', '--ui-port', '0x50'], {}, '--ui-port 0x50: not a TCP port'],
    ['--ui-port without --ui', ['--ui-port', '8080'], {}, '--ui-port 8080: only with --ui'],
    [
      '--refresh-interval abc',
      ['--refresh-interval', 'abc'],
      {},
      '--refresh-interval abc: not a whole number',
    ],
    ['--refresh-interval 1.5', ['--refresh-interval', '1.5'], {}, 'not a whole number of seconds'],
    ['--refresh-interval 1e3', ['--refresh-interval', '1e3'], {}, 'not a whole number of seconds'],
    ['--refresh-interval empty', ['--refresh-interval='], {}, 'not a whole number of seconds'],
    ['--refresh-interval 0', ['--refresh-interval', '0'], {}, '--refresh-interval 0: at least 30 seconds'],
    ['--refresh-interval -5', ['--refresh-interval', '-5'], {}, '--refresh-interval -5: at least 30 seconds'],
    ['--refresh-interval 29', ['--refresh-interval', '29'], {}, 'at least 30 seconds'],
    ['--refresh-interval huge', ['--refresh-interval', '99999999999999'], {}, 'at most 86400 seconds'],
    ['--refresh-interval a day and a second', ['--refresh-interval', '86401'], {}, 'at most 86400'],
    [
      'a test floor never below one second',
      ['--refresh-interval', '0'],
      { SOCKET_WARDEN_MIN_REFRESH_SECONDS: '0' },
      'at least 1 seconds',
    ],
    [
      '--upstream tcp://',
      ['--upstream', 'tcp://127.0.0.1:2375'],
      {},
      '--upstream tcp://127.0.0.1:2375 is a TCP address',
    ],
    [
      '--upstream ssh://',
      ['--upstream', 'ssh://me@host'],
      {},
      '--upstream ssh://me@host is an engine reached over ssh',
    ],
    ['--upstream npipe://', ['--upstream', 'npipe:////./pipe/docker_engine'], {}, 'is a Windows named pipe'],
    ['--upstream fd://', ['--upstream', 'fd://'], {}, '--upstream fd:// is a file descriptor'],
    ['--upstream of an unknown scheme', ['--upstream', 'quic://x'], {}, 'has an unknown scheme quic://'],
    ['--upstream unix:// alone', ['--upstream', 'unix://'], {}, '--upstream unix:// names no socket path'],
    ['--upstream unix://relative', ['--upstream', 'unix://run/d.sock'], {}, 'must name an absolute path'],
    ['--upstream empty', ['--upstream='], {}, '--upstream is empty'],
    ['--upstream too long for a socket', ['--upstream', LONG], {}, "a unix socket's path holds at most 107"],
    ['--listen empty', ['--listen='], {}, '--listen is empty'],
    ['--listen too long for a socket', ['--listen', LONG], {}, `--listen ${LONG}: ${LONG} is 126 bytes long`],
    ['--data-dir empty', ['--data-dir='], {}, '--data-dir is empty'],
    ['--admin-settings empty', ['--admin-settings='], {}, '--admin-settings is empty'],
    [
      'a tcp:// DOCKER_HOST without --upstream',
      [],
      { DOCKER_HOST: 'tcp://10.0.0.1:2376' },
      'DOCKER_HOST=tcp://10.0.0.1:2376 is a TCP address: Socket Warden can only proxy',
    ],
    [
      'an ssh:// DOCKER_HOST',
      [],
      { DOCKER_HOST: 'ssh://me@builder' },
      'DOCKER_HOST=ssh://me@builder is an engine reached over ssh',
    ],
    [
      'a DOCKER_HOST that is a bare path',
      [],
      { DOCKER_HOST: '/run/docker.sock' },
      'DOCKER_HOST=/run/docker.sock is not a URL',
    ],
  ])('%s', (_name, argv, env, message) => {
    const parsed = parseServeFlags(argv, context(env));
    expect(parsed.kind).toBe('error');
    if (parsed.kind !== 'error') return;
    expect(parsed.message).toContain(message);
    expect(parsed.message).not.toContain('\n');
  });

  it('says how to get past a DOCKER_HOST it cannot proxy', () => {
    expect(parseServeFlags([], context({ DOCKER_HOST: 'tcp://h:2375' }))).toMatchObject({
      message: expect.stringContaining('pass --upstream <engine socket>'),
    });
  });
});

describe('parseServeFlags: accepted', () => {
  const base: ServeFlags = {
    upstream: { path: '/var/run/docker.sock', from: 'the default engine socket /var/run/docker.sock' },
    adminSettings: { path: '/etc/socket-warden/admin-settings.json', explicit: false },
    managed: false,
  };
  it.each<[string, string[], NodeJS.ProcessEnv, Partial<ServeFlags>]>([
    ['nothing: the defaults', [], {}, {}],
    ['an empty DOCKER_HOST is unset', [], { DOCKER_HOST: '' }, {}],
    [
      'a unix:// DOCKER_HOST',
      [],
      { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' },
      {
        upstream: {
          path: '/run/user/1000/docker.sock',
          from: 'DOCKER_HOST=unix:///run/user/1000/docker.sock',
        },
      },
    ],
    [
      '--upstream wins over a tcp:// DOCKER_HOST',
      ['--upstream', '/run/docker.sock'],
      { DOCKER_HOST: 'tcp://h:2375' },
      { upstream: { path: '/run/docker.sock', from: '--upstream /run/docker.sock' } },
    ],
    [
      '--upstream in the DOCKER_HOST form',
      ['--upstream', 'unix:///var/run/docker.sock'],
      {},
      { upstream: { path: '/var/run/docker.sock', from: '--upstream unix:///var/run/docker.sock' } },
    ],
    [
      '--upstream UNIX:// in capitals, as Go parses schemes',
      ['--upstream=UNIX:///x.sock'],
      {},
      { upstream: { path: '/x.sock', from: '--upstream UNIX:///x.sock' } },
    ],
    [
      'a relative --upstream, from the working directory',
      ['--upstream', 'engine.sock'],
      {},
      { upstream: { path: '/work/engine.sock', from: '--upstream engine.sock' } },
    ],
    ['a relative --listen', ['--listen', 'run/w.sock'], {}, { listen: '/work/run/w.sock' }],
    ['--data-dir', ['--data-dir', 'state'], {}, { dataDir: '/work/state' }],
    [
      'an explicit --admin-settings',
      ['--admin-settings', '/etc/sw.json'],
      {},
      { adminSettings: { path: '/etc/sw.json', explicit: true } },
    ],
    [
      'SOCKET_WARDEN_ADMIN_SETTINGS as the default, like the app',
      [],
      { SOCKET_WARDEN_ADMIN_SETTINGS: '/tmp/a.json' },
      { adminSettings: { path: '/tmp/a.json', explicit: false } },
    ],
    ['--ui on a free port', ['--ui'], {}, { ui: { port: 0 } }],
    ['--ui-port 0', ['--ui', '--ui-port', '0'], {}, { ui: { port: 0 } }],
    ['--ui-port 65535', ['--ui', '--ui-port=65535'], {}, { ui: { port: 65535 } }],
    ['--refresh-interval 30', ['--refresh-interval', '30'], {}, { refreshIntervalMs: 30_000 }],
    ['--refresh-interval 86400', ['--refresh-interval', '86400'], {}, { refreshIntervalMs: 86_400_000 }],
    [
      'a lower floor for tests',
      ['--refresh-interval', '2'],
      { SOCKET_WARDEN_MIN_REFRESH_SECONDS: '1' },
      { refreshIntervalMs: 2000 },
    ],
    [
      'a test floor never above the real one',
      ['--refresh-interval', '30'],
      { SOCKET_WARDEN_MIN_REFRESH_SECONDS: '600' },
      { refreshIntervalMs: 30_000 },
    ],
    ['--managed', ['--managed'], {}, { managed: true }],
    ['-- ends the options', ['--managed', '--'], {}, { managed: true }],
  ])('%s', (_name, argv, env, expected) => {
    expect(parseServeFlags(argv, context(env))).toEqual({ kind: 'flags', flags: { ...base, ...expected } });
  });

  it.each([['--help'], ['-h'], ['--ui-port', 'abc', '--help']])('%s asks for the help', (...argv) => {
    expect(parseServeFlags(argv, context())).toEqual({ kind: 'help' });
  });
});
