// Host paths a requester may hand on: a container acting through its filtered socket may bind only
// what lies within a host path it has mounted itself, and read-only where its own mount is; in
// managed mode the host's users may bind only the directories the admin lists. Everything a grant
// would see of the host counts: its binds, local volumes that bind, and the host paths of containers
// whose volumes or PID namespace it joins. Pure.
import { sameFile, type ResolvedHostPath } from '../guards/file-identity.js';
import { isSameOrBelow } from '../policy/host-path.js';
import type { PowerFinding } from './default-powers.js';
import type { ResolvedGrant } from './resolve-grant.js';

export interface AllowedHostPath {
  host: ResolvedHostPath;
  readOnly: boolean;
}

/** 'any': no limit (the host in personal mode); otherwise the paths (empty: none at all). */
export type HostPathAllowance = 'any' | readonly AllowedHostPath[];

export interface HostPathUse {
  field: string;
  host: ResolvedHostPath;
  readOnly: boolean;
  via: string;
}

/** Every host path `resolved` would see, with how it sees it. */
export function hostPathUses(resolved: ResolvedGrant, via = ''): HostPathUse[] {
  const out: HostPathUse[] = [];
  for (const m of resolved.mounts) {
    if (!m.host) continue;
    if (m.mount.type === 'bind' || m.local?.kind === 'bind')
      out.push({
        field: m.mount.field,
        host: m.host,
        // Read-only only when submounts are too: ReadOnlyNonRecursive leaves them writable, and so
        // does the local driver's ro remount of an rbind (it applies to the top mount alone).
        readOnly:
          (m.mount.readOnly && !m.mount.readOnlyNonRecursive) ||
          (m.local?.kind === 'bind' && m.local.readOnly && !m.local.recursive),
        via,
      });
  }
  for (const join of resolved.joins) {
    if (!join.target || (join.via !== 'volumes-from' && join.via !== 'pid')) continue;
    const name = join.target.name || join.ref;
    for (const use of hostPathUses(join.target, `${via}through container ${name}: `))
      out.push({ ...use, field: join.field, readOnly: use.readOnly || join.readOnly });
  }
  return out;
}

function covers(allowed: AllowedHostPath, use: HostPathUse): boolean {
  const inside =
    isSameOrBelow(use.host.real, allowed.host.real) ||
    sameFile(use.host.identity, allowed.host.identity) ||
    (use.host.ancestors ?? []).some((a) => sameFile(a, allowed.host.identity));
  return inside && (use.readOnly || !allowed.readOnly);
}

export function hostPathsBeyond(resolved: ResolvedGrant, allowance: HostPathAllowance): PowerFinding[] {
  if (allowance === 'any') return [];
  const out: PowerFinding[] = [];
  for (const use of hostPathUses(resolved)) {
    if (allowance.some((allowed) => covers(allowed, use))) continue;
    const within = allowance.find((allowed) => covers(allowed, { ...use, readOnly: true }));
    out.push({
      field: use.field,
      what: within
        ? `${use.via}host path ${use.host.real} read-write, where only read-only is allowed (${within.host.real} is read-only)`
        : `${use.via}host path ${use.host.real}`,
    });
  }
  return out;
}
