// `POST /volumes/create` as the engine decodes it (volume.CreateOptions, Go's encoding/json), as the
// grant of a container that mounts it: a local volume's options are a host mount made by the engine
// when the volume is first used, and an existing volume's options win over any container's request,
// so a volume that would reach the engine is refused when it is made, not only when it is mounted
// (a container judged against a plain volume of that name could otherwise race its creation).
import type { Decoded } from '../policy/container-create.js';
import { decodeGo, encodeGo, goTypes as t, parseJson, writeJson, type GoValue } from '../policy/go-json.js';
import { emptyGrant, type ContainerGrant } from './container-grant.js';

const volumeCreateType = t.struct([
  { name: 'Name', type: t.string },
  { name: 'Driver', type: t.string },
  { name: 'DriverOpts', type: t.map(t.string) },
  { name: 'Labels', type: t.opaque },
  { name: 'ClusterVolumeSpec', type: t.opaque },
]);

export interface VolumeCreateRequest {
  name: string;
  driver: string;
  /** A container that mounts the volume, as one grant. */
  grant: ContainerGrant;
  serialize(): Buffer;
}

function fieldOf(value: GoValue, name: string): GoValue | undefined {
  return value.kind === 'struct' ? value.fields.get(name) : undefined;
}

export function decodeVolumeCreate(body: Buffer): Decoded<VolumeCreateRequest> {
  const json = parseJson(body.length === 0 ? Buffer.from('{}') : body);
  if (!json.ok) return json;
  if (json.value.type !== 'object') return { ok: false, message: 'volume options must be a JSON object' };
  const decoded = decodeGo(json.value, volumeCreateType);
  if (!decoded.ok) return decoded;
  const value = decoded.value;
  const name = fieldOf(value, 'Name');
  const driver = fieldOf(value, 'Driver');
  const opts = fieldOf(value, 'DriverOpts');
  const options =
    opts?.kind === 'map'
      ? Object.fromEntries([...opts.entries].map(([k, v]) => [k, v.kind === 'string' ? v.value : '']))
      : {};
  const request = {
    name: name?.kind === 'string' ? name.value : '',
    driver: (driver?.kind === 'string' ? driver.value : '') || 'local',
  };
  const grant = emptyGrant();
  grant.mounts.push({
    field: 'DriverOpts',
    type: 'volume',
    // Judged as the options given, not as a volume that may already exist under the name.
    source: '',
    target: '/',
    readOnly: false,
    propagation: '',
    readOnlyNonRecursive: false,
    volume: { driver: request.driver, options, subpath: '' },
  });
  return {
    ok: true,
    value: {
      ...request,
      grant,
      serialize: () => Buffer.from(writeJson(encodeGo(value, volumeCreateType)), 'utf8'),
    },
  };
}
