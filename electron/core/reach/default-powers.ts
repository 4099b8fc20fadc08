// Powers beyond what the engine grants a container by default, field by field: an allow-list of what
// is known to give no more of the host than a default container has, not a deny-list of what is known
// to be bad. A container acting through its filtered socket (and, in managed mode, a host user) may
// not hand a new container, an exec or a service anything on this list. See docs/containment.md.
// Pure.
import type { ContainerGrant, NamespaceMode } from './container-grant.js';
import type { ResolvedGrant } from './resolve-grant.js';

export interface PowerFinding {
  field: string;
  /** In words a user can act on: "capability SYS_ADMIN", "the host's network namespace". */
  what: string;
}

/** What the engine gives a container when nothing is asked for. */
export interface EngineDefaults {
  /** Capabilities a container gets (Docker: oci/caps/defaults.go; Podman: containers.conf). */
  capabilities: ReadonlySet<string>;
  maskedPaths: readonly string[];
  readonlyPaths: readonly string[];
  /** The cgroup namespace a container gets when none is asked for (host on cgroup v1 engines). */
  cgroupns: 'private' | 'host';
  /** Runtime names that mean the engine's default runtime. */
  runtimes: ReadonlySet<string>;
}

/** Docker's defaults (moby oci/caps/defaults.go and oci/defaults.go, 20.10 to 28). */
export const dockerDefaults: EngineDefaults = {
  capabilities: new Set([
    'CHOWN',
    'DAC_OVERRIDE',
    'FSETID',
    'FOWNER',
    'MKNOD',
    'NET_RAW',
    'SETGID',
    'SETUID',
    'SETFCAP',
    'SETPCAP',
    'NET_BIND_SERVICE',
    'SYS_CHROOT',
    'KILL',
    'AUDIT_WRITE',
  ]),
  maskedPaths: [
    '/proc/asound',
    '/proc/acpi',
    '/proc/kcore',
    '/proc/keys',
    '/proc/latency_stats',
    '/proc/timer_list',
    '/proc/timer_stats',
    '/proc/sched_debug',
    '/proc/scsi',
    '/sys/firmware',
  ],
  readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
  cgroupns: 'private',
  runtimes: new Set(['', 'runc', 'io.containerd.runc.v2']),
};

/** Podman 4's defaults (containers-common pkg/config/default.go): fewer capabilities than Docker. */
export const podmanDefaults: EngineDefaults = {
  ...dockerDefaults,
  capabilities: new Set([
    'CHOWN',
    'DAC_OVERRIDE',
    'FOWNER',
    'FSETID',
    'KILL',
    'NET_BIND_SERVICE',
    'SETFCAP',
    'SETGID',
    'SETPCAP',
    'SETUID',
    'SYS_CHROOT',
  ]),
  runtimes: new Set(['', 'runc', 'crun']),
};

export function capabilityName(raw: string): string {
  const upper = raw.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/** Sysctls the kernel keeps per namespace, and the namespace each needs to be private (moby validation). */
function sysctlNamespace(name: string): 'ipc' | 'network' | undefined {
  if (/^kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$/.test(name)) return 'ipc';
  if (name.startsWith('fs.mqueue.')) return 'ipc';
  if (name.startsWith('net.')) return 'network';
  return undefined;
}

/** Log drivers that only write into the engine's own files (k8s-file is Podman's default). */
const LOCAL_LOG_DRIVERS = new Set(['', 'json-file', 'local', 'none', 'journald', 'k8s-file']);
/** Options of those drivers that choose no host path or address (Podman's `path` writes any host file). */
const LOCAL_LOG_OPTIONS = new Set([
  'max-size',
  'max-file',
  'compress',
  'mode',
  'max-buffer-size',
  'labels',
  'labels-regex',
  'env',
  'env-regex',
  'tag',
]);
/** Network modes that are a network of the engine's own, not a way out of it. */
function isEngineNetwork(spelled: string): boolean {
  // Podman's slirp4netns:…, pasta:…, bridge:<opts> take options such as allow_host_loopback.
  return !spelled.includes(':');
}

/** Security options that only take away: no-new-privileges in its spellings. */
function isRestrictingSecurityOpt(option: string): boolean {
  return /^no-new-privileges(?:[=:](?:true|1))?$/i.test(option.trim());
}

const PROPAGATION_DEFAULTS = new Set(['', 'private', 'rprivate', 'slave', 'rslave']);

function namespacePower(
  mode: NamespaceMode,
  field: string,
  name: string,
  hostIsDefault = false,
): PowerFinding[] {
  if (mode.kind === 'host' && !hostIsDefault) return [{ field, what: `the host's ${name} namespace` }];
  return [];
}

function containsAll(list: readonly string[], required: readonly string[]): boolean {
  return required.every((p) => list.includes(p));
}

/** Everything `resolved` asks for beyond the engine's defaults; empty when nothing is. */
export function powersBeyondDefaults(
  resolved: ResolvedGrant,
  defaults: EngineDefaults,
  options: { reported?: boolean } = {},
): PowerFinding[] {
  const grant: ContainerGrant = resolved.grant;
  const out: PowerFinding[] = [];
  if (grant.privileged) out.push({ field: 'HostConfig.Privileged', what: 'privileged mode' });
  for (const raw of grant.capAdd) {
    const cap = capabilityName(raw);
    if (!defaults.capabilities.has(cap))
      out.push({
        field: 'HostConfig.CapAdd',
        what: cap === 'ALL' ? 'every capability' : `capability ${cap}`,
      });
  }
  for (const device of grant.devices)
    out.push({ field: device.field, what: `host device ${device.pathOnHost}` });
  for (const rule of grant.deviceCgroupRules)
    out.push({ field: 'HostConfig.DeviceCgroupRules', what: `device cgroup rule ${JSON.stringify(rule)}` });
  if (grant.deviceRequests > 0)
    out.push({ field: 'HostConfig.DeviceRequests', what: 'host devices by driver (GPUs)' });

  out.push(...namespacePower(grant.pid, 'HostConfig.PidMode', 'PID'));
  out.push(...namespacePower(grant.ipc, 'HostConfig.IpcMode', 'IPC'));
  out.push(...namespacePower(grant.uts, 'HostConfig.UTSMode', 'UTS'));
  out.push(...namespacePower(grant.userns, 'HostConfig.UsernsMode', 'user'));
  out.push(
    ...namespacePower(
      grant.cgroupns,
      'HostConfig.CgroupnsMode',
      'cgroup',
      options.reported && defaults.cgroupns === 'host',
    ),
  );
  for (const network of resolved.networks)
    if (network.host) out.push({ field: network.field, what: "the host's network namespace" });

  for (const option of grant.securityOpt)
    if (!isRestrictingSecurityOpt(option))
      out.push({
        field: 'HostConfig.SecurityOpt',
        what: `security option ${JSON.stringify(truncate(option))}`,
      });
  if (grant.maskedPaths !== null && !containsAll(grant.maskedPaths, defaults.maskedPaths))
    out.push({
      field: 'HostConfig.MaskedPaths',
      what: 'fewer masked paths than the default (systempaths=unconfined)',
    });
  if (grant.readonlyPaths !== null && !containsAll(grant.readonlyPaths, defaults.readonlyPaths))
    out.push({
      field: 'HostConfig.ReadonlyPaths',
      what: 'fewer read-only paths than the default (systempaths=unconfined: /proc/sys writable)',
    });

  for (const [name, value] of Object.entries(grant.sysctls)) {
    const ns = sysctlNamespace(name);
    const nsPrivate = ns === 'ipc' ? grant.ipc.kind === 'private' : grant.network.kind === 'private';
    const networkIsHost = resolved.networks.some((n) => n.host);
    if (!ns || !nsPrivate || (ns === 'network' && networkIsHost))
      out.push({ field: 'HostConfig.Sysctls', what: `sysctl ${name}=${truncate(value)}` });
  }
  if (grant.cgroupParent !== '')
    out.push({ field: 'HostConfig.CgroupParent', what: `cgroup parent ${grant.cgroupParent}` });
  if (grant.cgroup !== '') out.push({ field: 'HostConfig.Cgroup', what: `cgroup ${grant.cgroup}` });
  if (!defaults.runtimes.has(grant.runtime))
    out.push({ field: 'HostConfig.Runtime', what: `runtime ${grant.runtime}` });
  if (grant.isolation !== '' && grant.isolation !== 'default')
    out.push({ field: 'HostConfig.Isolation', what: `isolation ${grant.isolation}` });
  if (!LOCAL_LOG_DRIVERS.has(grant.logDriver))
    out.push({
      field: 'HostConfig.LogConfig.Type',
      what: `log driver ${grant.logDriver} (it connects from the host)`,
    });
  for (const option of Object.keys(grant.logOptions))
    if (!LOCAL_LOG_OPTIONS.has(option))
      out.push({ field: 'HostConfig.LogConfig.Config', what: `log option ${truncate(option)}` });
  if (grant.network.kind === 'private' && !isEngineNetwork(grant.network.spelled))
    out.push({ field: 'HostConfig.NetworkMode', what: `network mode ${truncate(grant.network.spelled)}` });
  if (grant.oomScoreAdj < 0)
    out.push({
      field: 'HostConfig.OomScoreAdj',
      what: `OOM score ${grant.oomScoreAdj} (host processes die first)`,
    });
  if (grant.oomKillDisable) out.push({ field: 'HostConfig.OomKillDisable', what: 'OOM kill disabled' });
  if (Object.keys(grant.annotations).length > 0)
    out.push({ field: 'HostConfig.Annotations', what: 'OCI annotations (read by the runtime)' });

  for (const mount of grant.mounts) {
    if (!PROPAGATION_DEFAULTS.has(mount.propagation))
      out.push({
        field: mount.field,
        what: `${mount.propagation} mount propagation (mounts reach the host)`,
      });
    if (mount.type !== 'bind' && mount.type !== 'volume' && mount.type !== 'tmpfs' && mount.type !== 'image')
      out.push({ field: mount.field, what: `a mount of type ${mount.type}` });
  }
  for (const extra of grant.extras) out.push({ field: extra.field, what: extra.what });
  return out;
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
