import { describe, expect, it } from 'vitest';
import { absentUnit, stockHost, unit } from '../../../test/fixtures/managed-host.js';
import type { Level } from './findings.js';
import type { HostFacts } from './host-facts.js';
import { MANAGED } from './managed-layout.js';
import { preflight } from './preflight.js';

type Change = (facts: HostFacts) => void;

const levelOf = (facts: HostFacts, check: string): Level[] =>
  preflight(facts)
    .filter((f) => f.check === check)
    .map((f) => f.level);

describe('preflight', () => {
  it('passes a stock bookworm host', () => {
    const findings = preflight(stockHost());
    expect(findings.filter((f) => f.level === 'error' || f.level === 'warn')).toEqual([]);
    expect(findings.find((f) => f.check === 'engine')?.message).toContain('20.10.24');
  });

  it.each<[string, Change, string, Level]>([
    ['PID 1 is not systemd', (f) => (f.pid1 = 'tini'), 'systemd', 'error'],
    ['PID 1 unknown', (f) => (f.pid1 = null), 'systemd', 'error'],
    [
      'systemctl fails',
      (f) => ((f.systemd = null), (f.systemdError = 'Failed to connect to bus')),
      'systemctl',
      'error',
    ],
    ['--root: systemctl not asked', (f) => (f.source = 'files'), 'systemctl', 'info'],
    [
      'no docker.socket',
      (f) => (f.units['docker.socket'] = absentUnit('docker.socket')),
      'docker.socket',
      'error',
    ],
    [
      'docker.socket masked',
      (f) => (f.units['docker.socket'] = unit('docker.socket', { loadState: 'masked' })),
      'docker.socket',
      'error',
    ],
    [
      'docker.socket elsewhere',
      (f) => (f.units['docker.socket'].listen = ['/run/other.sock']),
      'docker.socket',
      'warn',
    ],
    [
      'docker.socket already moved',
      (f) => (f.units['docker.socket'].listen = [MANAGED.engineSocket]),
      'docker.socket',
      'info',
    ],
    [
      'no docker.service',
      (f) => (f.units['docker.service'] = absentUnit('docker.service')),
      'fd://',
      'error',
    ],
    [
      'dockerd without -H fd://',
      (f) => ((f.units['docker.service'].execStart = ['/usr/sbin/dockerd']), (f.engineArgv = null)),
      'fd://',
      'error',
    ],
    ['the running dockerd without -H fd://', (f) => (f.engineArgv = ['/usr/sbin/dockerd']), 'fd://', 'error'],
    [
      'a TCP listener in DOCKER_OPTS',
      (f) => (f.dockerEnv = { DOCKER_OPTS: '-H tcp://0.0.0.0:2375' }),
      'tcp',
      'error',
    ],
    [
      'a TCP listener on the running dockerd',
      (f) => f.engineArgv?.push('--host=tcp://127.0.0.1:2375'),
      'tcp',
      'error',
    ],
    ['a second unix socket', (f) => f.engineArgv?.push('-H', 'unix:///tmp/d.sock'), 'hosts', 'error'],
    [
      'hosts in daemon.json',
      (f) => (f.daemonJson = { kind: 'ok', value: { hosts: ['unix:///var/run/docker.sock'] } }),
      'daemon.json',
      'error',
    ],
    [
      'TCP in daemon.json',
      (f) => (f.daemonJson = { kind: 'ok', value: { hosts: ['tcp://0.0.0.0:2376'] } }),
      'tcp',
      'error',
    ],
    [
      'daemon.json invalid',
      (f) => (f.daemonJson = { kind: 'invalid', error: 'Unexpected end' }),
      'daemon.json',
      'error',
    ],
    [
      'daemon.json without hosts',
      (f) => (f.daemonJson = { kind: 'ok', value: { debug: true } }),
      'daemon.json',
      'ok',
    ],
    ['no /usr/bin/socket-warden', (f) => delete f.files[MANAGED.binary], 'binary', 'error'],
    [
      'rootless Docker',
      (f) => (f.otherEngines = [{ path: '/run/user/1000/docker.sock', what: 'rootless Docker' }]),
      'other-engine',
      'warn',
    ],
    ['podman installed', (f) => (f.otherEngineBinaries = ['/usr/bin/podman']), 'other-engine', 'warn'],
    [
      'the engine does not answer',
      (f) => (f.engine = { reachable: false, socket: '/run/docker.sock', error: 'ECONNREFUSED' }),
      'engine',
      'warn',
    ],
    [
      'running containers, no live-restore',
      (f) => f.engine?.reachable && (f.engine.containersRunning = 3),
      'containers',
      'warn',
    ],
    [
      'running containers, live-restore',
      (f) => f.engine?.reachable && ((f.engine.containersRunning = 3), (f.engine.liveRestore = true)),
      'containers',
      'info',
    ],
    ['an unreadable state file', (f) => (f.state = { kind: 'invalid', error: 'not JSON' }), 'state', 'error'],
  ])('%s', (_name, change, check, level) => {
    const facts = stockHost();
    change(facts);
    expect(levelOf(facts, check)).toContain(level);
  });

  it('names the TCP address once when the unit and the running dockerd both have it', () => {
    const facts = stockHost();
    facts.dockerEnv = { DOCKER_OPTS: '-H tcp://0.0.0.0:2375' };
    facts.engineArgv?.push('-H', 'tcp://0.0.0.0:2375');
    expect(preflight(facts).filter((f) => f.check === 'tcp')).toHaveLength(1);
  });
});
