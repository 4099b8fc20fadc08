import { describe, expect, it } from 'vitest';
import type { ContainerGrant } from './container-grant.js';
import { decodeServiceSpec, type ServiceRequest } from './service-spec.js';

function decode(body: string): ServiceRequest {
  const r = decodeServiceSpec(Buffer.from(body, 'utf8'));
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

const spec = (containerSpec: string, task = '') =>
  `{"Name":"s","TaskTemplate":{"ContainerSpec":{"Image":"nginx"${containerSpec ? `,${containerSpec}` : ''}}${task ? `,${task}` : ''}}}`;

describe('decodeServiceSpec: the grant a task container gets', () => {
  it('maps mounts with their spec field names and no rewrite', () => {
    const { grant } = decode(
      spec(
        '"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/s","ReadOnly":true},{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"o":"bind","device":"/run"}}}}]',
      ),
    );
    expect(grant.image).toBe('nginx');
    expect(grant.mounts).toEqual([
      {
        field: 'TaskTemplate.ContainerSpec.Mounts[0]',
        type: 'bind',
        source: '/var/run/docker.sock',
        target: '/s',
        readOnly: true,
        propagation: '',
        readOnlyNonRecursive: false,
      },
      {
        field: 'TaskTemplate.ContainerSpec.Mounts[1]',
        type: 'volume',
        source: 'v',
        target: '/v',
        readOnly: false,
        propagation: '',
        readOnlyNonRecursive: false,
        volume: { driver: 'local', options: { o: 'bind', device: '/run' }, subpath: '' },
      },
    ]);
  });

  it.each<[string, string, Partial<ContainerGrant>]>([
    [
      'lower-case keys',
      '{"tasktemplate":{"containerspec":{"image":"x","mounts":[{"type":"bind","source":"/run","target":"/r"}]}}}',
      { image: 'x', mounts: [expect.objectContaining({ source: '/run', target: '/r' })] },
    ],
    [
      'a duplicate TaskTemplate merges, the last Image wins',
      '{"TaskTemplate":{"ContainerSpec":{"Image":"a","CapabilityAdd":["NET_ADMIN"]}},"TaskTemplate":{"ContainerSpec":{"Image":"b"}}}',
      { image: 'b', capAdd: ['NET_ADMIN'] },
    ],
    [
      'duplicate Mounts: the last wins',
      spec(
        '"Mounts":[{"Type":"bind","Source":"/tmp","Target":"/t"}],"mounts":[{"Type":"bind","Source":"/run","Target":"/r"}]',
      ),
      { mounts: [expect.objectContaining({ source: '/run', target: '/r' })] },
    ],
    [
      'Privileges: seccomp unconfined',
      spec('"Privileges":{"Seccomp":{"Mode":"unconfined"}}'),
      { securityOpt: ['seccomp=unconfined'] },
    ],
    [
      'Privileges: a custom seccomp profile',
      spec('"Privileges":{"Seccomp":{"Mode":"custom","Profile":"eyJ9"}}'),
      { securityOpt: ['seccomp=<custom profile>'] },
    ],
    [
      'Privileges: the default seccomp profile',
      spec('"Privileges":{"Seccomp":{"Mode":"default"}}'),
      { securityOpt: [] },
    ],
    [
      'Privileges: AppArmor disabled',
      spec('"Privileges":{"AppArmor":{"Mode":"disabled"}}'),
      { securityOpt: ['apparmor=unconfined'] },
    ],
    [
      'Privileges: AppArmor default',
      spec('"Privileges":{"AppArmor":{"Mode":"default"}}'),
      { securityOpt: [] },
    ],
    [
      'Privileges: SELinux disabled',
      spec('"Privileges":{"SELinuxContext":{"Disable":true}}'),
      { securityOpt: ['label=disable'] },
    ],
    [
      'Privileges: an SELinux type and level',
      spec('"Privileges":{"SELinuxContext":{"Disable":false,"Type":"spc_t","Level":"s0"}}'),
      { securityOpt: ['label=type:spc_t', 'label=level:s0'] },
    ],
    [
      'Privileges: no-new-privileges takes away',
      spec('"Privileges":{"NoNewPrivileges":true}'),
      { securityOpt: [], extras: [] },
    ],
    [
      'Privileges: a credential spec',
      spec('"Privileges":{"CredentialSpec":{"File":"x"}}'),
      {
        extras: [
          { field: 'TaskTemplate.ContainerSpec.Privileges.CredentialSpec', what: 'a credential spec' },
        ],
      },
    ],
    [
      'CapabilityAdd and CapabilityDrop',
      spec('"CapabilityAdd":["CAP_SYS_ADMIN"],"CapabilityDrop":["CAP_NET_RAW"]'),
      { capAdd: ['CAP_SYS_ADMIN'], capDrop: ['CAP_NET_RAW'] },
    ],
    [
      'Sysctls, Isolation and OomScoreAdj',
      spec('"Sysctls":{"kernel.core_pattern":"|/x"},"Isolation":"hyperv","OomScoreAdj":-1000'),
      { sysctls: { 'kernel.core_pattern': '|/x' }, isolation: 'hyperv', oomScoreAdj: -1000 },
    ],
    ['a task network that is the host’s', spec('', '"Networks":[{"Target":"host"}]'), { networks: ['host'] }],
    [
      'task networks and the deprecated spec networks',
      '{"TaskTemplate":{"ContainerSpec":{"Image":"x"},"Networks":[{"Target":"front"}]},"Networks":[{"Target":"hostnetid","Aliases":["a"]}]}',
      { networks: ['front', 'hostnetid'] },
    ],
    [
      'the log driver',
      spec('', '"LogDriver":{"Name":"syslog","Options":{"syslog-address":"udp://1.2.3.4:514"}}'),
      { logDriver: 'syslog', logOptions: { 'syslog-address': 'udp://1.2.3.4:514' } },
    ],
    [
      'Runtime plugin',
      '{"TaskTemplate":{"Runtime":"plugin"}}',
      {
        extras: [
          {
            field: 'TaskTemplate.PluginSpec',
            what: 'a plugin installed on every node, with the privileges it asks for',
          },
        ],
      },
    ],
    [
      'a PluginSpec',
      '{"TaskTemplate":{"PluginSpec":{"Name":"vieux/sshfs","Remote":"vieux/sshfs:latest"}}}',
      {
        extras: [
          {
            field: 'TaskTemplate.PluginSpec',
            what: 'a plugin installed on every node, with the privileges it asks for',
          },
        ],
      },
    ],
    [
      'a null PluginSpec',
      '{"TaskTemplate":{"PluginSpec":null,"ContainerSpec":{"Image":"x"}}}',
      { extras: [] },
    ],
    [
      'Runtime container',
      '{"TaskTemplate":{"Runtime":"container","ContainerSpec":{"Image":"x"}}}',
      { extras: [] },
    ],
  ])('%s', (_name, body, expected) => {
    expect(decode(body).grant).toMatchObject(expected);
  });

  const TEMPLATE = 'a Go template in a mount, which swarm expands on the node after any judgement';
  it.each<[string, string, boolean]>([
    ['a template in Source', '{"Type":"bind","Source":"{{.Service.Labels.src}}","Target":"/x"}', true],
    ['a template in Target', '{"Type":"bind","Source":"/data","Target":"/x{{.Task.Slot}}"}', true],
    [
      'a template in a driver option',
      '{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"o":"bind","device":"{{.Node.Hostname}}"}}}}',
      true,
    ],
    ['an escaped template', '{"Type":"bind","Source":"\\u007b\\u007b.Service.Name}}","Target":"/x"}', true],
    [
      'a template in volume labels (not expanded into a path)',
      '{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"Labels":{"l":"{{.Node.ID}}"}}}',
      false,
    ],
    ['a single brace', '{"Type":"bind","Source":"/data/{x}","Target":"/x"}', false],
  ])('%s', (_name, mount, templated) => {
    const { grant } = decode(spec(`"Mounts":[${mount}]`));
    expect(grant.extras).toEqual(
      templated ? [{ field: 'TaskTemplate.ContainerSpec.Mounts[0]', what: TEMPLATE }] : [],
    );
  });

  it.each([
    ['an array body', '[]'],
    ['a null body', 'null'],
    ['invalid JSON', '{"TaskTemplate":'],
    ['Mounts of the wrong type', spec('"Mounts":"/run:/r"')],
    ['CapabilityAdd of the wrong type', spec('"CapabilityAdd":"SYS_ADMIN"')],
  ])('refuses %s', (_name, body) => {
    expect(decodeServiceSpec(Buffer.from(body)).ok).toBe(false);
  });
});

describe('decodeServiceSpec: serialize emits what was judged', () => {
  it.each([
    [
      'folded keys come out canonical',
      '{"name":"s","tasktemplate":{"containerspec":{"image":"x","capabilityadd":["NET_ADMIN"]}}}',
      '{"Name":"s","TaskTemplate":{"ContainerSpec":{"Image":"x","CapabilityAdd":["NET_ADMIN"]}}}',
    ],
    [
      'merged duplicates come out once',
      '{"TaskTemplate":{"ContainerSpec":{"Image":"a"}},"TASKTEMPLATE":{"ContainerSpec":{"Image":"b"}}}',
      '{"TaskTemplate":{"ContainerSpec":{"Image":"b"}}}',
    ],
    [
      'mounts keep their fields',
      '{"TaskTemplate":{"ContainerSpec":{"Mounts":[{"type":"bind","source":"/data","target":"/d","readonly":true}]}}}',
      '{"TaskTemplate":{"ContainerSpec":{"Mounts":[{"Type":"bind","Source":"/data","Target":"/d","ReadOnly":true}]}}}',
    ],
    ['unknown keys pass through', '{"Name":"s","Future":{"x":1}}', '{"Name":"s","Future":{"x":1}}'],
  ])('%s', (_name, body, canonical) => {
    expect(decode(body).serialize().toString('utf8')).toBe(canonical);
  });

  it('a canonical body decodes to the same grant and the same body', () => {
    const first = decode(
      '{"name":"s","labels":{"a":"b"},"tasktemplate":{"containerspec":{"image":"x","mounts":[{"type":"volume","source":"v","target":"/v","volumeoptions":{"driverconfig":{"name":"local","options":{"o":"bind","device":"/data"}}}}],"privileges":{"seccomp":{"mode":"unconfined"}},"sysctls":{"net.core.somaxconn":"1"}},"networks":[{"target":"front"}],"logdriver":{"name":"json-file"}},"mode":{"replicated":{"replicas":2}}}',
    );
    const body = first.serialize();
    const again = decode(body.toString('utf8'));
    expect(again.grant).toEqual(first.grant);
    expect(again.serialize().toString('utf8')).toBe(body.toString('utf8'));
  });
});
