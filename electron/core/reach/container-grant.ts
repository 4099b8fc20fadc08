// What the engine would give a container, in the engine's own terms, whichever request asks for it:
// a container create (any API version), a swarm service's task template, or an existing container
// as the engine reports it (the target of an exec, a container whose namespaces or volumes another
// joins). One shape, so that one judgement (judge-reach.ts) applies to all of them. Pure data.

export type NamespaceMode =
  /** The container's own namespace (the default), or a network by name. */
  | { kind: 'private'; spelled: string }
  | { kind: 'host' }
  /** Shares the namespace of another container (`container:<name or id>`). */
  | { kind: 'container'; ref: string };

export interface GrantMount {
  /** Where in the request it was asked for: `HostConfig.Binds[0]`, `TaskTemplate.ContainerSpec.Mounts[1]`. */
  field: string;
  /** bind, volume, tmpfs, image, npipe, cluster, or whatever else was asked for. */
  type: string;
  /** A host path (bind), a volume name ('' for an anonymous one), or an image reference. */
  source: string;
  target: string;
  readOnly: boolean;
  /** Bind propagation as asked ('' is the engine's default, rprivate). */
  propagation: string;
  /** A read-only bind whose submounts stay writable. */
  readOnlyNonRecursive: boolean;
  /** Mounts[].Consistency as given (ignored on Linux by Docker; Podman copies it into a --mount string). */
  consistency?: string;
  /** A `Binds` entry's mode words as written (`ro`, `z`, `rshared`, …; Podman takes more). */
  modes?: string[];
  /** For a volume: the driver and options this request asks for (used when the engine creates it). */
  volume?: { driver: string; options?: Record<string, string>; subpath: string };
  /** Where to put a filtered socket in place of this mount, for requests Socket Warden can rewrite. */
  rewrite?: { bindIndex: number } | { mountIndex: number };
}

export interface GrantDevice {
  field: string;
  pathOnHost: string;
  permissions: string;
}

export interface ContainerGrant {
  image?: string;
  mounts: GrantMount[];
  /** VolumesFrom entries: `spelled` is the entry as given (`name[:mode]`). */
  volumesFrom: { field: string; container: string; readOnly: boolean; spelled: string }[];
  pid: NamespaceMode;
  ipc: NamespaceMode;
  uts: NamespaceMode;
  network: NamespaceMode;
  cgroupns: NamespaceMode;
  userns: NamespaceMode;
  /** Networks joined besides the network mode (EndpointsConfig keys, a service's networks). */
  networks: string[];
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  /** HostConfig.SecurityOpt as given (seccomp=…, apparmor=…, label=…, no-new-privileges, systempaths=…). */
  securityOpt: string[];
  /** null: the engine's defaults; an array replaces them (the CLI sends [] for systempaths=unconfined). */
  maskedPaths: string[] | null;
  readonlyPaths: string[] | null;
  devices: GrantDevice[];
  deviceCgroupRules: string[];
  /** Number of DeviceRequests (GPUs and other host devices by driver). */
  deviceRequests: number;
  sysctls: Record<string, string>;
  cgroupParent: string;
  /** HostConfig.Cgroup: `container:<id>` puts it in another container's cgroup. */
  cgroup: string;
  runtime: string;
  isolation: string;
  logDriver: string;
  logOptions: Record<string, string>;
  oomScoreAdj: number;
  oomKillDisable: boolean;
  annotations: Record<string, string>;
  /** The driver anonymous volumes and `name:/path` binds of new volumes are made with. */
  volumeDriver: string;
  /** Anything else beyond Docker's defaults that only one kind of request can ask for, in words. */
  extras: { field: string; what: string }[];
}

export const privateNamespace: NamespaceMode = { kind: 'private', spelled: '' };

/**
 * `host`, `container:<ref>`, or the container's own; the engine reads these case-sensitively.
 * Podman also takes `ns:<path>` (for example `ns:/proc/1/ns/net`: the host's, without saying so),
 * which is judged as the host's.
 */
export function namespaceMode(spelled: string): NamespaceMode {
  if (spelled === 'host' || spelled.startsWith('ns:')) return { kind: 'host' };
  if (spelled.startsWith('container:')) return { kind: 'container', ref: spelled.slice('container:'.length) };
  return { kind: 'private', spelled };
}

/** A grant with nothing beyond a default container: the base the decoders fill in. */
export function emptyGrant(): ContainerGrant {
  return {
    mounts: [],
    volumesFrom: [],
    pid: privateNamespace,
    ipc: privateNamespace,
    uts: privateNamespace,
    network: privateNamespace,
    cgroupns: privateNamespace,
    userns: privateNamespace,
    networks: [],
    privileged: false,
    capAdd: [],
    capDrop: [],
    securityOpt: [],
    maskedPaths: null,
    readonlyPaths: null,
    devices: [],
    deviceCgroupRules: [],
    deviceRequests: 0,
    sysctls: {},
    cgroupParent: '',
    cgroup: '',
    runtime: '',
    isolation: '',
    logDriver: '',
    logOptions: {},
    oomScoreAdj: 0,
    oomKillDisable: false,
    annotations: {},
    volumeDriver: '',
    extras: [],
  };
}

/** moby volume/mounts linux_parser: at most three colon-separated parts, the first non-empty. */
export function parseBind(raw: string): { source: string; target: string; mode: string } | undefined {
  const parts = raw.split(':');
  if (parts.length > 3 || parts[0] === '') return undefined;
  if (parts.length === 1) return { source: '', target: parts[0] ?? '', mode: '' }; // anonymous volume
  return { source: parts[0] ?? '', target: parts[1] ?? '', mode: parts[2] ?? '' };
}

const PROPAGATION_MODES = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

/** A `Binds` entry as a mount: a host path when it starts with `/`, else a named volume. */
export function bindMount(
  raw: string,
  field: string,
  bindIndex: number,
  volumeDriver: string,
): GrantMount | undefined {
  const bind = parseBind(raw);
  if (!bind) return undefined; // the engine refuses the request
  const modes = bind.mode.split(',').filter((m) => m !== '');
  const propagation = modes.find((m) => PROPAGATION_MODES.has(m)) ?? '';
  const readOnly = modes.includes('ro');
  const isHostPath = bind.source.startsWith('/');
  return {
    field,
    type: isHostPath ? 'bind' : 'volume',
    source: bind.source,
    target: bind.target,
    readOnly,
    propagation,
    readOnlyNonRecursive: false,
    modes,
    ...(isHostPath ? {} : { volume: { driver: volumeDriver || 'local', subpath: '' } }),
    rewrite: { bindIndex },
  };
}
