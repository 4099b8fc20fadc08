// What the Docker Engine acts on in `POST /containers/create` (and the legacy body of `POST
// /containers/{id}/start`), decoded the way the engine decodes it, plus the canonical body the proxy
// forwards in place of the client's bytes. Shapes from moby v20.10.24 runconfig/config_unix.go
// (ContainerConfigWrapper) and api/types/{container,mount}; master's container.CreateRequest is the
// same minus the deprecated top-level HostConfig fields, so judging the 20.10 form covers both.
import {
  decodeGo,
  encodeGo,
  goTypes as t,
  parseJson,
  writeJson,
  zeroValue,
  type GoField,
  type GoType,
  type GoValue,
  type JsonEntry,
} from './go-json.js';
import {
  bindMount,
  emptyGrant,
  namespaceMode,
  type ContainerGrant,
  type GrantMount,
} from '../reach/container-grant.js';

const driverType = t.struct([
  { name: 'Name', type: t.string },
  { name: 'Options', type: t.map(t.string) },
]);

export const mountType = t.struct([
  { name: 'Type', type: t.string },
  { name: 'Source', type: t.string },
  { name: 'Target', type: t.string },
  { name: 'ReadOnly', type: t.bool },
  { name: 'Consistency', type: t.string },
  {
    name: 'BindOptions',
    type: t.ptr(
      t.struct([
        { name: 'Propagation', type: t.string },
        { name: 'NonRecursive', type: t.bool },
        { name: 'CreateMountpoint', type: t.bool },
        { name: 'ReadOnlyNonRecursive', type: t.bool },
        { name: 'ReadOnlyForceRecursive', type: t.bool },
      ]),
    ),
  },
  {
    name: 'VolumeOptions',
    type: t.ptr(
      t.struct([
        { name: 'NoCopy', type: t.opaque },
        { name: 'Labels', type: t.opaque },
        { name: 'Subpath', type: t.string },
        { name: 'DriverConfig', type: t.ptr(driverType) },
      ]),
    ),
  },
  { name: 'ImageOptions', type: t.opaque },
  { name: 'TmpfsOptions', type: t.opaque },
  { name: 'ClusterOptions', type: t.opaque },
]);

const opaque = (...names: string[]): GoField[] => names.map((name) => ({ name, type: t.opaque }));

// Every HostConfig field the engine knows (20.10 plus master's Annotations), Resources flattened as
// Go's encoder flattens the embedded struct. Listing all of them matters at the top level, where
// 20.10 reads them into a deprecated embedded HostConfig.
const hostConfigType = t.struct([
  { name: 'Binds', type: t.slice(t.string) },
  ...opaque('ContainerIDFile'),
  {
    name: 'LogConfig',
    type: t.struct([
      { name: 'Type', type: t.string },
      { name: 'Config', type: t.map(t.string) },
    ]),
  },
  { name: 'NetworkMode', type: t.string },
  ...opaque('PortBindings', 'RestartPolicy', 'AutoRemove'),
  { name: 'VolumeDriver', type: t.string },
  { name: 'VolumesFrom', type: t.slice(t.string) },
  ...opaque('ConsoleSize'),
  { name: 'Annotations', type: t.map(t.string) },
  { name: 'CapAdd', type: t.strslice },
  { name: 'CapDrop', type: t.strslice },
  { name: 'CgroupnsMode', type: t.string },
  ...opaque('Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts', 'GroupAdd'),
  { name: 'IpcMode', type: t.string },
  { name: 'Cgroup', type: t.string },
  ...opaque('Links'),
  { name: 'OomScoreAdj', type: t.int },
  { name: 'PidMode', type: t.string },
  { name: 'Privileged', type: t.bool },
  ...opaque('PublishAllPorts', 'ReadonlyRootfs'),
  { name: 'SecurityOpt', type: t.slice(t.string) },
  ...opaque('StorageOpt', 'Tmpfs'),
  { name: 'UTSMode', type: t.string },
  { name: 'UsernsMode', type: t.string },
  ...opaque('ShmSize'),
  { name: 'Sysctls', type: t.map(t.string) },
  { name: 'Runtime', type: t.string },
  { name: 'Isolation', type: t.string },
  { name: 'CPUShares', json: 'CpuShares', type: t.int },
  { name: 'Memory', type: t.int },
  ...opaque('NanoCpus'),
  { name: 'CgroupParent', type: t.string },
  ...opaque('BlkioWeight', 'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps'),
  ...opaque(
    'BlkioDeviceReadIOps',
    'BlkioDeviceWriteIOps',
    'CpuPeriod',
    'CpuQuota',
    'CpuRealtimePeriod',
    'CpuRealtimeRuntime',
  ),
  { name: 'CpusetCpus', type: t.string },
  ...opaque('CpusetMems'),
  {
    name: 'Devices',
    type: t.slice(
      t.struct([
        { name: 'PathOnHost', type: t.string },
        { name: 'PathInContainer', type: t.string },
        { name: 'CgroupPermissions', type: t.string },
      ]),
    ),
  },
  { name: 'DeviceCgroupRules', type: t.slice(t.string) },
  { name: 'DeviceRequests', type: t.slice(t.opaque) },
  ...opaque('KernelMemory', 'KernelMemoryTCP', 'MemoryReservation'),
  { name: 'MemorySwap', type: t.int },
  ...opaque('MemorySwappiness'),
  { name: 'OomKillDisable', type: t.ptr(t.bool) },
  ...opaque('PidsLimit', 'Ulimits', 'CpuCount', 'CpuPercent', 'IOMaximumIOps', 'IOMaximumBandwidth'),
  { name: 'Mounts', type: t.slice(mountType) },
  { name: 'MaskedPaths', type: t.slice(t.string) },
  { name: 'ReadonlyPaths', type: t.slice(t.string) },
  ...opaque('Init'),
]);

const configType = t.struct([
  ...opaque(
    'Hostname',
    'Domainname',
    'User',
    'AttachStdin',
    'AttachStdout',
    'AttachStderr',
    'ExposedPorts',
    'Tty',
  ),
  ...opaque('OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Healthcheck', 'ArgsEscaped'),
  { name: 'Image', type: t.string },
  { name: 'Volumes', type: t.map(t.opaque) },
  ...opaque(
    'WorkingDir',
    'Entrypoint',
    'NetworkDisabled',
    'MacAddress',
    'OnBuild',
    'Labels',
    'StopSignal',
    'StopTimeout',
    'Shell',
  ),
]);

const networkingType = t.ptr(t.struct([{ name: 'EndpointsConfig', type: t.map(t.opaque) }]));

/** runconfig.ContainerConfigWrapper (20.10, unix), field for field. */
const wrapperType = t.struct([
  { name: 'Config', type: t.ptr(configType), embedded: true },
  { name: 'InnerHostConfig', json: 'HostConfig', type: t.ptr(hostConfigType) },
  { name: 'Cpuset', type: t.string },
  { name: 'NetworkingConfig', type: networkingType },
  { name: 'HostConfig', type: t.ptr(hostConfigType), embedded: true },
]);

export interface MountSpec {
  type: string;
  source: string;
  target: string;
  readOnly: boolean;
  /** VolumeOptions.DriverConfig, when given. */
  driver?: { name: string; options: Record<string, string> };
  /** The decoded mount, so fields not listed here survive a rewrite. */
  readonly decoded?: GoValue;
}

export interface CreateOverrides {
  image?: string;
  binds?: string[];
  mounts?: MountSpec[];
  /** `container:<id>` in place of the `container:<name>` that was judged. */
  pidMode?: string;
  /** VolumesFrom with each container named by the ID that was judged (`<id>[:mode]`). */
  volumesFrom?: string[];
  ipcMode?: string;
  networkMode?: string;
}

/** A container-create request: what it would give the container, and its canonical body. */
export interface CreateRequest {
  image: string | undefined;
  /** HostConfig as the engine will use it (20.10's getHostConfig applied); false when there is none. */
  hasHostConfig: boolean;
  /** HostConfig.Binds and .Mounts as decoded: a rewrite replaces an entry by index. */
  binds: string[];
  mounts: MountSpec[];
  grant: ContainerGrant;
  /** The canonical body: one spelling per field, exactly the values judged, with overrides applied. */
  serialize(overrides?: CreateOverrides): Buffer;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

export function decodeCreateBody(body: Buffer): Decoded<CreateRequest> {
  const json = parseJson(body);
  if (!json.ok) return json;
  if (json.value.type !== 'object') return { ok: false, message: 'container config must be a JSON object' };
  const decoded = decodeGo(json.value, wrapperType);
  if (!decoded.ok) return decoded;
  const wrapper = decoded.value;
  const hostConfig = effectiveHostConfig(wrapper);
  const config = derefField(wrapper, 'Config');
  return { ok: true, value: makeRequest(wrapper, config, hostConfig) };
}

/** 20.10 runconfig getHostConfig: the inner HostConfig wins; a few top-level fields fill its gaps. */
function effectiveHostConfig(wrapper: GoValue): GoValue | undefined {
  const top = derefField(wrapper, 'HostConfig');
  const inner = derefField(wrapper, 'InnerHostConfig');
  let hc: GoValue | undefined;
  if (!top) hc = inner;
  else if (inner) {
    hc = inner;
    for (const name of ['Memory', 'MemorySwap', 'CPUShares', 'CpusetCpus', 'VolumeDriver']) {
      const fromTop = field(top, name);
      if (fromTop && !isZero(fromTop) && isZero(field(hc, name))) hc = withField(hc, name, fromTop);
    }
  } else hc = top;
  const cpuset = field(wrapper, 'Cpuset');
  if (hc && cpuset && !isZero(cpuset) && isZero(field(hc, 'CpusetCpus')))
    hc = withField(hc, 'CpusetCpus', cpuset);
  return hc;
}

function makeRequest(
  wrapper: GoValue,
  config: GoValue | undefined,
  hostConfig: GoValue | undefined,
): CreateRequest {
  const hc = hostConfig;
  const mounts = sliceItems(hc && field(hc, 'Mounts')).map(toMountSpec);
  const binds = stringsOf(hc && field(hc, 'Binds'));
  const image = config ? stringOf(field(config, 'Image')) : undefined;
  return {
    image,
    hasHostConfig: hc !== undefined,
    binds,
    mounts,
    grant: makeGrant(image, config, hc, binds, mounts, derefField(wrapper, 'NetworkingConfig')),
    serialize: (overrides = {}) => serialize(wrapper, config, hc, overrides),
  };
}

/** What this create would give the container, in the one shape every judgement reads. */
function makeGrant(
  image: string | undefined,
  config: GoValue | undefined,
  hc: GoValue | undefined,
  binds: string[],
  mounts: MountSpec[],
  networking: GoValue | undefined,
): ContainerGrant {
  const grant = emptyGrant();
  grant.image = image;
  const str = (name: string): string => (hc && stringOf(field(hc, name))) ?? '';
  grant.volumeDriver = str('VolumeDriver');
  for (const [i, raw] of binds.entries()) {
    const mount = bindMount(raw, `HostConfig.Binds[${i}]`, i, grant.volumeDriver);
    if (mount) grant.mounts.push(mount);
  }
  for (const [i, spec] of mounts.entries()) grant.mounts.push(grantMountOf(spec, i));
  for (const target of mapKeys(config && field(config, 'Volumes'))) {
    grant.mounts.push({
      field: `Config.Volumes[${JSON.stringify(target)}]`,
      type: 'volume',
      source: '',
      target,
      readOnly: false,
      propagation: '',
      readOnlyNonRecursive: false,
      volume: { driver: grant.volumeDriver || 'local', subpath: '' },
    });
  }
  for (const [i, spec] of stringsOf(hc && field(hc, 'VolumesFrom')).entries()) {
    const [container = '', mode = ''] = spec.split(':');
    grant.volumesFrom.push({
      field: `HostConfig.VolumesFrom[${i}]`,
      container,
      readOnly: mode.includes('ro'),
      spelled: spec,
    });
  }
  grant.pid = namespaceMode(str('PidMode'));
  grant.ipc = namespaceMode(str('IpcMode'));
  grant.uts = namespaceMode(str('UTSMode'));
  grant.network = namespaceMode(str('NetworkMode'));
  grant.cgroupns = namespaceMode(str('CgroupnsMode'));
  grant.userns = namespaceMode(str('UsernsMode'));
  const endpoints = networking && field(networking, 'EndpointsConfig');
  grant.networks = mapKeys(endpoints);
  grant.privileged = boolOf(hc && field(hc, 'Privileged'));
  grant.capAdd = stringsOf(hc && field(hc, 'CapAdd'));
  grant.capDrop = stringsOf(hc && field(hc, 'CapDrop'));
  grant.securityOpt = stringsOf(hc && field(hc, 'SecurityOpt'));
  grant.maskedPaths = nullableStrings(hc && field(hc, 'MaskedPaths'));
  grant.readonlyPaths = nullableStrings(hc && field(hc, 'ReadonlyPaths'));
  grant.devices = sliceItems(hc && field(hc, 'Devices')).map((device, i) => ({
    field: `HostConfig.Devices[${i}]`,
    pathOnHost: stringOf(field(device, 'PathOnHost')) ?? '',
    permissions: stringOf(field(device, 'CgroupPermissions')) ?? '',
  }));
  grant.deviceCgroupRules = stringsOf(hc && field(hc, 'DeviceCgroupRules'));
  grant.deviceRequests = sliceItems(hc && field(hc, 'DeviceRequests')).length;
  grant.sysctls = stringMap(hc && field(hc, 'Sysctls'));
  grant.cgroupParent = str('CgroupParent');
  grant.cgroup = str('Cgroup');
  grant.runtime = str('Runtime');
  grant.isolation = str('Isolation');
  const log = hc && field(hc, 'LogConfig');
  grant.logDriver = (log && stringOf(field(log, 'Type'))) ?? '';
  grant.logOptions = stringMap(log && field(log, 'Config'));
  const oom = hc && field(hc, 'OomScoreAdj');
  grant.oomScoreAdj = oom?.kind === 'number' ? Number(oom.text) : 0;
  const oomKill = hc && field(hc, 'OomKillDisable');
  grant.oomKillDisable = oomKill?.kind === 'ptr' && boolOf(oomKill.elem);
  grant.annotations = stringMap(hc && field(hc, 'Annotations'));
  return grant;
}

export function grantMountOf(
  spec: MountSpec,
  mountIndex: number,
  where = `HostConfig.Mounts[${mountIndex}]`,
): GrantMount {
  const bindOptions = spec.decoded && field(spec.decoded, 'BindOptions');
  const volumeOptions = spec.decoded && field(spec.decoded, 'VolumeOptions');
  const type = spec.type.toLowerCase();
  const consistency = spec.decoded && stringOf(field(spec.decoded, 'Consistency'));
  return {
    field: where,
    type,
    source: spec.source,
    target: spec.target,
    readOnly: spec.readOnly,
    propagation: (bindOptions && stringOf(field(bindOptions, 'Propagation'))) ?? '',
    readOnlyNonRecursive: boolOf(bindOptions && field(bindOptions, 'ReadOnlyNonRecursive')),
    ...(consistency ? { consistency } : {}),
    ...(type === 'volume'
      ? {
          volume: {
            driver: spec.driver?.name || 'local',
            ...(spec.driver ? { options: spec.driver.options } : {}),
            subpath: (volumeOptions && stringOf(field(volumeOptions, 'Subpath'))) ?? '',
          },
        }
      : {}),
    rewrite: { mountIndex },
  };
}

function serialize(
  wrapper: GoValue,
  config: GoValue | undefined,
  hostConfig: GoValue | undefined,
  overrides: CreateOverrides,
): Buffer {
  let cfg = config;
  if (overrides.image !== undefined)
    cfg = withField(cfg ?? zeroValue(configType), 'Image', { kind: 'string', value: overrides.image });
  let hc = hostConfig;
  if (overrides.binds !== undefined)
    hc = withField(hc ?? zeroValue(hostConfigType), 'Binds', stringSlice(overrides.binds));
  if (overrides.mounts !== undefined) {
    const items = overrides.mounts.map(fromMountSpec);
    hc = withField(hc ?? zeroValue(hostConfigType), 'Mounts', {
      kind: 'slice',
      backing: items,
      len: items.length,
    });
  }
  if (overrides.volumesFrom !== undefined)
    hc = withField(hc ?? zeroValue(hostConfigType), 'VolumesFrom', stringSlice(overrides.volumesFrom));
  for (const [name, value] of [
    ['PidMode', overrides.pidMode],
    ['IpcMode', overrides.ipcMode],
    ['NetworkMode', overrides.networkMode],
  ] as const) {
    if (value !== undefined) hc = withField(hc ?? zeroValue(hostConfigType), name, { kind: 'string', value });
  }
  const entries: JsonEntry[] = [];
  if (cfg) {
    const encoded = encodeGo(cfg, configType);
    if (encoded.type === 'object') entries.push(...encoded.entries);
  }
  if (hc) entries.push({ key: 'HostConfig', value: encodeGo(hc, hostConfigType) });
  const networking = field(wrapper, 'NetworkingConfig');
  if (networking) entries.push({ key: 'NetworkingConfig', value: encodeGo(networking, networkingType) });
  if (wrapper.kind === 'struct') entries.push(...wrapper.unknown);
  return Buffer.from(writeJson({ type: 'object', entries }), 'utf8');
}

/**
 * The legacy start body: API < 1.24 lets `POST /containers/{id}/start` carry a HostConfig that
 * replaces the one judged at create (Binds, Privileged, ...); API >= 1.24 answers 400 to any body
 * over 7 bytes. The engine (20.10) accepts API 1.12+, so a client can pick the old form. Rule: a
 * start body is allowed only when it carries nothing (empty, `{}` or `null`), and the proxy then
 * forwards the start with no body at all; anything else is refused rather than judged, because no
 * real client sends it (the docker CLI never has since 1.24's removal) and judging it would mean a
 * second, start-time policy path.
 */
export function checkStartBody(body: Buffer): Decoded<null> {
  const text = body.toString('latin1').trim();
  if (text === '' || text === '{}' || text === 'null') return { ok: true, value: null };
  return {
    ok: false,
    message:
      'a HostConfig in the container start request is not supported; set it when creating the container',
  };
}

// --- small accessors over decoded values -------------------------------------------------------

function field(value: GoValue | undefined, name: string): GoValue | undefined {
  if (!value) return undefined;
  const struct = value.kind === 'ptr' ? value.elem : value;
  return struct.kind === 'struct' ? struct.fields.get(name) : undefined;
}

function derefField(value: GoValue, name: string): GoValue | undefined {
  const v = field(value, name);
  if (!v || v.kind === 'nil') return undefined;
  return v.kind === 'ptr' ? v.elem : v;
}

function withField(struct: GoValue, name: string, value: GoValue): GoValue {
  if (struct.kind !== 'struct') return struct;
  const fields = new Map(struct.fields);
  fields.set(name, value);
  return { ...struct, fields };
}

function isZero(value: GoValue | undefined): boolean {
  if (!value) return true;
  switch (value.kind) {
    case 'string':
      return value.value === '';
    case 'number':
      return BigInt(value.text) === 0n;
    case 'bool':
      return !value.value;
    case 'nil':
      return true;
    // A slice, map or pointer that is not nil, a struct, a value we keep as it came: not zero here.
    case 'slice':
    case 'map':
    case 'ptr':
    case 'struct':
    case 'opaque':
      return false;
  }
}

function stringOf(value: GoValue | undefined): string | undefined {
  return value?.kind === 'string' ? value.value : undefined;
}

function sliceItems(value: GoValue | undefined): GoValue[] {
  return value?.kind === 'slice' ? value.backing.slice(0, value.len) : [];
}

function stringsOf(value: GoValue | undefined): string[] {
  return sliceItems(value).map((v) => stringOf(v) ?? '');
}

function boolOf(value: GoValue | undefined): boolean {
  return value?.kind === 'bool' && value.value;
}

/** Go keeps nil and empty slices apart, and so does the engine for MaskedPaths and ReadonlyPaths. */
function nullableStrings(value: GoValue | undefined): string[] | null {
  return value?.kind === 'slice' ? stringsOf(value) : null;
}

function stringMap(value: GoValue | undefined): Record<string, string> {
  if (value?.kind !== 'map') return {};
  return Object.fromEntries([...value.entries].map(([k, v]) => [k, stringOf(v) ?? '']));
}

function stringSlice(items: string[]): GoValue {
  return { kind: 'slice', backing: items.map((value) => ({ kind: 'string', value })), len: items.length };
}

function mapKeys(value: GoValue | undefined): string[] {
  return value?.kind === 'map' ? [...value.entries.keys()] : [];
}

export function toMountSpec(decoded: GoValue): MountSpec {
  const volumeOptions = field(decoded, 'VolumeOptions');
  const driverConfig = volumeOptions?.kind === 'ptr' ? field(volumeOptions, 'DriverConfig') : undefined;
  const spec: MountSpec = {
    type: stringOf(field(decoded, 'Type')) ?? '',
    source: stringOf(field(decoded, 'Source')) ?? '',
    target: stringOf(field(decoded, 'Target')) ?? '',
    readOnly:
      field(decoded, 'ReadOnly')?.kind === 'bool' && (field(decoded, 'ReadOnly') as { value: boolean }).value,
    decoded,
  };
  if (driverConfig?.kind === 'ptr') {
    const options = field(driverConfig, 'Options');
    spec.driver = {
      name: stringOf(field(driverConfig, 'Name')) ?? '',
      options: Object.fromEntries(
        options?.kind === 'map' ? [...options.entries].map(([k, v]) => [k, stringOf(v) ?? '']) : [],
      ),
    };
  }
  return spec;
}

function fromMountSpec(spec: MountSpec): GoValue {
  let value = spec.decoded ?? zeroValue(mountType);
  value = withField(value, 'Type', { kind: 'string', value: spec.type });
  value = withField(value, 'Source', { kind: 'string', value: spec.source });
  value = withField(value, 'Target', { kind: 'string', value: spec.target });
  value = withField(value, 'ReadOnly', { kind: 'bool', value: spec.readOnly });
  if (spec.driver) {
    const options: GoValue = {
      kind: 'map',
      entries: new Map(
        Object.entries(spec.driver.options).map(([k, v]): [string, GoValue] => [
          k,
          { kind: 'string', value: v },
        ]),
      ),
    };
    const driver = withField(
      withField(zeroValue(driverType), 'Name', { kind: 'string', value: spec.driver.name }),
      'Options',
      options,
    );
    const existing = field(value, 'VolumeOptions');
    const volumeOptions = existing?.kind === 'ptr' ? existing.elem : zeroValue(volumeOptionsType());
    value = withField(value, 'VolumeOptions', {
      kind: 'ptr',
      elem: withField(volumeOptions, 'DriverConfig', { kind: 'ptr', elem: driver }),
    });
  }
  return value;
}

function volumeOptionsType(): GoType {
  const f =
    mountType.kind === 'struct' ? mountType.fields.find((x) => x.name === 'VolumeOptions') : undefined;
  return f && f.type.kind === 'ptr' ? f.type.elem : t.struct([]);
}
