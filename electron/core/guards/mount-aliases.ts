// Other names a path has through the host's mounts: `mount --bind /run /mnt/run` makes
// /mnt/run/docker.sock the same socket as /run/docker.sock, and a bind of /mnt reaches it with no
// symlink anywhere. Read from /proc/<pid>/mountinfo (proc(5)); pure apart from that read.
import { cleanPath, isSameOrBelow } from '../policy/host-path.js';

export interface MountInfoEntry {
  /** major:minor of the filesystem. */
  device: string;
  /** The directory of that filesystem mounted here. */
  root: string;
  mountPoint: string;
}

/** proc(5) escapes space, tab, newline and backslash in paths as octal (\040). */
function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 10) continue;
    const [, , device, root, mountPoint] = fields;
    if (!device || !root || !mountPoint) continue;
    entries.push({ device, root: unescapeMountPath(root), mountPoint: unescapeMountPath(mountPoint) });
  }
  return entries;
}

function relativeBelow(path: string, dir: string): string {
  return dir === '/' ? path : path.slice(dir.length) || '/';
}

function joinBelow(dir: string, rest: string): string {
  return cleanPath(rest === '/' ? dir : `${dir}/${rest}`);
}

/**
 * Every other path at which `path` (absolute, symlink-free) is visible through the mounts in
 * `table`: the mount it lies on gives its filesystem and its path within it; every other mount of
 * that filesystem whose root is at or above that path shows it too.
 */
export function mountAliases(path: string, table: readonly MountInfoEntry[]): string[] {
  // The mount `path` lies on: the deepest mount point above it, the last one mounted there winning.
  let home: MountInfoEntry | undefined;
  for (const entry of table) {
    if (!isSameOrBelow(path, entry.mountPoint)) continue;
    if (!home || entry.mountPoint.length >= home.mountPoint.length) home = entry;
  }
  if (!home) return [];
  const inFs = joinBelow(home.root, relativeBelow(path, home.mountPoint));
  const aliases = new Set<string>();
  for (const entry of table) {
    if (entry.device !== home.device || !isSameOrBelow(inFs, entry.root)) continue;
    const alias = joinBelow(entry.mountPoint, relativeBelow(inFs, entry.root));
    if (alias !== path) aliases.add(alias);
  }
  return [...aliases];
}
