import { describe, expect, it } from 'vitest';
import {
  daemonJsonHosts,
  daemonJsonLiveRestore,
  dockerdFlags,
  expandExecArgs,
  hostKind,
  parseDaemonJson,
  parseEnvironmentFile,
} from './dockerd-config.js';

describe('parseEnvironmentFile', () => {
  it('reads assignments the way systemd does', () => {
    expect(
      parseEnvironmentFile(
        '# comment\nDOCKER_OPTS="-H tcp://0.0.0.0:2375 --debug"\n; other\nexport A=1\nB=\'two words\'\nnot an assignment\n',
      ),
    ).toEqual({ DOCKER_OPTS: '-H tcp://0.0.0.0:2375 --debug', A: '1', B: 'two words' });
  });
});

describe('expandExecArgs', () => {
  const argv = ['/usr/sbin/dockerd', '-H', 'fd://', '$DOCKER_OPTS'];
  it.each([
    ['unset: nothing', {}, ['/usr/sbin/dockerd', '-H', 'fd://']],
    [
      '$VAR splits into words',
      { DOCKER_OPTS: '-H  tcp://:2375 --debug' },
      ['/usr/sbin/dockerd', '-H', 'fd://', '-H', 'tcp://:2375', '--debug'],
    ],
  ])('%s', (_name, env, expanded) => {
    expect(expandExecArgs(argv, env)).toEqual(expanded);
  });

  it('${VAR} stays one word', () => {
    expect(expandExecArgs(['a', '--x=${V}'], { V: 'b c' })).toEqual(['a', '--x=b c']);
  });
});

describe('dockerdFlags', () => {
  it.each([
    [
      'stock',
      ['dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'],
      ['fd://'],
      undefined,
    ],
    [
      'every spelling of -H',
      ['dockerd', '-Hfd://', '-H=unix:///a', '--host', 'tcp://0.0.0.0:2375', '--host=ssh://x'],
      ['fd://', 'unix:///a', 'tcp://0.0.0.0:2375', 'ssh://x'],
      undefined,
    ],
    ['no -H', ['dockerd'], [], undefined],
    ['live-restore', ['dockerd', '--live-restore'], [], true],
    ['live-restore=false', ['dockerd', '--live-restore=false'], [], false],
  ])('%s', (_name, argv, hosts, liveRestore) => {
    expect(dockerdFlags(argv)).toEqual({ hosts, liveRestore });
  });
});

describe('daemon.json', () => {
  it.each([
    ['absent', null, [], undefined],
    ['no hosts', '{"debug": true}', [], undefined],
    [
      'hosts',
      '{"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"], "live-restore": true}',
      ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375'],
      true,
    ],
    ['a single host string', '{"hosts": "tcp://127.0.0.1:2375"}', ['tcp://127.0.0.1:2375'], undefined],
    ['not an object', '[1]', [], undefined],
  ])('%s', (_name, text, hosts, liveRestore) => {
    const json = parseDaemonJson(text);
    expect(daemonJsonHosts(json)).toEqual(hosts);
    expect(daemonJsonLiveRestore(json)).toBe(liveRestore);
  });

  it('says why invalid JSON is invalid', () => {
    expect(parseDaemonJson('{')).toMatchObject({ kind: 'invalid', error: expect.any(String) });
  });
});

describe('hostKind', () => {
  it.each([
    ['fd://', 'systemd'],
    ['fd://3', 'systemd'],
    ['unix:///var/run/docker.sock', 'unix'],
    ['tcp://0.0.0.0:2375', 'tcp'],
    ['127.0.0.1:2375', 'tcp'],
    [':2375', 'tcp'],
    ['ssh://me@host', 'other'],
  ])('%s', (host, kind) => {
    expect(hostKind(host)).toBe(kind);
  });
});
