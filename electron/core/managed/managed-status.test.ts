import { describe, expect, it } from 'vitest';
import { file, stockHost, unit } from '../../../test/fixtures/managed-host.js';
import type { Level } from './findings.js';
import type { HostFacts } from './host-facts.js';
import { planInstall, type ShippedFiles } from './install-plan.js';
import { MANAGED } from './managed-layout.js';
import { managedStatus, type Probes } from './managed-status.js';

const SHIPPED: ShippedFiles = {
  socketUnit: '[Socket]\nListenStream=/run/docker.sock\n',
  serviceUnit: '[Service]\nExecStart=/usr/bin/socket-warden serve\n',
  dockerSocketDropIn: '[Socket]\nListenStream=\nListenStream=/run/socket-warden/engine.sock\n',
  defaultAdminSettings: '{}\n',
};
const HOLDING: Probes = {
  hostSocket: { kind: 'socket-warden' },
  dockerGroupToEngine: { kind: 'denied', code: 'EACCES' },
};

/** Managed mode in place, as the systemd host shows it after `system install`. */
function managedHost(): HostFacts {
  const facts = stockHost();
  const plan = planInstall(facts, SHIPPED, { now: '2026-12-01T00:00:00.000Z', version: '0.1.0' });
  facts.state = { kind: 'ok', state: plan.state };
  for (const step of plan.steps)
    if (step.kind === 'write') facts.files[step.path] = file(step.path, { content: step.content });
  facts.units['docker.socket'] = unit('docker.socket', {
    listen: [MANAGED.engineSocket],
    dropInPaths: [MANAGED.dockerSocketDropIn],
  });
  facts.units['socket-warden.socket'] = unit('socket-warden.socket', { listen: [MANAGED.hostSocket] });
  facts.units['socket-warden.service'] = unit('socket-warden.service', { mainPid: 572 });
  facts.files[MANAGED.engineSocket] = file(MANAGED.engineSocket, { isSocket: true, mode: 0o600 });
  facts.files[MANAGED.engineSocketDir] = file(MANAGED.engineSocketDir, { isDirectory: true, mode: 0o700 });
  return facts;
}

const levels = (facts: HostFacts, probes: Probes, check: string): Level[] =>
  managedStatus(facts, probes)
    .findings.filter((f) => f.check === check)
    .map((f) => f.level);

describe('managedStatus', () => {
  it('in place and holding', () => {
    const status = managedStatus(managedHost(), HOLDING);
    expect(status).toMatchObject({ installed: true, healthy: true });
    expect(status.findings.filter((f) => f.level !== 'ok' && f.level !== 'info')).toEqual([]);
  });

  it('not installed: says that the docker group reaches the engine directly', () => {
    const status = managedStatus(stockHost(), {
      hostSocket: { kind: 'other', answer: 'HTTP/1.1 400 Bad Request' },
      dockerGroupToEngine: null,
    });
    expect(status).toMatchObject({ installed: false, healthy: false });
    expect(status.findings.map((f) => f.message).join('\n')).toContain('around Socket Warden');
  });

  it('not installed but our units are there: a leftover', () => {
    const facts = stockHost();
    facts.files[MANAGED.socketUnit] = file(MANAGED.socketUnit);
    expect(levels(facts, HOLDING, 'leftover')).toEqual(['warn']);
  });

  it.each<[string, (facts: HostFacts, probes: Probes) => void, string, Level]>([
    [
      'docker.socket back on /run/docker.sock (a Docker upgrade)',
      (f) => (f.units['docker.socket'].listen = ['/run/docker.sock']),
      'docker.socket',
      'error',
    ],
    [
      'docker.socket on both',
      (f) => (f.units['docker.socket'].listen = [MANAGED.engineSocket, '/var/run/docker.sock']),
      'docker.socket',
      'error',
    ],
    ['the drop-in deleted', (f) => delete f.files[MANAGED.dockerSocketDropIn], 'drop-in', 'error'],
    [
      'the drop-in edited',
      (f) =>
        (f.files[MANAGED.dockerSocketDropIn] = file(MANAGED.dockerSocketDropIn, {
          content: Buffer.from('[Socket]\n'),
        })),
      'drop-in',
      'warn',
    ],
    [
      'the drop-in not applied by systemd',
      (f) => (f.units['docker.socket'].dropInPaths = []),
      'drop-in',
      'error',
    ],
    [
      'unit files changed, not reloaded',
      (f) => (f.units['docker.socket'].needDaemonReload = true),
      'daemon-reload',
      'warn',
    ],
    [
      'our socket unit stopped',
      (f) => (f.units['socket-warden.socket'].activeState = 'inactive'),
      'socket-warden.socket',
      'error',
    ],
    [
      'our service failed',
      (f) => (f.units['socket-warden.service'].activeState = 'failed'),
      'socket-warden.service',
      'error',
    ],
    [
      'our service not running yet',
      (f) => (f.units['socket-warden.service'].activeState = 'inactive'),
      'socket-warden.service',
      'warn',
    ],
    [
      'our units not enabled',
      (f) => (f.units['socket-warden.socket'].unitFileState = 'disabled'),
      'socket-warden.socket',
      'warn',
    ],
    ['our unit file deleted', (f) => delete f.files[MANAGED.serviceUnit], 'units', 'error'],
    [
      'the engine answers /run/docker.sock',
      (_f, p) => (p.hostSocket = { kind: 'other', answer: 'HTTP/1.1 400 Bad Request' }),
      'host-socket',
      'error',
    ],
    [
      'nothing answers /run/docker.sock',
      (_f, p) => (p.hostSocket = { kind: 'unreachable', error: 'ECONNREFUSED' }),
      'host-socket',
      'error',
    ],
    [
      'the engine socket open to its group (docker)',
      (f) => (
        (f.files[MANAGED.engineSocket]!.mode = 0o660),
        (f.files[MANAGED.engineSocket]!.gid = 102),
        (f.files[MANAGED.engineSocketDir]!.mode = 0o755)
      ),
      'engine-socket',
      'error',
    ],
    [
      'the engine socket open, but in a shut directory',
      (f) => (
        (f.files[MANAGED.engineSocket]!.mode = 0o666),
        (f.files[MANAGED.engineSocketDir]!.mode = 0o700)
      ),
      'engine-socket',
      'ok',
    ],
    ['the engine socket missing', (f) => delete f.files[MANAGED.engineSocket], 'engine-socket', 'warn'],
    [
      'a docker-group user gets in',
      (_f, p) => (p.dockerGroupToEngine = { kind: 'connected' }),
      'docker-group',
      'error',
    ],
    [
      'the probe could not run',
      (_f, p) => (p.dockerGroupToEngine = { kind: 'probe-failed', error: 'x' }),
      'docker-group',
      'warn',
    ],
  ])('%s', (_name, change, check, level) => {
    const facts = managedHost();
    const probes = structuredClone(HOLDING);
    change(facts, probes);
    expect(levels(facts, probes, check)).toContain(level);
    if (level === 'error') expect(managedStatus(facts, probes).healthy).toBe(false);
  });

  it('a lost state file is an error, not "not installed"', () => {
    const facts = managedHost();
    facts.state = { kind: 'invalid', error: 'not JSON' };
    expect(managedStatus(facts, HOLDING).findings).toEqual([
      { level: 'error', check: 'state', message: `${MANAGED.stateFile}: not JSON` },
    ]);
  });

  it('--root: no unit states to judge, the files are', () => {
    const facts = managedHost();
    facts.source = 'files';
    for (const name of ['socket-warden.socket', 'socket-warden.service'] as const)
      facts.units[name].activeState = 'unknown';
    expect(managedStatus(facts, { hostSocket: null, dockerGroupToEngine: null }).healthy).toBe(true);
  });
});
