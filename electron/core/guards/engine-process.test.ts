import { describe, expect, it } from 'vitest';
import { parseDaemonJson, parseEngineFlags, type EngineFlags } from './engine-process.js';

describe('parseEngineFlags: where the engine keeps its state, from its command line', () => {
  it.each<[string, string[], EngineFlags]>([
    ['no flags', ['/usr/bin/dockerd'], { hosts: [] }],
    ['--data-root X', ['dockerd', '--data-root', '/srv/docker'], { hosts: [], dataRoot: '/srv/docker' }],
    ['--data-root=X', ['dockerd', '--data-root=/srv/docker'], { hosts: [], dataRoot: '/srv/docker' }],
    ['-g X (the old name)', ['dockerd', '-g', '/old'], { hosts: [], dataRoot: '/old' }],
    ['--graph=X', ['dockerd', '--graph=/old'], { hosts: [], dataRoot: '/old' }],
    ['-gX (a short flag with its value attached)', ['dockerd', '-g/old'], { hosts: [], dataRoot: '/old' }],
    ['a single-dash long flag', ['dockerd', '-data-root', '/d'], { hosts: [], dataRoot: '/d' }],
    [
      '-H repeated',
      ['dockerd', '-H', 'fd://', '-H', 'unix:///run/docker-2.sock'],
      { hosts: ['fd://', 'unix:///run/docker-2.sock'] },
    ],
    [
      '--host= and --host',
      ['dockerd', '--host=unix:///run/a.sock', '--host', 'tcp://0.0.0.0:2375'],
      { hosts: ['unix:///run/a.sock', 'tcp://0.0.0.0:2375'] },
    ],
    ['-H=X', ['dockerd', '-H=unix:///run/b.sock'], { hosts: ['unix:///run/b.sock'] }],
    [
      '-HX (pflag shorthand with an attached value)',
      ['dockerd', '-Hunix:///run/c.sock'],
      { hosts: ['unix:///run/c.sock'] },
    ],
    [
      'exec-root, containerd, config file and pid file',
      [
        'dockerd',
        '--exec-root=/run/d',
        '--containerd',
        '/run/containerd/containerd.sock',
        '--config-file',
        '/etc/d.json',
        '-p',
        '/run/d.pid',
      ],
      {
        hosts: [],
        execRoot: '/run/d',
        containerd: '/run/containerd/containerd.sock',
        configFile: '/etc/d.json',
        pidFile: '/run/d.pid',
      },
    ],
    ['--pidfile=X', ['dockerd', '--pidfile=/run/x.pid'], { hosts: [], pidFile: '/run/x.pid' }],
    [
      'the last of a single-valued flag wins',
      ['dockerd', '--data-root', '/a', '-g', '/b', '--data-root=/c'],
      { hosts: [], dataRoot: '/c' },
    ],
    [
      'unknown flags and their values are skipped',
      ['dockerd', '--debug', '--log-level', 'info', '--data-root', '/d', '--iptables=false'],
      { hosts: [], dataRoot: '/d' },
    ],
    ['a flag with no value at the end', ['dockerd', '--data-root'], { hosts: [] }],
    ['argv[0] is the program, never a flag', ['--data-root', '/not-this'], { hosts: [] }],
    [
      'podman system service with a positional unix:// URI',
      [
        '/usr/bin/podman',
        '--root',
        '/var/lib/containers/storage',
        '--runroot=/run/containers/storage',
        'system',
        'service',
        '--time=0',
        'unix:///run/podman/podman.sock',
      ],
      {
        hosts: ['unix:///run/podman/podman.sock'],
        storageRoot: '/var/lib/containers/storage',
        runRoot: '/run/containers/storage',
      },
    ],
    [
      'podman with a positional tcp:// URI',
      ['podman', 'system', 'service', 'tcp://127.0.0.1:8080'],
      { hosts: ['tcp://127.0.0.1:8080'] },
    ],
  ])('%s', (_name, argv, flags) => {
    expect(parseEngineFlags(argv)).toEqual(flags);
  });
});

describe('parseDaemonJson: the parts of daemon.json that move the engine', () => {
  it.each<[string, string, Partial<EngineFlags>]>([
    ['data-root', '{"data-root": "/srv/docker"}', { dataRoot: '/srv/docker' }],
    ['graph, the old name', '{"graph": "/old"}', { dataRoot: '/old' }],
    ['data-root before graph', '{"graph": "/old", "data-root": "/new"}', { dataRoot: '/new' }],
    [
      'exec-root, containerd and hosts',
      '{"exec-root": "/run/d", "containerd": "/run/c.sock", "hosts": ["unix:///run/x.sock", "fd://"]}',
      { execRoot: '/run/d', containerd: '/run/c.sock', hosts: ['unix:///run/x.sock', 'fd://'] },
    ],
    [
      'hosts that are not strings are skipped',
      '{"hosts": ["unix:///a", 1, null, {"x": 1}]}',
      { hosts: ['unix:///a'] },
    ],
    ['hosts that is not a list', '{"hosts": "unix:///a"}', {}],
    ['values of the wrong type', '{"data-root": 5, "exec-root": true, "containerd": null}', {}],
    ['empty strings', '{"data-root": "", "graph": ""}', {}],
    ['other settings', '{"log-driver": "journald", "iptables": false}', {}],
    ['invalid JSON', '{"data-root": ', {}],
    ['comments (which dockerd refuses too)', '// x\n{"data-root": "/d"}', {}],
    ['an empty file', '', {}],
    ['an array', '["data-root"]', {}],
    ['null', 'null', {}],
    ['a string', '"data-root"', {}],
  ])('%s', (_name, text, expected) => {
    expect(parseDaemonJson(text)).toEqual(expected);
  });
});
