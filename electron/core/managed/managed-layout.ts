// Where managed mode lives on a host: the units install writes, the sockets they make, the policy, the
// state that lets uninstall undo it all. Paths are the host's; `--root DIR` prefixes every one of them.
import path from 'node:path';

export const UNIT = {
  socketWarden: 'socket-warden.socket',
  socketWardenService: 'socket-warden.service',
  dockerSocket: 'docker.socket',
  dockerService: 'docker.service',
} as const;
export type UnitName = (typeof UNIT)[keyof typeof UNIT];
export const UNIT_NAMES: readonly UnitName[] = Object.values(UNIT);

export const MANAGED = {
  /** Where install puts the units (the admin's directory: ahead of the packages' /lib/systemd/system). */
  unitDir: '/etc/systemd/system',
  socketUnit: '/etc/systemd/system/socket-warden.socket',
  serviceUnit: '/etc/systemd/system/socket-warden.service',
  dockerSocketDropInDir: '/etc/systemd/system/docker.socket.d',
  dockerSocketDropIn: '/etc/systemd/system/docker.socket.d/socket-warden.conf',
  /** The socket every client knows (/var/run is a symlink to /run); Socket Warden's in managed mode. */
  hostSocket: '/run/docker.sock',
  /** Where the drop-in moves the engine: root only. */
  engineSocket: '/run/socket-warden/engine.sock',
  engineSocketDir: '/run/socket-warden',
  adminSettingsDir: '/etc/socket-warden',
  adminSettings: '/etc/socket-warden/admin-settings.json',
  dataDir: '/var/lib/socket-warden',
  stateFile: '/var/lib/socket-warden/system-install.json',
  /** What socket-warden.service runs (the package's wrapper around its own Node). */
  binary: '/usr/bin/socket-warden',
  daemonJson: '/etc/docker/daemon.json',
  /** Debian's docker.service reads DOCKER_OPTS from here (EnvironmentFile=-/etc/default/docker). */
  dockerDefaults: '/etc/default/docker',
} as const;

/** The paths clients use for the host's Docker socket (the two names of one file). */
export const HOST_SOCKET_NAMES: readonly string[] = ['/run/docker.sock', '/var/run/docker.sock'];

/** systemd's unit search path for system units, highest priority first. */
export const UNIT_SEARCH_PATH: readonly string[] = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
];

/** A host path under `root` ("/" is the host itself). */
export function inRoot(root: string, hostPath: string): string {
  return root === '/' ? hostPath : path.join(root, hostPath);
}
