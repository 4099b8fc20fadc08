// A guard is a host path a container must not reach unless Socket Warden hands it a filtered socket
// instead: the engine's socket (and every other spelling of it), Socket Warden's own sockets, the
// engine's state (data-root, exec-root, containerd, plugins, BuildKit) and other engines' sockets.
// Pure: which guards exist is learnt elsewhere (guard-discovery.ts); this file only relates paths.
import { isSameOrBelow } from '../policy/host-path.js';
import { sameFile, type FileIdentity, type ResolvedHostPath } from './file-identity.js';

export type GuardKind =
  /** A Docker API socket Socket Warden can stand in for: a bind of it becomes a filtered socket. */
  | 'engine-socket'
  /** Socket Warden's own per-container sockets: never handed to another container. */
  | 'filtered-sockets'
  /** What the engine keeps and runs: reaching it is reaching the engine, and no socket can filter it. */
  | 'engine-state'
  /** Another engine's socket or state on this host (Podman, rootless Docker, containerd, cri-dockerd). */
  | 'other-engine'
  /** A path the admin listed. */
  | 'admin';

export interface Guard {
  /** Absolute and symlink-free (or as spelled when it does not exist yet). */
  path: string;
  kind: GuardKind;
  /** What it is, in words a user can act on: "the Docker Engine's data-root". */
  what: string;
  /** The file's identity when it exists: a hard link or another mount of it has the same. */
  identity?: FileIdentity;
  /** Identities of the existing directories above it, nearest first: another name for one of them contains it. */
  ancestors?: FileIdentity[];
  /** A socket file (not a directory). */
  socket?: boolean;
}

export type GuardRelation =
  /** The path is the guarded file (by path or by identity). */
  | 'exact'
  /** The path is a directory above the guard: the container sees it inside. */
  | 'contains'
  /** The path lies below a guarded directory. */
  | 'inside';

export interface GuardHit {
  guard: Guard;
  relation: GuardRelation;
}

/**
 * The guards a host path reaches, strongest first: by identity (a hard link, a bind mount, a
 * /proc/<pid>/root spelling of a guarded file), then by path (the guard, a directory above it, or a
 * path inside a guarded directory).
 */
export function guardsReached(path: ResolvedHostPath, guards: readonly Guard[]): GuardHit[] {
  const hits: GuardHit[] = [];
  for (const guard of guards) {
    if (sameFile(path.identity, guard.identity) || path.real === guard.path) {
      hits.push({ guard, relation: 'exact' });
    } else if (
      isSameOrBelow(guard.path, path.real) ||
      (path.identity && guard.ancestors?.some((a) => sameFile(a, path.identity)))
    ) {
      hits.push({ guard, relation: 'contains' });
    } else if (isSameOrBelow(path.real, guard.path)) {
      hits.push({ guard, relation: 'inside' });
    } else if (guard.identity && path.ancestors?.some((a) => sameFile(a, guard.identity))) {
      // A directory of the guard's, reached under another name: still inside it.
      hits.push({ guard, relation: 'inside' });
    }
  }
  return hits;
}

/** Plain words for a hit, for denial messages: "mounts /run, which contains the Docker socket /run/docker.sock". */
export function describeHit(path: ResolvedHostPath, hit: GuardHit): string {
  const { guard } = hit;
  const shown = path.spelled === path.real ? path.real : `${path.spelled} (${path.real})`;
  switch (hit.relation) {
    case 'exact':
      return path.real === guard.path
        ? `mounts ${guard.what} ${guard.path}`
        : `mounts ${shown}, which is ${guard.what} ${guard.path} under another name`;
    case 'contains':
      return `mounts ${shown}, which contains ${guard.what} ${guard.path}`;
    case 'inside':
      return `mounts ${shown}, inside ${guard.what} ${guard.path}`;
  }
}
