// The steps of `socket-warden system uninstall`: everything install recorded in its state file, undone,
// so Docker is back exactly as it was (its socket on /run/docker.sock, its unit files as they were).
// Pure.
import type { SystemInstallState } from '../../../shared/system-install-state.js';
import { MANAGED, UNIT } from './managed-layout.js';
import type { PlanStep } from './plan-step.js';

export function planUninstall(state: SystemInstallState): PlanStep[] {
  const steps: PlanStep[] = [
    {
      kind: 'systemctl',
      args: ['stop', UNIT.socketWarden, UNIT.socketWardenService],
      why: 'nothing answers /run/docker.sock until Docker has it back',
    },
  ];
  if (state.enabledUnits.length > 0) {
    steps.push({
      kind: 'systemctl',
      args: ['disable', ...state.enabledUnits],
      why: 'they were not enabled before install',
    });
  }
  for (const file of state.files) {
    if (file.before) {
      steps.push({ kind: 'restore', path: file.path, before: file.before });
    } else if (file.path === MANAGED.adminSettings) {
      // The policy install wrote: the admin may have made it theirs since, and then it stays.
      steps.push({
        kind: 'remove',
        path: file.path,
        ifSha256: file.writtenSha256,
        why: 'the default policy install wrote',
      });
    } else {
      steps.push({ kind: 'remove', path: file.path, why: 'install wrote it' });
    }
  }
  for (const dir of [...state.createdDirs].sort((a, b) => b.length - a.length)) {
    // The data directory holds the state file: it comes last.
    if (dir !== MANAGED.dataDir) steps.push({ kind: 'rmdir-if-empty', path: dir });
  }
  steps.push(
    {
      kind: 'systemctl',
      args: ['daemon-reload'],
      why: "systemd forgets the units and docker.socket's drop-in",
    },
    {
      kind: 'remove-dead-socket',
      path: MANAGED.hostSocket,
      why: "socket-warden.socket's socket file stays behind",
    },
    {
      kind: 'systemctl',
      args: ['restart', UNIT.dockerSocket, UNIT.dockerService],
      why: 'the engine listens on /run/docker.sock again (this stops running containers unless live-restore is on)',
    },
    {
      kind: 'remove-dead-socket',
      path: MANAGED.engineSocket,
      why: "docker.socket's old socket file stays behind",
    },
    { kind: 'rmdir-if-empty', path: MANAGED.engineSocketDir },
    { kind: 'remove-state' },
  );
  // Empty unless the daemon ran (its history): then it stays, for the package's purge.
  if (state.createdDirs.includes(MANAGED.dataDir))
    steps.push({ kind: 'rmdir-if-empty', path: MANAGED.dataDir });
  return steps;
}
