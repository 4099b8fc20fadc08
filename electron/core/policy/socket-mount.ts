// Every way a container-create request would let the container reach a guarded socket (the engine's,
// Socket Warden's own, or a per-container filtered one): bind mounts of the socket, of a symlink to
// it, or of any directory above or below it; volumes that are really host binds; volumes taken from
// another container; and the host PID namespace, whose /proc/<pid>/root leads anywhere. Pure
// decision code: the filesystem and the engine are reached only through the injected context.
import type { CreateRequest, MountSpec } from './container-create.js';
import { cleanPath, isSameOrBelow } from './host-path.js';

export interface VolumeInfo {
  driver: string;
  options: Record<string, string>;
}

/** One entry of a container's `Mounts` as the engine reports it (`docker inspect`). */
export interface ContainerMount {
  type: string;
  source: string;
  name?: string;
  destination?: string;
}

export interface SocketMountContext {
  /** Absolute, symlink-free paths the container must not reach without permission. */
  guardedPaths: string[];
  /** Where a bind of this host path really lands (host-path.ts resolveHostPath); throws when unknown. */
  resolveHostPath(path: string): Promise<string>;
  /** An existing volume's driver and options; undefined when there is no such volume. */
  inspectVolume(name: string): Promise<VolumeInfo | undefined>;
  /** An existing container's mounts; undefined when there is no such container. */
  inspectContainerMounts(nameOrId: string): Promise<ContainerMount[] | undefined>;
  /** An existing container's HostConfig.PidMode. Without it, joining another container's PID namespace is refused. */
  inspectContainerPidMode?(nameOrId: string): Promise<string | undefined>;
}

export type SocketMountVia = 'bind' | 'mount' | 'volume' | 'volumes-from' | 'pid-namespace';

export interface SocketMountFinding {
  via: SocketMountVia;
  /** Where in the request, e.g. `HostConfig.Binds[2]`. */
  field: string;
  /** Index into CreateRequest.binds / .mounts, for rewriting the mount. */
  bindIndex?: number;
  mountIndex?: number;
  /** The source as written (a host path, volume name or container name). */
  source: string;
  /** The host path it reaches, when known. */
  resolvedSource?: string;
  /** Path inside the container ('' when not a mount). */
  target: string;
  /** The guarded path it exposes; undefined when the exposure cannot be judged (then treat it as exposed). */
  guardedPath?: string;
  /** exact: the guarded path itself; contains: a directory above it; inside: a path below it (a guarded directory). */
  relation?: 'exact' | 'contains' | 'inside' | 'host-proc' | 'unjudgeable';
  reason: string;
}

export async function findSocketMounts(
  req: CreateRequest,
  ctx: SocketMountContext,
): Promise<SocketMountFinding[]> {
  const guarded = ctx.guardedPaths.map(cleanPath);
  const findings: SocketMountFinding[] = [];
  const checkHostPath = async (
    path: string,
    base: Omit<SocketMountFinding, 'reason' | 'source'> & { source: string },
  ) => {
    const finding = await judgeHostPath(path, guarded, ctx);
    if (finding) findings.push({ ...base, ...finding });
  };
  const checkVolume = async (
    volume: { name: string; requested?: VolumeInfo; defaultDriver: string },
    base: Omit<SocketMountFinding, 'reason'>,
  ) => {
    for (const finding of await judgeVolume(volume, guarded, ctx)) findings.push({ ...base, ...finding });
  };

  for (const [i, raw] of req.binds.entries()) {
    const bind = parseBind(raw);
    if (!bind) continue; // the engine refuses the request
    const base = { field: `HostConfig.Binds[${i}]`, bindIndex: i, source: bind.source, target: bind.target };
    if (bind.source.startsWith('/')) await checkHostPath(bind.source, { ...base, via: 'bind' });
    else
      await checkVolume(
        { name: bind.source, defaultDriver: req.volumeDriver || 'local' },
        { ...base, via: 'volume' },
      );
  }

  for (const [i, mount] of req.mounts.entries()) {
    const base = {
      field: `HostConfig.Mounts[${i}]`,
      mountIndex: i,
      source: mount.source,
      target: mount.target,
    };
    const type = mount.type.toLowerCase();
    if (type === 'bind') await checkHostPath(mount.source, { ...base, via: 'mount' });
    else if (type === 'volume') await checkVolume(mountVolume(mount), { ...base, via: 'volume' });
  }

  for (const target of req.anonymousVolumes) {
    const base = {
      via: 'volume' as const,
      field: `Config.Volumes[${JSON.stringify(target)}]`,
      source: '',
      target,
    };
    await checkVolume({ name: '', defaultDriver: req.volumeDriver || 'local' }, base);
  }

  for (const [i, spec] of req.volumesFrom.entries()) {
    const container = spec.split(':', 1)[0] ?? spec;
    const base = { via: 'volumes-from' as const, field: `HostConfig.VolumesFrom[${i}]`, source: container };
    findings.push(...(await judgeContainerMounts(container, base, guarded, ctx)));
  }

  findings.push(...(await judgePidMode(req, guarded, ctx)));
  return findings;
}

/** moby volume/mounts linux_parser: at most three colon-separated parts, the first non-empty. */
export function parseBind(raw: string): { source: string; target: string; mode: string } | undefined {
  const parts = raw.split(':');
  if (parts.length > 3 || parts[0] === '') return undefined;
  if (parts.length === 1) return { source: '', target: parts[0] ?? '', mode: '' }; // anonymous volume
  return { source: parts[0] ?? '', target: parts[1] ?? '', mode: parts[2] ?? '' };
}

function mountVolume(mount: MountSpec): { name: string; requested?: VolumeInfo; defaultDriver: string } {
  if (!mount.driver) return { name: mount.source, defaultDriver: 'local' };
  return {
    name: mount.source,
    requested: { driver: mount.driver.name || 'local', options: mount.driver.options },
    defaultDriver: mount.driver.name || 'local',
  };
}

type Judgement = Pick<SocketMountFinding, 'resolvedSource' | 'guardedPath' | 'relation' | 'reason'>;

async function judgeHostPath(
  path: string,
  guarded: string[],
  ctx: SocketMountContext,
): Promise<Judgement | undefined> {
  let resolved: string;
  try {
    resolved = await ctx.resolveHostPath(path);
  } catch (error) {
    return {
      relation: 'unjudgeable',
      reason: `cannot tell where ${JSON.stringify(path)} leads: ${errorMessage(error)}`,
    };
  }
  for (const g of guarded) {
    if (resolved === g)
      return { resolvedSource: resolved, guardedPath: g, relation: 'exact', reason: `mounts ${g}` };
    if (isSameOrBelow(g, resolved))
      return {
        resolvedSource: resolved,
        guardedPath: g,
        relation: 'contains',
        reason: `mounts ${resolved}, which contains ${g}`,
      };
    if (isSameOrBelow(resolved, g))
      return {
        resolvedSource: resolved,
        guardedPath: g,
        relation: 'inside',
        reason: `mounts ${resolved}, inside ${g}`,
      };
  }
  // The host's /proc: /proc/<pid>/root of any process with no more capabilities than the container
  // (other containers, including ones allowed the socket) is a way into their mounts.
  if (isSameOrBelow(resolved, '/proc'))
    return { resolvedSource: resolved, relation: 'host-proc', reason: `mounts the host's ${resolved}` };
  return undefined;
}

function bindsHostPath(options: Record<string, string>): boolean {
  // volume/local: mount(device, _data, type, o). `bind`/`rbind` in o makes it a bind of `device`;
  // type none/bind is how people spell it, so count that too.
  const flags = (options.o ?? '').split(',').map((f) => f.trim());
  const type = options.type ?? '';
  return flags.includes('bind') || flags.includes('rbind') || type === 'none' || type === 'bind';
}

async function judgeVolume(
  volume: { name: string; requested?: VolumeInfo; defaultDriver: string },
  guarded: string[],
  ctx: SocketMountContext,
): Promise<Judgement[]> {
  const existing = volume.name === '' ? undefined : await ctx.inspectVolume(volume.name);
  // An existing volume is used as it is; options in the request then only matter if it is deleted
  // and re-created before the container is, so judge both.
  const candidates: VolumeInfo[] = [];
  if (existing) candidates.push(existing);
  if (volume.requested) candidates.push(volume.requested);
  if (candidates.length === 0) candidates.push({ driver: volume.defaultDriver, options: {} });
  const out: Judgement[] = [];
  for (const info of candidates) {
    const label = volume.name === '' ? 'an anonymous volume' : `volume ${JSON.stringify(volume.name)}`;
    if (info.driver !== 'local') {
      out.push({
        relation: 'unjudgeable',
        reason: `${label} uses volume driver ${JSON.stringify(info.driver)}, whose source cannot be judged`,
      });
      continue;
    }
    const device = info.options.device ?? '';
    if (bindsHostPath(info.options) && device !== '') {
      const judged = await judgeHostPath(device, guarded, ctx);
      if (judged) out.push({ ...judged, reason: `${label} binds host ${device}: ${judged.reason}` });
    } else if (device.startsWith('/dev/')) {
      out.push({ relation: 'unjudgeable', reason: `${label} mounts host device ${device}` });
    }
  }
  return out;
}

async function judgeContainerMounts(
  container: string,
  base: Pick<SocketMountFinding, 'via' | 'field' | 'source'>,
  guarded: string[],
  ctx: SocketMountContext,
): Promise<SocketMountFinding[]> {
  const mounts = await ctx.inspectContainerMounts(container);
  if (!mounts)
    return [
      {
        ...base,
        target: '',
        relation: 'unjudgeable',
        reason: `no such container ${JSON.stringify(container)} to judge`,
      },
    ];
  const out: SocketMountFinding[] = [];
  for (const m of mounts) {
    const target = m.destination ?? '';
    const type = m.type.toLowerCase();
    if (type === 'bind') {
      const judged = await judgeHostPath(m.source, guarded, ctx);
      if (judged)
        out.push({ ...base, target, ...judged, reason: `from container ${container}: ${judged.reason}` });
    } else if (type === 'volume') {
      const info = m.name ? await ctx.inspectVolume(m.name) : undefined;
      const judged = info
        ? await judgeVolume({ name: m.name ?? '', requested: info, defaultDriver: info.driver }, guarded, ctx)
        : [];
      if (m.source !== '') {
        const direct = await judgeHostPath(m.source, guarded, ctx);
        if (direct) judged.push(direct);
      }
      for (const j of judged)
        out.push({ ...base, target, ...j, reason: `from container ${container}: ${j.reason}` });
    }
  }
  return out;
}

const PTRACE_CAPS = new Set(['ALL', 'SYS_PTRACE', 'CAP_SYS_PTRACE', 'CAP_ALL']);

async function judgePidMode(
  req: CreateRequest,
  guarded: string[],
  ctx: SocketMountContext,
): Promise<SocketMountFinding[]> {
  const mode = req.pidMode.toLowerCase();
  const base = {
    via: 'pid-namespace' as const,
    field: 'HostConfig.PidMode',
    source: req.pidMode,
    target: '',
  };
  if (mode === 'host') {
    const ptrace = req.privileged || req.capAdd.some((c) => PTRACE_CAPS.has(c.toUpperCase()));
    return [
      {
        ...base,
        relation: 'unjudgeable',
        reason: ptrace
          ? 'host PID namespace with ptrace rights: /proc/1/root reaches every host path'
          : "host PID namespace: /proc/<pid>/root reaches other containers' mounts",
      },
    ];
  }
  if (!mode.startsWith('container:')) return [];
  const other = req.pidMode.slice('container:'.length);
  const out = await judgeContainerMounts(other, base, guarded, ctx);
  const otherMode = ctx.inspectContainerPidMode ? await ctx.inspectContainerPidMode(other) : undefined;
  if (
    otherMode === undefined ||
    otherMode.toLowerCase() === 'host' ||
    otherMode.toLowerCase().startsWith('container:')
  ) {
    out.push({
      ...base,
      relation: 'unjudgeable',
      reason: `joins the PID namespace of ${other}, which may be the host's`,
    });
  }
  return out;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
