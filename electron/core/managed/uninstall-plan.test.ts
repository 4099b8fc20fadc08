import { describe, expect, it } from 'vitest';
import type { SystemInstallState } from '../../../shared/system-install-state.js';
import { MANAGED } from './managed-layout.js';
import { describeStep } from './plan-step.js';
import { planUninstall } from './uninstall-plan.js';

const BEFORE = { contentBase64: Buffer.from('old\n').toString('base64'), mode: 0o644, uid: 0, gid: 0 };
const SHA = 'a'.repeat(64);

const STATE: SystemInstallState = {
  version: 1,
  installedAt: '2026-12-01T00:00:00.000Z',
  socketWardenVersion: '0.1.0',
  files: [
    { path: MANAGED.socketUnit, before: BEFORE, writtenSha256: SHA },
    { path: MANAGED.serviceUnit, before: null, writtenSha256: SHA },
    { path: MANAGED.dockerSocketDropIn, before: null, writtenSha256: SHA },
    { path: MANAGED.adminSettings, before: null, writtenSha256: SHA },
  ],
  createdDirs: [MANAGED.dataDir, MANAGED.dockerSocketDropInDir, MANAGED.adminSettingsDir],
  enabledUnits: ['socket-warden.socket', 'socket-warden.service'],
};

describe('planUninstall', () => {
  it('undoes what the state records, in an order that never exposes the engine', () => {
    expect(planUninstall(STATE).map(describeStep)).toEqual([
      'systemctl stop socket-warden.socket socket-warden.service: nothing answers /run/docker.sock until Docker has it back',
      'systemctl disable socket-warden.socket socket-warden.service: they were not enabled before install',
      'restore /etc/systemd/system/socket-warden.socket as it was before install (644, 0:0)',
      'remove /etc/systemd/system/socket-warden.service: install wrote it',
      'remove /etc/systemd/system/docker.socket.d/socket-warden.conf: install wrote it',
      'remove /etc/socket-warden/admin-settings.json (if unchanged since install): the default policy install wrote',
      'rmdir /etc/systemd/system/docker.socket.d if empty',
      'rmdir /etc/socket-warden if empty',
      "systemctl daemon-reload: systemd forgets the units and docker.socket's drop-in",
      "remove /run/docker.sock if nothing listens on it: socket-warden.socket's socket file stays behind",
      'systemctl restart docker.socket docker.service: the engine listens on /run/docker.sock again (this stops running containers unless live-restore is on)',
      "remove /run/socket-warden/engine.sock if nothing listens on it: docker.socket's old socket file stays behind",
      'rmdir /run/socket-warden if empty',
      'remove the state file',
      'rmdir /var/lib/socket-warden if empty',
    ]);
  });

  it('disables nothing it did not enable, and keeps a data directory it did not create', () => {
    const steps = planUninstall({ ...STATE, enabledUnits: [], createdDirs: [] });
    expect(steps.some((s) => s.kind === 'systemctl' && s.args[0] === 'disable')).toBe(false);
    expect(steps.some((s) => s.kind === 'rmdir-if-empty' && s.path === MANAGED.dataDir)).toBe(false);
  });

  it('removes the default policy only while it is what install wrote', () => {
    expect(
      planUninstall(STATE).find((s) => s.kind === 'remove' && s.path === MANAGED.adminSettings),
    ).toMatchObject({
      ifSha256: SHA,
    });
  });
});
