// A swarm service spec (`POST /services/create`, `POST /services/{id}/update`) decoded as the engine
// decodes it (Go's encoding/json, like a container create), the grant its task containers get on
// this node (daemon/cluster/executor/container/container.go), and its canonical body. Swarmkit
// expands Go templates in mount sources and targets, volume driver options and labels on the node
// after validation, so `{{` there cannot be judged and is refused. See docs/engine-routes.md.
import { grantMountOf, mountType, toMountSpec, type Decoded } from '../policy/container-create.js';
import {
  decodeGo,
  encodeGo,
  goTypes as t,
  parseJson,
  writeJson,
  type GoField,
  type GoValue,
} from '../policy/go-json.js';
import { emptyGrant, type ContainerGrant } from './container-grant.js';

const opaque = (...names: string[]): GoField[] => names.map((name) => ({ name, type: t.opaque }));

const privilegesType = t.ptr(
  t.struct([
    ...opaque('CredentialSpec'),
    {
      name: 'SELinuxContext',
      type: t.ptr(
        t.struct([
          { name: 'Disable', type: t.bool },
          { name: 'User', type: t.string },
          { name: 'Role', type: t.string },
          { name: 'Type', type: t.string },
          { name: 'Level', type: t.string },
        ]),
      ),
    },
    { name: 'Seccomp', type: t.ptr(t.struct([{ name: 'Mode', type: t.string }, ...opaque('Profile')])) },
    { name: 'AppArmor', type: t.ptr(t.struct([{ name: 'Mode', type: t.string }])) },
    { name: 'NoNewPrivileges', type: t.bool },
  ]),
);

const containerSpecType = t.ptr(
  t.struct([
    { name: 'Image', type: t.string },
    ...opaque('Labels', 'Command', 'Args', 'Hostname', 'Env', 'Dir', 'User', 'Groups'),
    { name: 'Privileges', type: privilegesType },
    ...opaque('Init', 'StopSignal', 'TTY', 'OpenStdin', 'ReadOnly'),
    { name: 'Mounts', type: t.slice(mountType) },
    ...opaque('StopGracePeriod', 'Healthcheck', 'Hosts', 'DNSConfig', 'Secrets', 'Configs'),
    { name: 'Isolation', type: t.string },
    { name: 'Sysctls', type: t.map(t.string) },
    { name: 'CapabilityAdd', type: t.slice(t.string) },
    { name: 'CapabilityDrop', type: t.slice(t.string) },
    ...opaque('Ulimits'),
    { name: 'OomScoreAdj', type: t.int },
  ]),
);

const attachmentsType = t.slice(
  t.struct([{ name: 'Target', type: t.string }, ...opaque('Aliases', 'DriverOpts')]),
);

const taskTemplateType = t.struct([
  { name: 'ContainerSpec', type: containerSpecType },
  ...opaque('PluginSpec', 'NetworkAttachmentSpec', 'Resources', 'RestartPolicy', 'Placement'),
  { name: 'Networks', type: attachmentsType },
  {
    name: 'LogDriver',
    type: t.ptr(
      t.struct([
        { name: 'Name', type: t.string },
        { name: 'Options', type: t.map(t.string) },
      ]),
    ),
  },
  ...opaque('ForceUpdate'),
  { name: 'Runtime', type: t.string },
]);

/** swarm.ServiceSpec, with every field that decides what a task can reach typed. */
const serviceSpecType = t.struct([
  ...opaque('Name', 'Labels'),
  { name: 'TaskTemplate', type: taskTemplateType },
  ...opaque('Mode', 'UpdateConfig', 'RollbackConfig'),
  { name: 'Networks', type: attachmentsType },
  ...opaque('EndpointSpec'),
]);

export interface ServiceRequest {
  grant: ContainerGrant;
  /** The canonical body: exactly what was judged. */
  serialize(): Buffer;
}

function field(value: GoValue | undefined, name: string): GoValue | undefined {
  if (!value) return undefined;
  const struct = value.kind === 'ptr' ? value.elem : value;
  return struct.kind === 'struct' ? struct.fields.get(name) : undefined;
}

function str(value: GoValue | undefined): string {
  return value?.kind === 'string' ? value.value : '';
}

function items(value: GoValue | undefined): GoValue[] {
  return value?.kind === 'slice' ? value.backing.slice(0, value.len) : [];
}

function stringMap(value: GoValue | undefined): Record<string, string> {
  return value?.kind === 'map' ? Object.fromEntries([...value.entries].map(([k, v]) => [k, str(v)])) : {};
}

const TEMPLATE = '{{';

export function decodeServiceSpec(body: Buffer): Decoded<ServiceRequest> {
  const json = parseJson(body);
  if (!json.ok) return json;
  if (json.value.type !== 'object') return { ok: false, message: 'service spec must be a JSON object' };
  const decoded = decodeGo(json.value, serviceSpecType);
  if (!decoded.ok) return decoded;
  const spec = decoded.value;
  return {
    ok: true,
    value: {
      grant: serviceGrant(spec),
      serialize: () => Buffer.from(writeJson(encodeGo(spec, serviceSpecType)), 'utf8'),
    },
  };
}

function serviceGrant(spec: GoValue): ContainerGrant {
  const grant = emptyGrant();
  const task = field(spec, 'TaskTemplate');
  const container = field(task, 'ContainerSpec');
  const where = 'TaskTemplate.ContainerSpec';
  grant.image = str(field(container, 'Image')) || undefined;
  for (const [i, decoded] of items(field(container, 'Mounts')).entries()) {
    const spec = toMountSpec(decoded);
    const mountField = `${where}.Mounts[${i}]`;
    const mount = grantMountOf(spec, i, mountField);
    delete mount.rewrite; // a task's mounts are made on the node: no filtered socket can stand in
    grant.mounts.push(mount);
    const templated = [spec.source, spec.target, ...Object.values(spec.driver?.options ?? {})].some((v) =>
      v.includes(TEMPLATE),
    );
    if (templated)
      grant.extras.push({
        field: mountField,
        what: 'a Go template in a mount, which swarm expands on the node after any judgement',
      });
  }
  grant.capAdd = items(field(container, 'CapabilityAdd')).map(str);
  grant.capDrop = items(field(container, 'CapabilityDrop')).map(str);
  grant.sysctls = stringMap(field(container, 'Sysctls'));
  grant.isolation = str(field(container, 'Isolation'));
  const oom = field(container, 'OomScoreAdj');
  grant.oomScoreAdj = oom?.kind === 'number' ? Number(oom.text) : 0;
  const privileges = field(container, 'Privileges');
  const selinux = field(privileges, 'SELinuxContext');
  if (field(selinux, 'Disable')?.kind === 'bool' && (field(selinux, 'Disable') as { value: boolean }).value)
    grant.securityOpt.push('label=disable');
  for (const part of ['User', 'Role', 'Type', 'Level']) {
    const value = str(field(selinux, part));
    if (value) grant.securityOpt.push(`label=${part.toLowerCase()}:${value}`);
  }
  const seccomp = str(field(field(privileges, 'Seccomp'), 'Mode'));
  if (seccomp === 'unconfined') grant.securityOpt.push('seccomp=unconfined');
  else if (seccomp === 'custom') grant.securityOpt.push('seccomp=<custom profile>');
  if (str(field(field(privileges, 'AppArmor'), 'Mode')) === 'disabled')
    grant.securityOpt.push('apparmor=unconfined');
  if (field(privileges, 'CredentialSpec'))
    grant.extras.push({ field: `${where}.Privileges.CredentialSpec`, what: 'a credential spec' });

  // The first attachment to a predefined network (host, bridge) becomes the task's network mode.
  const attachments = [...items(field(task, 'Networks')), ...items(field(spec, 'Networks'))];
  grant.networks = attachments.map((a) => str(field(a, 'Target')));
  const log = field(task, 'LogDriver');
  grant.logDriver = str(field(log, 'Name'));
  grant.logOptions = stringMap(field(log, 'Options'));
  const pluginSpec = field(task, 'PluginSpec');
  if (
    str(field(task, 'Runtime')) === 'plugin' ||
    (pluginSpec?.kind === 'opaque' && pluginSpec.occurrences.some((o) => o.type !== 'null'))
  )
    grant.extras.push({
      field: 'TaskTemplate.PluginSpec',
      what: 'a plugin installed on every node, with the privileges it asks for',
    });
  return grant;
}
