// The I/O half of judging a grant: where each host path really leads, what each volume really is,
// and what each container this one joins (volumes, PID, IPC or network namespace) holds itself. The
// judgements that follow (engine-routes.ts, default-powers.ts, host-path-allowance.ts) are pure
// functions of what this returns.
import type { ResolvedHostPath } from '../guards/file-identity.js';
import type { ContainerGrant, GrantMount, NamespaceMode } from './container-grant.js';
import { grantFromInspect, type ContainerInspect } from './grant-from-inspect.js';
import { localVolumeMount, type LocalVolumeMount } from './local-volume.js';
import { errorMessage } from '../../../shared/error-message.js';

export interface VolumeInfo {
  driver: string;
  options: Record<string, string>;
}

export interface ReachIo {
  /** Where a bind of this path lands (host-path.ts inspectHostPath); throws when it cannot be known. */
  inspectHostPath(path: string): Promise<ResolvedHostPath>;
  /** An existing volume; undefined when there is none. */
  inspectVolume(name: string): Promise<VolumeInfo | undefined>;
  /** An existing container as the engine reports it; undefined when there is none. */
  inspectContainer(ref: string): Promise<ContainerInspect | undefined>;
  /** An existing network's driver; undefined when there is none. */
  inspectNetwork(ref: string): Promise<{ name: string; driver: string } | undefined>;
  /** Whether `address` (an IP or a host name) is this host. */
  isLocalAddress(address: string): Promise<boolean>;
  /** An exec instance's container and whether it runs privileged; undefined when there is none. */
  inspectExec(id: string): Promise<{ containerId: string; privileged: boolean } | undefined>;
}

export interface ResolvedMount {
  mount: GrantMount;
  /** For a volume: which options this judgement is of (the existing volume's, or the request's). */
  volumeSource?: 'existing' | 'requested' | 'new';
  volumeDriver?: string;
  /** What a local volume mounts. */
  local?: LocalVolumeMount;
  /** For a network filesystem: whether its address is this host. */
  addressIsLocal?: boolean;
  /** The host path the engine mounts from (a bind source, a local volume's bind or device). */
  host?: ResolvedHostPath;
  /** Why the host path could not be resolved. */
  unresolved?: string;
}

export type JoinVia = 'volumes-from' | 'pid' | 'ipc' | 'network';

export interface ResolvedJoin {
  field: string;
  via: JoinVia;
  ref: string;
  readOnly: boolean;
  /** For VolumesFrom: the entry's index, so it can be pinned to the ID judged. */
  index?: number;
  /** The joined container, resolved in turn; undefined when the engine has no such container. */
  target?: ResolvedContainer;
}

export interface ResolvedDevice {
  field: string;
  pathOnHost: string;
  permissions: string;
  host?: ResolvedHostPath;
}

export interface ResolvedGrant {
  grant: ContainerGrant;
  mounts: ResolvedMount[];
  joins: ResolvedJoin[];
  devices: ResolvedDevice[];
  /** Networks joined (mode and extra), and whether each is the host's network. */
  networks: { field: string; name: string; host: boolean; known: boolean }[];
}

/** An existing container: its engine ID and name, and its own grant resolved. */
export interface ResolvedContainer extends ResolvedGrant {
  id: string;
  name: string;
  inspect: ContainerInspect;
}

/** Joins are followed this deep (a joins b joins c …); deeper is refused as unjudgeable. */
export const MAX_JOIN_DEPTH = 4;

const BUILTIN_NETWORKS = new Set(['', 'default', 'bridge', 'none']);

export async function resolveGrant(grant: ContainerGrant, io: ReachIo, depth = 0): Promise<ResolvedGrant> {
  const [mounts, joins, devices, networks] = await Promise.all([
    Promise.all(grant.mounts.map((m) => resolveMount(m, io))).then((all) => all.flat()),
    resolveJoins(grant, io, depth),
    Promise.all(grant.devices.map((d) => resolveDevice(d, io))),
    resolveNetworks(grant, io),
  ]);
  return { grant, mounts, joins, devices, networks };
}

export async function resolveContainer(
  ref: string,
  io: ReachIo,
  depth = 0,
): Promise<ResolvedContainer | undefined> {
  const inspect = await io.inspectContainer(ref);
  if (!inspect) return undefined;
  const resolved = await resolveGrant(grantFromInspect(inspect), io, depth);
  return { ...resolved, id: inspect.Id, name: inspect.Name.replace(/^\//, ''), inspect };
}

async function hostPath(path: string, io: ReachIo): Promise<Pick<ResolvedMount, 'host' | 'unresolved'>> {
  try {
    return { host: await io.inspectHostPath(path) };
  } catch (error) {
    return { unresolved: errorMessage(error) };
  }
}

async function resolveMount(mount: GrantMount, io: ReachIo): Promise<ResolvedMount[]> {
  if (mount.type === 'bind') return [{ mount, ...(await hostPath(mount.source, io)) }];
  if (mount.type !== 'volume') return [{ mount }];
  const asked = mount.volume;
  const existing = mount.source === '' ? undefined : await io.inspectVolume(mount.source);
  // An existing volume is used as it is; the request's options only matter if it is removed and made
  // again before the container is: judge both.
  const candidates: { source: ResolvedMount['volumeSource']; info: VolumeInfo }[] = [];
  if (existing) candidates.push({ source: 'existing', info: existing });
  if (asked?.options)
    candidates.push({ source: 'requested', info: { driver: asked.driver, options: asked.options } });
  if (candidates.length === 0)
    candidates.push({ source: 'new', info: { driver: asked?.driver || 'local', options: {} } });
  return Promise.all(
    candidates.map(async ({ source, info }): Promise<ResolvedMount> => {
      const out: ResolvedMount = { mount, volumeSource: source, volumeDriver: info.driver };
      if (info.driver !== 'local') return out;
      out.local = localVolumeMount(info.options);
      if (out.local.kind === 'bind' || out.local.kind === 'device')
        Object.assign(out, await hostPath(out.local.device, io));
      if (out.local.kind === 'network' && out.local.address !== undefined)
        out.addressIsLocal = await io.isLocalAddress(out.local.address);
      return out;
    }),
  );
}

async function resolveDevice(
  device: ContainerGrant['devices'][number],
  io: ReachIo,
): Promise<ResolvedDevice> {
  const out: ResolvedDevice = { ...device };
  try {
    out.host = await io.inspectHostPath(device.pathOnHost);
  } catch {
    // Judged as an unknown device.
  }
  return out;
}

function joinsOf(grant: ContainerGrant): { field: string; via: JoinVia; ref: string; readOnly: boolean }[] {
  const out: { field: string; via: JoinVia; ref: string; readOnly: boolean }[] = grant.volumesFrom.map(
    (v) => ({
      field: v.field,
      via: 'volumes-from',
      ref: v.container,
      readOnly: v.readOnly,
    }),
  );
  const ns = (field: string, via: JoinVia, mode: NamespaceMode) => {
    if (mode.kind === 'container') out.push({ field, via, ref: mode.ref, readOnly: false });
  };
  ns('HostConfig.PidMode', 'pid', grant.pid);
  ns('HostConfig.IpcMode', 'ipc', grant.ipc);
  ns('HostConfig.NetworkMode', 'network', grant.network);
  return out;
}

async function resolveJoins(grant: ContainerGrant, io: ReachIo, depth: number): Promise<ResolvedJoin[]> {
  return Promise.all(
    joinsOf(grant).map(async (join): Promise<ResolvedJoin> => {
      if (depth >= MAX_JOIN_DEPTH) return join;
      const target = await resolveContainer(join.ref, io, depth + 1);
      return target ? { ...join, target } : join;
    }),
  );
}

async function resolveNetworks(grant: ContainerGrant, io: ReachIo): Promise<ResolvedGrant['networks']> {
  const names: { field: string; name: string }[] = [];
  if (grant.network.kind === 'private')
    names.push({ field: 'HostConfig.NetworkMode', name: grant.network.spelled });
  if (grant.network.kind === 'host') names.push({ field: 'HostConfig.NetworkMode', name: 'host' });
  for (const name of grant.networks) names.push({ field: `networks[${JSON.stringify(name)}]`, name });
  return Promise.all(
    names.map(async ({ field, name }) => {
      if (name === 'host') return { field, name, host: true, known: true };
      if (BUILTIN_NETWORKS.has(name)) return { field, name, host: false, known: true };
      // A network named by ID (or an ID prefix) may still be the host's.
      const network = await io.inspectNetwork(name);
      return { field, name, host: network?.driver === 'host', known: network !== undefined };
    }),
  );
}
