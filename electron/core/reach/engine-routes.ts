// Every way a container would reach the Docker Engine, another engine, or the engine's state: the
// first promise (a container whose image is not allowed never reaches the engine) is judged here.
// Routes: a mount of a guarded path (by path or by identity: a hard link, another mount of it, a
// /proc spelling), of a directory above one or a path inside one; the host kernel's own views
// (proc, sysfs, cgroups…) whether bound or mounted as a local volume; the host's disk (a block
// device as a volume, as a device, or allowed by a device cgroup rule); the host's PID namespace;
// and all of these through a container whose volumes or namespaces are joined. Only a bind of an
// engine socket file can be handed a filtered socket instead. Pure.
import { describeHit, guardsReached, type Guard, type GuardRelation } from '../guards/guard.js';
import type { ResolvedHostPath } from '../guards/file-identity.js';
import { isSameOrBelow } from '../policy/host-path.js';
import type { GrantMount } from './container-grant.js';
import type { ResolvedGrant, ResolvedJoin, ResolvedMount } from './resolve-grant.js';

export type RouteKind =
  /** An engine socket file, bound: the one route a filtered socket can stand in for. */
  | 'socket'
  /** A guarded path other than a bound socket file: engine state, another engine, our sockets. */
  | 'guarded'
  | 'host-kernel'
  | 'host-disk'
  | 'host-pid'
  | 'unjudgeable';

export interface RouteFinding {
  field: string;
  kind: RouteKind;
  /** The guard reached, when one is, and how. */
  guard?: Guard;
  relation?: GuardRelation;
  /** Reached through another container's volumes or namespaces, not a mount of this one's. */
  joined?: boolean;
  /** The guarded file under another name than its own (a hard link, another mount). */
  alias?: boolean;
  /** Set on 'socket' routes Socket Warden can rewrite to a filtered socket. */
  rewrite?: GrantMount['rewrite'];
  target: string;
  reason: string;
}

export interface RouteContext {
  guards: readonly Guard[];
  /** Podman re-parses mounts as CLI strings: what Docker takes literally, it may read as options. */
  engine?: 'docker' | 'podman';
  /** Hard links to a guarded socket that Socket Warden has not located (per device): see guard-links.ts. */
  unlocatedLinks?: readonly { dev: number; guard: Guard; count: number }[];
}

/** Paths whose contents are the host kernel's own state, whatever is bound from them. */
const HOST_KERNEL_PATHS: readonly [string, string][] = [
  ['/proc', "the host's /proc (its PID namespace: /proc/<pid>/root leads into every process's mounts)"],
  ['/sys', "the host's /sys"],
];

function kernelPathOf(real: string): string | undefined {
  for (const [dir, what] of HOST_KERNEL_PATHS) if (isSameOrBelow(real, dir)) return what;
  // A bind of / or of the directory above /proc or /sys reaches them too, but that is already a
  // route: / contains every guarded path.
  return undefined;
}

function hostPathRoutes(
  host: ResolvedHostPath,
  base: Pick<RouteFinding, 'field' | 'target'>,
  ctx: RouteContext,
  rewritable: GrantMount['rewrite'] | undefined,
): RouteFinding[] {
  const out: RouteFinding[] = [];
  for (const hit of guardsReached(host, ctx.guards)) {
    const isSocketFile = hit.relation === 'exact' && (host.isSocket ?? hit.guard.socket === true);
    const kind = isSocketFile && hit.guard.kind === 'engine-socket' ? 'socket' : 'guarded';
    out.push({
      ...base,
      kind,
      guard: hit.guard,
      relation: hit.relation,
      ...(host.real !== hit.guard.path && hit.relation === 'exact' ? { alias: true } : {}),
      ...(kind === 'socket' && rewritable ? { rewrite: rewritable } : {}),
      reason: describeHit(host, hit),
    });
  }
  const kernel = kernelPathOf(host.real);
  if (kernel) out.push({ ...base, kind: 'host-kernel', reason: `mounts ${host.spelled}: ${kernel}` });
  if (host.isDirectory && host.identity) {
    for (const link of ctx.unlocatedLinks ?? []) {
      if (link.dev !== host.identity.dev) continue;
      out.push({
        ...base,
        kind: 'guarded',
        guard: link.guard,
        reason: `mounts ${host.spelled}, on the filesystem where ${link.guard.what} ${link.guard.path} has ${link.count} hard link(s) Socket Warden has not located`,
      });
    }
  }
  return out;
}

/** Bind mode words Docker knows (volume/mounts linux_parser.go); Podman also takes O, U, idmap, upperdir=… */
const DOCKER_BIND_MODES = new Set([
  'ro',
  'rw',
  'z',
  'Z',
  'private',
  'rprivate',
  'shared',
  'rshared',
  'slave',
  'rslave',
  'nocopy',
  'consistent',
  'cached',
  'delegated',
]);

/** Anonymous volumes of Config.Volumes: Podman's compat layer hands each key on as a `-v` string. */
function isConfigVolume(mount: GrantMount): boolean {
  return mount.field.startsWith('Config.Volumes[');
}

/** What Podman's compat layer (cliOpts: Binds and Config.Volumes as -v, Mounts as --mount) reads differently. */
function podmanMisreads(mount: GrantMount): string | undefined {
  if (isConfigVolume(mount))
    return mount.target.includes(':')
      ? 'a colon in a Config.Volumes path, which Podman reads as a host:container bind'
      : undefined;
  const odd = (mount.modes ?? []).filter((m) => !DOCKER_BIND_MODES.has(m));
  if (odd.length > 0) return `bind options ${odd.join(',')}, which Podman reads as its own`;
  // A -v source starting with `.` is a host path to Podman (relative to its working directory).
  if (mount.modes && mount.source.startsWith('.'))
    return `bind source ${JSON.stringify(mount.source)}, which Podman reads as a host path relative to its working directory`;
  // Podman does not clean a bind source: the kernel takes each `..` after the symlinks before it.
  if (mount.type === 'bind' && mount.source.split('/').includes('..'))
    return `a ".." in bind source ${JSON.stringify(mount.source)}, which Podman hands to the kernel uncleaned`;
  // Mounts become a comma-separated --mount string, unescaped (source, target, consistency and
  // bind-propagation as given): a comma or quote adds options, and a later source= wins.
  if (
    !mount.modes &&
    /[,"]/.test(`${mount.source}${mount.target}${mount.propagation}${mount.consistency ?? ''}`)
  )
    return 'a comma or quote in a mount source, target, consistency or propagation, which Podman reads as more mount options';
  return undefined;
}

function mountRoutes(resolved: ResolvedMount, ctx: RouteContext): RouteFinding[] {
  const { mount } = resolved;
  const base = { field: mount.field, target: mount.target };
  // Only what a request asks for is re-read by Podman; an existing container's mounts are what it made.
  const asked = mount.rewrite !== undefined || isConfigVolume(mount);
  const misread = ctx.engine === 'podman' && asked ? podmanMisreads(mount) : undefined;
  if (misread) return [{ ...base, kind: 'unjudgeable', reason: misread }];
  if (mount.type === 'bind') {
    if (!resolved.host)
      return [
        {
          ...base,
          kind: 'unjudgeable',
          reason: `cannot tell where ${mount.source} leads: ${resolved.unresolved ?? ''}`,
        },
      ];
    return hostPathRoutes(resolved.host, base, ctx, mount.rewrite);
  }
  if (mount.type === 'tmpfs' || mount.type === 'image') return [];
  if (mount.type !== 'volume')
    return [{ ...base, kind: 'unjudgeable', reason: `a mount of type ${JSON.stringify(mount.type)}` }];

  const label = mount.source === '' ? 'an anonymous volume' : `volume ${JSON.stringify(mount.source)}`;
  if (resolved.volumeDriver !== 'local')
    return [
      {
        ...base,
        kind: 'unjudgeable',
        reason: `${label} uses volume driver ${JSON.stringify(resolved.volumeDriver)}, whose source cannot be judged`,
      },
    ];
  const local = resolved.local;
  if (!local) return [];
  const volumeBase = { ...base };
  switch (local.kind) {
    case 'plain':
    case 'private-fs':
      return [];
    case 'network':
      if (local.address === undefined)
        return [
          { ...volumeBase, kind: 'unjudgeable', reason: `${label} is a ${local.type} mount with no addr=` },
        ];
      return resolved.addressIsLocal === false
        ? []
        : [
            {
              ...volumeBase,
              kind: 'unjudgeable',
              reason: `${label} is a ${local.type} mount of this host (${local.address})`,
            },
          ];
    case 'host-kernel':
      return [
        { ...volumeBase, kind: 'host-kernel', reason: `${label} mounts ${local.what} (type=${local.type})` },
      ];
    case 'device':
      return [
        {
          ...volumeBase,
          kind: 'host-disk',
          reason: `${label} mounts host device ${JSON.stringify(local.device)}${resolved.host ? ` (${resolved.host.real})` : ''} as ${local.type}`,
        },
      ];
    case 'unjudgeable':
      return [{ ...volumeBase, kind: 'unjudgeable', reason: `${label}: ${local.why}` }];
    case 'bind': {
      if (!resolved.host)
        return [
          {
            ...volumeBase,
            kind: 'unjudgeable',
            reason: `${label} binds ${local.device}, which cannot be resolved: ${resolved.unresolved ?? ''}`,
          },
        ];
      // A volume's bind is made by the driver: no filtered socket can be put in its place.
      return hostPathRoutes(resolved.host, volumeBase, ctx, undefined).map((f) => ({
        ...f,
        kind: f.kind === 'socket' ? 'guarded' : f.kind,
        reason: `${label} binds host ${local.device}: ${f.reason}`,
      }));
    }
  }
}

/** A block device: stat(2) says so; a path under /dev that cannot be stat'ed may still be one. */
function isBlockDevicePath(path: string, isBlock: boolean | undefined): boolean {
  return isBlock ?? path.startsWith('/dev/');
}

const DOT_DOT = /(^|\/)\.\.(\/|$)/;

/**
 * Character devices that reach a disk: SCSI generic (21) and raw (162), and the majors the kernel
 * numbers dynamically (234-254, 384-511), among them bsg and NVMe generic; both pass commands
 * straight to a disk.
 */
function charMajorReachesDisk(major: number): boolean {
  return major === 21 || major === 162 || (major >= 234 && major <= 254) || (major >= 384 && major <= 511);
}

function deviceRoutes(resolved: ResolvedGrant, ctx: RouteContext): RouteFinding[] {
  const out: RouteFinding[] = [];
  for (const device of resolved.devices) {
    const base = { field: device.field, target: '' };
    const path = device.pathOnHost;
    if (ctx.engine === 'podman' && path.includes(':')) {
      out.push({
        ...base,
        kind: 'unjudgeable',
        reason: `a colon in device path ${JSON.stringify(path)}, which Podman reads as host:container:permissions`,
      });
      continue;
    }
    // The engine stats the path as written (its `..` after any symlink) or from its working directory.
    if (!device.host || DOT_DOT.test(path)) {
      out.push({
        ...base,
        kind: 'unjudgeable',
        reason: `cannot tell which host device ${JSON.stringify(path)} is`,
      });
      continue;
    }
    if (device.host.isDirectory)
      // The engine passes in every device below a directory (oci.DevicesFromPath).
      out.push({ ...base, kind: 'host-disk', reason: `passes in every host device under ${path}` });
    else if (isBlockDevicePath(device.host.real, device.host.isBlockDevice))
      out.push({ ...base, kind: 'host-disk', reason: `passes in host block device ${path}` });
  }
  for (const [i, rule] of resolved.grant.deviceCgroupRules.entries()) {
    // "<type> <major>:<minor> <perm>": with MKNOD (a default capability) the container makes the node.
    // Only character devices of a known major that reaches no disk pass.
    const char = /^c (\d+):/.exec(rule);
    if (char && !charMajorReachesDisk(Number(char[1]))) continue;
    out.push({
      field: `HostConfig.DeviceCgroupRules[${i}]`,
      kind: 'host-disk',
      target: '',
      reason: `device cgroup rule ${JSON.stringify(rule)} lets the container open host disks`,
    });
  }
  return out;
}

function joinRoutes(join: ResolvedJoin, ctx: RouteContext): RouteFinding[] {
  const base = { field: join.field, target: '' };
  if (!join.target)
    return [
      { ...base, kind: 'unjudgeable', reason: `no such container ${JSON.stringify(join.ref)} to judge` },
    ];
  // IPC and network namespaces carry no files; the host's network is judged with the powers.
  if (join.via === 'ipc' || join.via === 'network') return [];
  const inner = engineRoutes(join.target, ctx);
  const who = join.target.name || join.ref;
  const how = join.via === 'pid' ? `through the PID namespace of container ${who}` : `from container ${who}`;
  return inner.map((f) => ({
    ...f,
    field: join.field,
    // What another container holds cannot be swapped for a filtered socket of this one.
    kind: f.kind === 'socket' ? 'guarded' : f.kind,
    rewrite: undefined,
    joined: true,
    reason: `${how}: ${f.reason}`,
  }));
}

export function engineRoutes(resolved: ResolvedGrant, ctx: RouteContext): RouteFinding[] {
  const out: RouteFinding[] = [];
  for (const mount of resolved.mounts) out.push(...mountRoutes(mount, ctx));
  out.push(...deviceRoutes(resolved, ctx));
  if (resolved.grant.pid.kind === 'host')
    out.push({
      field: 'HostConfig.PidMode',
      kind: 'host-pid',
      target: '',
      reason: "the host's PID namespace: /proc/<pid>/root leads into other containers' mounts",
    });
  for (const join of resolved.joins) out.push(...joinRoutes(join, ctx));
  return dedupe(out);
}

function dedupe(findings: RouteFinding[]): RouteFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.field}\0${f.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
