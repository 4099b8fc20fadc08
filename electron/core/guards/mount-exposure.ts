// What a running container's mounts really expose, judged from its own mount table
// (/proc/<pid>/mountinfo): each mount shows a directory of some filesystem, and a guarded path is
// exposed when its filesystem and its path within it lie under a mount's root. This is the outcome of
// the engine's mount, whatever the bind source was spelled or became (a symlink swapped in after the
// create was judged), so it also covers the starts the engine makes by itself. Pure.
import { cleanPath, isSameOrBelow } from '../policy/host-path.js';
import type { Guard } from './guard.js';
import type { MountInfoEntry } from './mount-aliases.js';

/** A guarded path as its filesystem knows it. */
export interface GuardLocation {
  guard: Guard;
  device: string;
  /** The path within that filesystem. */
  inFs: string;
}

/**
 * Where each existing socket guard (and the filtered-socket directory) lives, from the host's mount
 * table. Only sockets: the engine itself binds files of its data-root and run-root into every
 * container (hosts, resolv.conf, volumes), so a state directory cannot be told apart here.
 */
export function locateGuards(
  guards: readonly Guard[],
  hostTable: readonly MountInfoEntry[],
): GuardLocation[] {
  const out: GuardLocation[] = [];
  for (const guard of guards) {
    if (!guard.identity) continue; // not there: nothing to expose
    if (!guard.socket && guard.kind !== 'filtered-sockets') continue;
    let home: MountInfoEntry | undefined;
    for (const entry of hostTable)
      if (
        isSameOrBelow(guard.path, entry.mountPoint) &&
        (!home || entry.mountPoint.length >= home.mountPoint.length)
      )
        home = entry;
    if (!home) continue;
    const rest = home.mountPoint === '/' ? guard.path : guard.path.slice(home.mountPoint.length) || '/';
    out.push({ guard, device: home.device, inFs: cleanPath(`${home.root}/${rest}`) });
  }
  return out;
}

export interface Exposure {
  location: GuardLocation;
  /** Where the container sees it. */
  mountPoint: string;
  /** The host path of what is mounted (the guard or a path inside a guarded directory). */
  hostPath: string;
}

/** The guards a container's mounts expose; `isOwn` excuses the container's own filtered socket. */
export function exposedGuards(
  containerTable: readonly MountInfoEntry[],
  locations: readonly GuardLocation[],
  isOwn: (exposure: Exposure) => boolean,
): Exposure[] {
  const out: Exposure[] = [];
  for (const mount of containerTable) {
    for (const location of locations) {
      if (mount.device !== location.device) continue;
      let hostPath: string | undefined;
      if (isSameOrBelow(location.inFs, mount.root)) hostPath = location.guard.path;
      else if (isSameOrBelow(mount.root, location.inFs))
        hostPath = cleanPath(`${location.guard.path}/${mount.root.slice(location.inFs.length)}`);
      if (hostPath === undefined) continue;
      const exposure = { location, mountPoint: mount.mountPoint, hostPath };
      if (!isOwn(exposure)) out.push(exposure);
    }
  }
  return out;
}
