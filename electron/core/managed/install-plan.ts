// The steps of `socket-warden system install`, from the gathered facts and the files the package ships.
// Pure. The state file is written first, before anything else changes, so that an install that fails
// half way is undone by `system uninstall` like a finished one.
import { createHash } from 'node:crypto';
import type { InstalledFile, SystemInstallState } from '../../../shared/system-install-state.js';
import type { FileFact, HostFacts } from './host-facts.js';
import { MANAGED, UNIT } from './managed-layout.js';
import type { PlanStep } from './plan-step.js';

/** What the package ships: the units, the drop-in and the default policy. */
export interface ShippedFiles {
  socketUnit: string;
  serviceUnit: string;
  dockerSocketDropIn: string;
  defaultAdminSettings: string;
}

export interface InstallPlan {
  steps: PlanStep[];
  state: SystemInstallState;
  /** True when the plan restarts docker.socket and docker.service (which stops running containers). */
  restartsEngine: boolean;
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export function planInstall(
  facts: HostFacts,
  shipped: ShippedFiles,
  meta: { now: string; version: string },
): InstallPlan {
  const previous = facts.state.kind === 'ok' ? facts.state.state : null;
  const fileOf = (path: string): FileFact => facts.files[path] ?? { path, exists: false };

  const writes: { path: string; content: Buffer; why: string }[] = [
    {
      path: MANAGED.socketUnit,
      content: Buffer.from(shipped.socketUnit),
      why: 'Socket Warden answers /run/docker.sock',
    },
    { path: MANAGED.serviceUnit, content: Buffer.from(shipped.serviceUnit), why: 'the daemon, as root' },
    {
      path: MANAGED.dockerSocketDropIn,
      content: Buffer.from(shipped.dockerSocketDropIn),
      why: `docker.socket moves to ${MANAGED.engineSocket}, root only`,
    },
  ];
  // The admin's policy is theirs: written only when there is none, and then it allows nothing.
  if (!fileOf(MANAGED.adminSettings).exists) {
    writes.push({
      path: MANAGED.adminSettings,
      content: Buffer.from(shipped.defaultAdminSettings),
      why: 'the default policy: enforcing, no image may mount the socket',
    });
  }

  const files: InstalledFile[] = writes.map(({ path, content }) => {
    const recorded = previous?.files.find((file) => file.path === path);
    const now = fileOf(path);
    return {
      path,
      // Reinstalling keeps what was there before the first install, not the first install's own files.
      before: recorded
        ? recorded.before
        : now.exists && now.content
          ? {
              contentBase64: now.content.toString('base64'),
              mode: now.mode ?? 0o644,
              uid: now.uid ?? 0,
              gid: now.gid ?? 0,
            }
          : null,
      writtenSha256: sha256(content),
    };
  });
  // Files a previous install wrote that this one does not (the default policy, once the admin has one).
  for (const file of previous?.files ?? []) if (!files.some((f) => f.path === file.path)) files.push(file);

  const dirs = [MANAGED.dataDir, MANAGED.dockerSocketDropInDir, MANAGED.adminSettingsDir];
  const createdDirs = [
    ...(previous?.createdDirs ?? []),
    ...dirs.filter((dir) => !fileOf(dir).exists && !previous?.createdDirs.includes(dir)),
  ];

  const wantEnabled = [UNIT.socketWarden, UNIT.socketWardenService];
  const enabledUnits = [
    ...(previous?.enabledUnits ?? []),
    ...wantEnabled.filter(
      (u) => facts.units[u].unitFileState !== 'enabled' && !previous?.enabledUnits.includes(u),
    ),
  ];

  const state: SystemInstallState = {
    version: 1,
    installedAt: previous?.installedAt ?? meta.now,
    socketWardenVersion: meta.version,
    files,
    createdDirs,
    enabledUnits,
  };

  const dockerSocket = facts.units[UNIT.dockerSocket];
  const dropInUnchanged = sameContent(fileOf(MANAGED.dockerSocketDropIn), shipped.dockerSocketDropIn);
  // Already moved (a reinstall): restarting the engine again would only stop containers for nothing.
  const restartsEngine = !(
    dropInUnchanged &&
    !dockerSocket.needDaemonReload &&
    dockerSocket.listen.length === 1 &&
    dockerSocket.listen[0] === MANAGED.engineSocket
  );
  const socketWardenActive = facts.units[UNIT.socketWarden].activeState === 'active';
  // A changed socket unit, or an engine that may have held /run/docker.sock, needs the socket bound anew.
  const rebindsSocket =
    !socketWardenActive || restartsEngine || !sameContent(fileOf(MANAGED.socketUnit), shipped.socketUnit);

  const steps: PlanStep[] = [
    { kind: 'mkdir', path: MANAGED.dataDir, mode: 0o750 },
    { kind: 'write-state', state },
    { kind: 'mkdir', path: MANAGED.dockerSocketDropInDir, mode: 0o755 },
    { kind: 'mkdir', path: MANAGED.adminSettingsDir, mode: 0o755 },
    ...writes.map(({ path, content, why }) => ({ kind: 'write' as const, path, content, mode: 0o644, why })),
    { kind: 'systemctl', args: ['daemon-reload'], why: 'systemd reads the new units and the drop-in' },
  ];
  if (socketWardenActive && rebindsSocket) {
    steps.push({
      kind: 'systemctl',
      args: ['stop', UNIT.socketWarden, UNIT.socketWardenService],
      why: 'its socket is bound again below',
    });
  }
  if (restartsEngine) {
    steps.push({
      kind: 'systemctl',
      args: ['restart', UNIT.dockerSocket, UNIT.dockerService],
      why: `the engine moves to ${MANAGED.engineSocket} (this stops running containers unless live-restore is on)`,
    });
  }
  if (rebindsSocket) {
    steps.push({
      kind: 'remove-dead-socket',
      path: MANAGED.hostSocket,
      why: 'systemd leaves the old socket file behind; one that still answers means the engine did not move',
    });
  }
  steps.push({
    kind: 'systemctl',
    args: ['enable', UNIT.socketWarden, UNIT.socketWardenService],
    why: 'managed mode survives a reboot',
  });
  steps.push(
    rebindsSocket
      ? {
          kind: 'systemctl',
          args: ['start', UNIT.socketWarden, UNIT.socketWardenService],
          why: 'Socket Warden answers /run/docker.sock',
        }
      : {
          kind: 'systemctl',
          args: ['restart', UNIT.socketWardenService],
          why: 'the daemon picks up the new version (clients wait on the socket meanwhile)',
        },
  );
  return { steps, state, restartsEngine };
}

function sameContent(file: FileFact, text: string): boolean {
  return file.exists && file.content !== undefined && file.content.equals(Buffer.from(text));
}
