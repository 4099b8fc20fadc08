import { describe, expect, it } from 'vitest';
import {
  effectiveExecStart,
  effectiveListen,
  orderDropIns,
  parseUnitFile,
  resolveSpecifiers,
  splitCommandLine,
} from './unit-file.js';

// Debian bookworm's docker.socket, and Docker CE's (which spells the runtime directory %t).
const BOOKWORM_SOCKET = `[Unit]
Description=Docker Socket for the API

[Socket]
# If /var/run is not implemented as a symlink to /run, you may need to
# specify ListenStream=/var/run/docker.sock instead.
ListenStream=/run/docker.sock
SocketMode=0660
SocketUser=root
SocketGroup=docker

[Install]
WantedBy=sockets.target
`;
const DOCKER_CE_SOCKET = '[Socket]\nListenStream=%t/docker.sock\nSocketMode=0660\n';
const OUR_DROP_IN = '[Socket]\nListenStream=\nListenStream=/run/socket-warden/engine.sock\nSocketMode=0600\n';

describe('parseUnitFile', () => {
  it('reads sections, keys and values, skipping comments', () => {
    expect(parseUnitFile(BOOKWORM_SOCKET)).toEqual([
      { section: 'Unit', key: 'Description', value: 'Docker Socket for the API' },
      { section: 'Socket', key: 'ListenStream', value: '/run/docker.sock' },
      { section: 'Socket', key: 'SocketMode', value: '0660' },
      { section: 'Socket', key: 'SocketUser', value: 'root' },
      { section: 'Socket', key: 'SocketGroup', value: 'docker' },
      { section: 'Install', key: 'WantedBy', value: 'sockets.target' },
    ]);
  });

  it.each([
    ['a continued line', '[Service]\nExecStart=/bin/a \\\n  --b \\\n  --c\n', '/bin/a --b --c'],
    ['a comment inside a continuation', '[Service]\nExecStart=/bin/a \\\n# no\n  --b\n', '/bin/a --b'],
    ['CRLF line ends', '[Service]\r\nExecStart=/bin/a\r\n', '/bin/a'],
    ['an empty value', '[Service]\nExecStart=\n', ''],
  ])('%s', (_name, text, value) => {
    expect(parseUnitFile(text).find((e) => e.key === 'ExecStart')?.value).toBe(value);
  });
});

describe('effectiveListen', () => {
  it.each([
    ['stock bookworm', [BOOKWORM_SOCKET], ['/run/docker.sock']],
    ['Docker CE (%t)', [DOCKER_CE_SOCKET], ['/run/docker.sock']],
    ['with our drop-in', [BOOKWORM_SOCKET, OUR_DROP_IN], ['/run/socket-warden/engine.sock']],
    [
      'a later drop-in adding the old path back',
      [BOOKWORM_SOCKET, OUR_DROP_IN, '[Socket]\nListenStream=/run/docker.sock\n'],
      ['/run/socket-warden/engine.sock', '/run/docker.sock'],
    ],
    [
      'a drop-in without a reset adds',
      [BOOKWORM_SOCKET, '[Socket]\nListenStream=/x.sock\n'],
      ['/run/docker.sock', '/x.sock'],
    ],
    ['an empty ListenDatagram= resets streams too', [BOOKWORM_SOCKET, '[Socket]\nListenDatagram=\n'], []],
    ['ListenStream in another section is nothing', ['[Unit]\nListenStream=/x.sock\n'], []],
  ])('%s', (_name, texts, listen) => {
    expect(effectiveListen(texts)).toEqual(listen);
  });
});

describe('effectiveExecStart', () => {
  it.each([
    [
      'stock bookworm',
      [
        '[Service]\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n',
      ],
      ['/usr/sbin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '$DOCKER_OPTS'],
    ],
    [
      'a drop-in resetting and replacing it',
      [
        '[Service]\nExecStart=/usr/sbin/dockerd -H fd://\n',
        '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H tcp://0.0.0.0:2375\n',
      ],
      ['/usr/sbin/dockerd', '-H', 'tcp://0.0.0.0:2375'],
    ],
    ['a reset and nothing after', ['[Service]\nExecStart=/a\n', '[Service]\nExecStart=\n'], null],
    [
      'prefixes stripped',
      ['[Service]\nExecStart=-+/usr/sbin/dockerd -H fd://\n'],
      ['/usr/sbin/dockerd', '-H', 'fd://'],
    ],
    ['none', ['[Service]\nType=notify\n'], null],
  ])('%s', (_name, texts, argv) => {
    expect(effectiveExecStart(texts)).toEqual(argv);
  });
});

describe('splitCommandLine', () => {
  it.each([
    ['a b  c', ['a', 'b', 'c']],
    ['a "b c" d', ['a', 'b c', 'd']],
    ["a 'b \"c' d", ['a', 'b "c', 'd']],
    ['a b\\ c', ['a', 'b c']],
    ['a ""', ['a', '']],
    ['', []],
  ])('%j', (text, words) => {
    expect(splitCommandLine(text)).toEqual(words);
  });
});

describe('resolveSpecifiers', () => {
  it.each([
    ['%t/docker.sock', '/run/docker.sock'],
    ['100%%', '100%'],
    ['/plain', '/plain'],
  ])('%s', (value, resolved) => {
    expect(resolveSpecifiers(value)).toBe(resolved);
  });
});

describe('orderDropIns', () => {
  it('takes one file per name, the highest directory first, sorted by name', () => {
    expect(
      orderDropIns([
        {
          dir: '/etc/systemd/system/docker.socket.d',
          files: ['socket-warden.conf', 'override.conf', 'README'],
        },
        { dir: '/run/systemd/system/docker.socket.d', files: ['override.conf', 'zz.conf'] },
        { dir: '/lib/systemd/system/docker.socket.d', files: ['10-vendor.conf'] },
      ]),
    ).toEqual([
      '/lib/systemd/system/docker.socket.d/10-vendor.conf',
      '/etc/systemd/system/docker.socket.d/override.conf',
      '/etc/systemd/system/docker.socket.d/socket-warden.conf',
      '/run/systemd/system/docker.socket.d/zz.conf',
    ]);
  });
});
