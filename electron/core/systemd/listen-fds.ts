// Socket activation, as sd_listen_fds(3) defines it: systemd passes the sockets of a .socket unit to the
// service it starts as fds 3, 4, … and says so in LISTEN_FDS, for the process LISTEN_PID only (a child
// that inherited the environment must not take them).

/** The first fd systemd passes (SD_LISTEN_FDS_START). */
export const SD_LISTEN_FDS_START = 3;

export type ListenFds =
  { kind: 'none' } | { kind: 'fds'; fds: number[]; names: string[] } | { kind: 'error'; message: string };

/** Reads LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES; pure over the environment and the pid. */
export function parseListenFds(env: NodeJS.ProcessEnv, pid: number): ListenFds {
  const pidText = env.LISTEN_PID;
  const countText = env.LISTEN_FDS;
  if (pidText === undefined && countText === undefined) return { kind: 'none' };
  if (pidText === undefined || countText === undefined) {
    return { kind: 'error', message: 'LISTEN_PID and LISTEN_FDS must be set together' };
  }
  if (!/^[1-9][0-9]*$/.test(pidText))
    return { kind: 'error', message: `LISTEN_PID="${pidText}" is not a pid` };
  // Meant for another process (our parent, say): not ours to take.
  if (Number(pidText) !== pid) return { kind: 'none' };
  if (!/^(0|[1-9][0-9]*)$/.test(countText) || Number(countText) > 4096) {
    return { kind: 'error', message: `LISTEN_FDS="${countText}" is not a count of fds` };
  }
  const count = Number(countText);
  if (count === 0) return { kind: 'none' };
  const fds = Array.from({ length: count }, (_, i) => SD_LISTEN_FDS_START + i);
  const names = env.LISTEN_FDNAMES === undefined ? [] : env.LISTEN_FDNAMES.split(':');
  return { kind: 'fds', fds, names };
}

/**
 * The one listening socket a service with one ListenStream= gets: its fd, or why there is none (undefined
 * when systemd passed nothing, so the caller listens on a path of its own).
 */
export function singleListenFd(
  env: NodeJS.ProcessEnv,
  pid: number,
): { fd: number } | { error: string } | undefined {
  const parsed = parseListenFds(env, pid);
  switch (parsed.kind) {
    case 'none':
      return undefined;
    case 'error':
      return { error: `socket activation: ${parsed.message}` };
    case 'fds':
      if (parsed.fds.length !== 1) {
        return { error: `socket activation: expected one socket from systemd, got ${parsed.fds.length}` };
      }
      return { fd: parsed.fds[0] as number };
  }
}

/** Like sd_listen_fds(1): the variables are consumed, so child processes do not see them. */
export function unsetListenEnv(env: NodeJS.ProcessEnv): void {
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
}
