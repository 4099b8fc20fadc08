import { describe, expect, it } from 'vitest';
import { file, stockHost, unit } from '../../../test/fixtures/managed-host.js';
import type { HostFacts } from './host-facts.js';
import { planInstall, sha256, type ShippedFiles } from './install-plan.js';
import { MANAGED } from './managed-layout.js';
import type { PlanStep } from './plan-step.js';

const SHIPPED: ShippedFiles = {
  socketUnit: '[Socket]\nListenStream=/run/docker.sock\n',
  serviceUnit: '[Service]\nExecStart=/usr/bin/socket-warden serve\n',
  dockerSocketDropIn: '[Socket]\nListenStream=\nListenStream=/run/socket-warden/engine.sock\n',
  defaultAdminSettings: '{"configurationFileVersion": 2}\n',
};
const META = { now: '2026-12-01T00:00:00.000Z', version: '0.1.0' };

const systemctl = (steps: PlanStep[]): string[] =>
  steps.flatMap((s) => (s.kind === 'systemctl' ? [s.args.join(' ')] : []));
const written = (steps: PlanStep[]): string[] => steps.flatMap((s) => (s.kind === 'write' ? [s.path] : []));

/** A host that install already moved (the files as install wrote them, the units active). */
function installedHost(): HostFacts {
  const facts = stockHost();
  const first = planInstall(facts, SHIPPED, META);
  facts.state = { kind: 'ok', state: first.state };
  for (const step of first.steps)
    if (step.kind === 'write') facts.files[step.path] = file(step.path, { content: step.content });
  facts.units['docker.socket'].listen = [MANAGED.engineSocket];
  facts.units['socket-warden.socket'] = unit('socket-warden.socket', { listen: [MANAGED.hostSocket] });
  facts.units['socket-warden.service'] = unit('socket-warden.service', { mainPid: 500 });
  return facts;
}

describe('planInstall', () => {
  it('on a stock host: state first, then the files, the engine moved, the stale socket, our units', () => {
    const plan = planInstall(stockHost(), SHIPPED, META);
    expect(plan.steps.map((s) => s.kind)).toEqual([
      'mkdir',
      'write-state',
      'mkdir',
      'mkdir',
      'write',
      'write',
      'write',
      'systemctl',
      'systemctl',
      'remove-dead-socket',
      'systemctl',
      'systemctl',
    ]);
    expect(systemctl(plan.steps)).toEqual([
      'daemon-reload',
      'restart docker.socket docker.service',
      'enable socket-warden.socket socket-warden.service',
      'start socket-warden.socket socket-warden.service',
    ]);
    expect(plan.restartsEngine).toBe(true);
    // The admin already has a policy: it is not touched.
    expect(written(plan.steps)).toEqual([
      MANAGED.socketUnit,
      MANAGED.serviceUnit,
      MANAGED.dockerSocketDropIn,
    ]);
    expect(plan.state).toEqual({
      version: 1,
      installedAt: META.now,
      socketWardenVersion: '0.1.0',
      files: [
        { path: MANAGED.socketUnit, before: null, writtenSha256: sha256(SHIPPED.socketUnit) },
        { path: MANAGED.serviceUnit, before: null, writtenSha256: sha256(SHIPPED.serviceUnit) },
        { path: MANAGED.dockerSocketDropIn, before: null, writtenSha256: sha256(SHIPPED.dockerSocketDropIn) },
      ],
      createdDirs: [MANAGED.dataDir, MANAGED.dockerSocketDropInDir],
      enabledUnits: ['socket-warden.socket', 'socket-warden.service'],
    });
  });

  it('writes the default policy when there is none, and records it', () => {
    const facts = stockHost();
    delete facts.files[MANAGED.adminSettings];
    delete facts.files[MANAGED.adminSettingsDir];
    const plan = planInstall(facts, SHIPPED, META);
    expect(written(plan.steps)).toContain(MANAGED.adminSettings);
    expect(plan.state.files.find((f) => f.path === MANAGED.adminSettings)).toEqual({
      path: MANAGED.adminSettings,
      before: null,
      writtenSha256: sha256(SHIPPED.defaultAdminSettings),
    });
    expect(plan.state.createdDirs).toContain(MANAGED.adminSettingsDir);
  });

  it('remembers a file that was there before, byte for byte, with its mode and owner', () => {
    const facts = stockHost();
    facts.files[MANAGED.socketUnit] = file(MANAGED.socketUnit, {
      content: Buffer.from('mine\n'),
      mode: 0o600,
      uid: 0,
      gid: 4,
    });
    const plan = planInstall(facts, SHIPPED, META);
    expect(plan.state.files[0]?.before).toEqual({
      contentBase64: Buffer.from('mine\n').toString('base64'),
      mode: 0o600,
      uid: 0,
      gid: 4,
    });
  });

  it('reinstalled unchanged: keeps the first record, restarts only the daemon, not the engine', () => {
    const facts = installedHost();
    const first = facts.state.kind === 'ok' ? facts.state.state : null;
    const plan = planInstall(facts, SHIPPED, { now: '2027-01-01T00:00:00.000Z', version: '0.2.0' });
    expect(plan.restartsEngine).toBe(false);
    expect(systemctl(plan.steps)).toEqual([
      'daemon-reload',
      'enable socket-warden.socket socket-warden.service',
      'restart socket-warden.service',
    ]);
    expect(plan.state).toEqual({ ...first, socketWardenVersion: '0.2.0' });
  });

  it('reinstalled with a changed socket unit: binds the socket anew', () => {
    const facts = installedHost();
    const plan = planInstall(facts, { ...SHIPPED, socketUnit: SHIPPED.socketUnit + 'Backlog=64\n' }, META);
    expect(systemctl(plan.steps)).toEqual([
      'daemon-reload',
      'stop socket-warden.socket socket-warden.service',
      'enable socket-warden.socket socket-warden.service',
      'start socket-warden.socket socket-warden.service',
    ]);
    expect(plan.steps.some((s) => s.kind === 'remove-dead-socket')).toBe(true);
  });

  it('after a Docker upgrade put docker.socket back on /run/docker.sock: the engine moves again', () => {
    const facts = installedHost();
    facts.units['docker.socket'].listen = [MANAGED.hostSocket];
    delete facts.files[MANAGED.dockerSocketDropIn];
    const plan = planInstall(facts, SHIPPED, META);
    expect(plan.restartsEngine).toBe(true);
    expect(systemctl(plan.steps)).toEqual([
      'daemon-reload',
      'stop socket-warden.socket socket-warden.service',
      'restart docker.socket docker.service',
      'enable socket-warden.socket socket-warden.service',
      'start socket-warden.socket socket-warden.service',
    ]);
    // What was there before the first install is still what uninstall restores.
    expect(plan.state.files.find((f) => f.path === MANAGED.dockerSocketDropIn)?.before).toBeNull();
  });

  it('does not enable what was enabled already, and does not claim it', () => {
    const facts = stockHost();
    facts.units['socket-warden.socket'] = unit('socket-warden.socket', { activeState: 'inactive' });
    expect(planInstall(facts, SHIPPED, META).state.enabledUnits).toEqual(['socket-warden.service']);
  });
});
