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

const driverType = t.struct([
  { name: 'Name', type: t.string },
  { name: 'Options', type: t.map(t.string) },
]);

const mountType = t.struct([
  { name: 'Type', type: t.string },
  { name: 'Source', type: t.string },
  { name: 'Target', type: t.string },
  { name: 'ReadOnly', type: t.bool },
  { name: 'Consistency', type: t.opaque },
  { name: 'BindOptions', type: t.opaque },
  {
    name: 'VolumeOptions',
    type: t.ptr(
      t.struct([
        { name: 'NoCopy', type: t.opaque },
        { name: 'Labels', type: t.opaque },
        { name: 'Subpath', type: t.opaque },
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
  ...opaque('ContainerIDFile', 'LogConfig', 'NetworkMode', 'PortBindings', 'RestartPolicy', 'AutoRemove'),
  { name: 'VolumeDriver', type: t.string },
  { name: 'VolumesFrom', type: t.slice(t.string) },
  ...opaque('ConsoleSize', 'Annotations'),
  { name: 'CapAdd', type: t.strslice },
  { name: 'CapDrop', type: t.strslice },
  ...opaque('CgroupnsMode', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts', 'GroupAdd'),
  { name: 'IpcMode', type: t.string },
  ...opaque('Cgroup', 'Links', 'OomScoreAdj'),
  { name: 'PidMode', type: t.string },
  { name: 'Privileged', type: t.bool },
  ...opaque('PublishAllPorts', 'ReadonlyRootfs'),
  { name: 'SecurityOpt', type: t.slice(t.string) },
  ...opaque('StorageOpt', 'Tmpfs', 'UTSMode'),
  { name: 'UsernsMode', type: t.string },
  ...opaque('ShmSize', 'Sysctls'),
  ...opaque('Runtime', 'Isolation'),
  { name: 'CPUShares', json: 'CpuShares', type: t.int },
  { name: 'Memory', type: t.int },
  ...opaque(
    'NanoCpus',
    'CgroupParent',
    'BlkioWeight',
    'BlkioWeightDevice',
    'BlkioDeviceReadBps',
    'BlkioDeviceWriteBps',
  ),
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
  { name: 'Devices', type: t.slice(t.opaque) },
  { name: 'DeviceCgroupRules', type: t.slice(t.string) },
  ...opaque('DeviceRequests', 'KernelMemory', 'KernelMemoryTCP', 'MemoryReservation'),
  { name: 'MemorySwap', type: t.int },
  ...opaque(
    'MemorySwappiness',
    'OomKillDisable',
    'PidsLimit',
    'Ulimits',
    'CpuCount',
    'CpuPercent',
    'IOMaximumIOps',
    'IOMaximumBandwidth',
  ),
  { name: 'Mounts', type: t.slice(mountType) },
  ...opaque('MaskedPaths', 'ReadonlyPaths', 'Init'),
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

/** runconfig.ContainerConfigWrapper (20.10, unix), field for field. */
const wrapperType = t.struct([
  { name: 'Config', type: t.ptr(configType), embedded: true },
  { name: 'InnerHostConfig', json: 'HostConfig', type: t.ptr(hostConfigType) },
  { name: 'Cpuset', type: t.string },
  { name: 'NetworkingConfig', type: t.opaque },
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
}

/** The parts of a container-create request that decide what the container can reach. */
export interface CreateRequest {
  image: string | undefined;
  /** HostConfig as the engine will use it (20.10's getHostConfig applied); false when there is none. */
  hasHostConfig: boolean;
  binds: string[];
  mounts: MountSpec[];
  volumesFrom: string[];
  volumeDriver: string;
  /** Container paths of Config.Volumes (anonymous volumes, made with volumeDriver). */
  anonymousVolumes: string[];
  privileged: boolean;
  pidMode: string;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  /** Number of HostConfig.Devices entries (host devices passed in). */
  devices: number;
  deviceCgroupRules: string[];
  ipcMode: string;
  usernsMode: string;
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
  return {
    image: config ? stringOf(field(config, 'Image')) : undefined,
    hasHostConfig: hc !== undefined,
    binds: stringsOf(hc && field(hc, 'Binds')),
    mounts,
    volumesFrom: stringsOf(hc && field(hc, 'VolumesFrom')),
    volumeDriver: (hc && stringOf(field(hc, 'VolumeDriver'))) ?? '',
    anonymousVolumes: mapKeys(config && field(config, 'Volumes')),
    privileged: hc
      ? field(hc, 'Privileged')?.kind === 'bool' && (field(hc, 'Privileged') as { value: boolean }).value
      : false,
    pidMode: (hc && stringOf(field(hc, 'PidMode'))) ?? '',
    capAdd: stringsOf(hc && field(hc, 'CapAdd')),
    capDrop: stringsOf(hc && field(hc, 'CapDrop')),
    securityOpt: stringsOf(hc && field(hc, 'SecurityOpt')),
    devices: sliceItems(hc && field(hc, 'Devices')).length,
    deviceCgroupRules: stringsOf(hc && field(hc, 'DeviceCgroupRules')),
    ipcMode: (hc && stringOf(field(hc, 'IpcMode'))) ?? '',
    usernsMode: (hc && stringOf(field(hc, 'UsernsMode'))) ?? '',
    serialize: (overrides = {}) => serialize(wrapper, config, hc, overrides),
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
  const entries: JsonEntry[] = [];
  if (cfg) {
    const encoded = encodeGo(cfg, configType);
    if (encoded.type === 'object') entries.push(...encoded.entries);
  }
  if (hc) entries.push({ key: 'HostConfig', value: encodeGo(hc, hostConfigType) });
  for (const occurrence of opaqueOccurrences(field(wrapper, 'NetworkingConfig')))
    entries.push({ key: 'NetworkingConfig', value: occurrence });
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
    default:
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

function stringSlice(items: string[]): GoValue {
  return { kind: 'slice', backing: items.map((value) => ({ kind: 'string', value })), len: items.length };
}

function mapKeys(value: GoValue | undefined): string[] {
  return value?.kind === 'map' ? [...value.entries.keys()] : [];
}

function opaqueOccurrences(value: GoValue | undefined) {
  return value?.kind === 'opaque' ? value.occurrences : [];
}

function toMountSpec(decoded: GoValue): MountSpec {
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
