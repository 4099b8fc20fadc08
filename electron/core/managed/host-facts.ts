// Everything the managed-mode decisions look at, gathered once (gather-facts.ts) so that preflight, the
// install and uninstall plans and status are pure functions of it.
import type { SystemInstallState } from '../../../shared/system-install-state.js';
import type { DaemonJson } from './dockerd-config.js';
import type { UnitName } from './managed-layout.js';
import type { UnitState } from './systemctl-show.js';

export interface FileFact {
  path: string;
  exists: boolean;
  isSocket?: boolean;
  isDirectory?: boolean;
  /** Regular files: their bytes. */
  content?: Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
}

export type EngineFact =
  | {
      reachable: true;
      socket: string;
      version: string;
      apiVersion: string;
      containersRunning: number;
      liveRestore: boolean;
    }
  | { reachable: false; socket: string; error: string };

export type StateFact =
  { kind: 'absent' } | { kind: 'invalid'; error: string } | { kind: 'ok'; state: SystemInstallState };

export interface HostFacts {
  /** "/" or the --root directory. */
  root: string;
  /** systemctl: systemd is asked; files: --root/--no-systemctl, the unit files are read instead. */
  source: 'systemctl' | 'files';
  /** The name of PID 1 (/proc/1/comm), null when unreadable. */
  pid1: string | null;
  /** `systemctl --version`'s first line; null when systemctl failed (or was not asked). */
  systemd: string | null;
  systemdError?: string;
  units: Record<UnitName, UnitState>;
  /** The running dockerd's argv (/proc/<docker.service's MainPID>/cmdline), null when not running. */
  engineArgv: string[] | null;
  /** /etc/default/docker's variables (DOCKER_OPTS), which docker.service's ExecStart= expands. */
  dockerEnv: Record<string, string>;
  daemonJson: DaemonJson;
  /** Listening sockets and socket files of other Docker API engines (rootless Docker, Podman). */
  otherEngines: { path: string; what: string }[];
  /** Binaries of engines a user can start for themselves (podman, dockerd-rootless.sh). */
  otherEngineBinaries: string[];
  /** The files and sockets the plans touch, keyed by host path. */
  files: Record<string, FileFact>;
  engine: EngineFact | null;
  state: StateFact;
  /** The docker group's gid (from /etc/group), null when there is none. */
  dockerGid: number | null;
}
