import { describe, expect, it } from 'vitest';
import { checkStartBody, decodeCreateBody, type CreateRequest } from './container-create.js';

function decode(body: string): CreateRequest {
  const r = decodeCreateBody(Buffer.from(body, 'utf8'));
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

const SOCK = '/var/run/docker.sock:/var/run/docker.sock';

describe('decodeCreateBody sees the binds the engine will use', () => {
  it.each<[string, string, string[]]>([
    ['canonical', `{"Image":"a","HostConfig":{"Binds":["${SOCK}"]}}`, [SOCK]],
    ['lower-case keys', `{"image":"a","hostconfig":{"binds":["${SOCK}"]}}`, [SOCK]],
    ['upper-case keys', `{"IMAGE":"a","HOSTCONFIG":{"BINDS":["${SOCK}"]}}`, [SOCK]],
    ['long-s keys', `{"Image":"a","Ho\u017ftConfig":{"Bind\u017f":["${SOCK}"]}}`, [SOCK]],
    ['escaped keys', `{"Image":"a","\\u0048ostConfig":{"B\\u0069nds":["${SOCK}"]}}`, [SOCK]],
    [
      'escaped slashes in the value',
      `{"Image":"a","HostConfig":{"Binds":["\\/var\\/run:\\/x"]}}`,
      ['/var/run:/x'],
    ],
    [
      'a second HostConfig merges into the first',
      `{"Image":"a","HostConfig":{"Binds":["${SOCK}"]},"HostConfig":{"NetworkMode":"none"}}`,
      [SOCK],
    ],
    ['the last Binds wins', `{"HostConfig":{"Binds":["/tmp:/tmp"],"binds":["${SOCK}"]}}`, [SOCK]],
    [
      'a later Binds replaces an earlier one',
      `{"HostConfig":{"Binds":["${SOCK}"],"binds":["/tmp:/tmp"]}}`,
      ['/tmp:/tmp'],
    ],
    [
      'a null element revives the earlier bind',
      `{"HostConfig":{"Binds":["${SOCK}","/b:/b"],"Binds":[null]}}`,
      [SOCK],
    ],
    [
      'deprecated top-level Binds (20.10 uses them when HostConfig is absent)',
      `{"Image":"a","Binds":["${SOCK}"]}`,
      [SOCK],
    ],
    ['top-level Binds with a null HostConfig', `{"Image":"a","HostConfig":null,"Binds":["${SOCK}"]}`, [SOCK]],
    [
      'HostConfig reset by null after it held binds, top-level binds used',
      `{"HostConfig":{"Binds":["/tmp:/tmp"]},"HostConfig":null,"binds":["${SOCK}"]}`,
      [SOCK],
    ],
    ['top-level Binds are ignored when HostConfig is present', `{"Binds":["${SOCK}"],"HostConfig":{}}`, []],
  ])('%s', (_name, body, binds) => {
    expect(decode(body).binds).toEqual(binds);
  });

  it('reads the other judged fields under any spelling', () => {
    const r = decode(
      '{"image":"x","volumes":{"/data":{}},"hostconfig":{"privileged":true,"pidmode":"host","capadd":"SYS_PTRACE","capdrop":["ALL"],' +
        '"volumesfrom":["other:ro"],"volumedriver":"local","mounts":[{"type":"bind","source":"/run","target":"/r","readonly":true}]}}',
    );
    expect(r).toMatchObject({ image: 'x', hasHostConfig: true });
    expect(r.grant).toMatchObject({
      privileged: true,
      pid: { kind: 'host' },
      capAdd: ['SYS_PTRACE'],
      capDrop: ['ALL'],
      volumesFrom: [{ container: 'other', readOnly: true }],
      volumeDriver: 'local',
    });
    expect(r.mounts).toMatchObject([{ type: 'bind', source: '/run', target: '/r', readOnly: true }]);
    expect(r.grant.mounts).toMatchObject([
      { field: 'HostConfig.Mounts[0]', type: 'bind', source: '/run', target: '/r', readOnly: true },
      { field: 'Config.Volumes["/data"]', type: 'volume', source: '', target: '/data' },
    ]);
  });

  it('takes VolumeDriver from the top level when HostConfig lacks it (20.10 getHostConfig)', () => {
    expect(decode('{"VolumeDriver":"evil","HostConfig":{"Binds":["v:/v"]}}').grant.volumeDriver).toBe('evil');
    expect(decode('{"VolumeDriver":"evil","HostConfig":{"VolumeDriver":"local"}}').grant.volumeDriver).toBe(
      'local',
    );
  });

  it('merges repeated Mounts element by element', () => {
    const r = decode(
      '{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/var/run","Target":"/x"}],"Mounts":[{"Type":"bind","Target":"/y"}]}}',
    );
    expect(r.mounts).toMatchObject([{ type: 'bind', source: '/var/run', target: '/y' }]);
  });

  it('reads a volume mount with a local driver config', () => {
    const r = decode(
      '{"HostConfig":{"Mounts":[{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"o":"bind","type":"none","device":"/run"}}}}]}}',
    );
    expect(r.mounts[0]?.driver).toEqual({
      name: 'local',
      options: { o: 'bind', type: 'none', device: '/run' },
    });
  });

  it('reads the docker CLI 28 `run --use-api-socket` mount', () => {
    const r = decode(
      '{"Image":"docker:cli","Env":["DOCKER_CONFIG=/run/secrets/docker"],"HostConfig":{"Binds":null,"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/var/run/docker.sock","BindOptions":{}}]}}',
    );
    expect(r.mounts).toMatchObject([
      { type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock' },
    ]);
  });

  it.each([
    ['a wrong type the engine would refuse', '{"HostConfig":{"Binds":"/var/run:/x"}}'],
    ['an array body', '[]'],
    ['a null body', 'null'],
    ['trailing data', '{"Image":"a"} {"HostConfig":{"Binds":["/:/h"]}}'],
    ['invalid JSON', '{"Image":'],
    ['a lone surrogate in a path', '{"HostConfig":{"Binds":["/var/run\\ud800:/x"]}}'],
  ])('refuses %s', (_name, body) => {
    expect(decodeCreateBody(Buffer.from(body)).ok).toBe(false);
  });
});

describe('serialize emits exactly what was judged, one spelling per field', () => {
  it.each([
    [
      'folded keys come out canonical',
      '{"image":"a","hostconfig":{"bind\u017f":["/a:/a"]}}',
      '{"Image":"a","HostConfig":{"Binds":["/a:/a"]}}',
    ],
    [
      'merged duplicates come out once',
      '{"Image":"a","HostConfig":{"Binds":["/a:/a"]},"HOSTCONFIG":{"Privileged":true}}',
      '{"Image":"a","HostConfig":{"Binds":["/a:/a"],"Privileged":true}}',
    ],
    [
      'deprecated top-level fields move into HostConfig',
      '{"Image":"a","binds":["/a:/a"],"Memory":5}',
      '{"Image":"a","HostConfig":{"Binds":["/a:/a"],"Memory":5}}',
    ],
    [
      'ignored top-level fields are dropped, VolumeDriver and Cpuset fill gaps',
      '{"Image":"a","Binds":["/x:/x"],"VolumeDriver":"d","Cpuset":"0","HostConfig":{"Privileged":false}}',
      '{"Image":"a","HostConfig":{"VolumeDriver":"d","Privileged":false,"CpusetCpus":"0"}}',
    ],
    [
      'unknown keys pass through as written',
      '{"Image":"a","Futur\u00e9":1,"HostConfig":{"NewThing":{"k":[1]}}}',
      '{"Image":"a","HostConfig":{"NewThing":{"k":[1]}},"Futur\u00e9":1}',
    ],
    [
      'opaque fields keep every occurrence, renamed',
      '{"Image":"a","env":["A=1"],"ENV":["B=2"],"networkingconfig":{"EndpointsConfig":{}}}',
      '{"Env":["A=1"],"Env":["B=2"],"Image":"a","NetworkingConfig":{"EndpointsConfig":{}}}',
    ],
    [
      'stale slice data is spelled out',
      '{"HostConfig":{"Binds":["/s:/s","/b:/b"],"Binds":[null]}}',
      '{"HostConfig":{"Binds":["/s:/s"]}}',
    ],
    ['no HostConfig stays absent', '{"Image":"a"}', '{"Image":"a"}'],
  ])('%s', (_name, body, canonical) => {
    expect(decode(body).serialize().toString('utf8')).toBe(canonical);
  });

  it('a canonical body decodes to the same request', () => {
    const r = decode(
      '{"image":"a","Binds":["/var/run:/x"],"HostConfig":null,"hostconfig":{"Mounts":[{"type":"bind","source":"/run","target":"/r"}]}}',
    );
    const again = decode(r.serialize().toString('utf8'));
    expect({ ...again, serialize: null }).toEqual({ ...r, serialize: null });
  });

  it('applies overrides: image, binds and a rewritten mount keeping its other fields', () => {
    const r = decode(
      '{"Image":"a","HostConfig":{"Binds":["/var/run/docker.sock:/s"],"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/t","BindOptions":{"Propagation":"rslave"}}]}}',
    );
    const [mount] = r.mounts;
    if (!mount) throw new Error('no mount');
    const out = r
      .serialize({
        image: 'a@sha256:00',
        binds: ['/sw/c1.sock:/s'],
        mounts: [{ ...mount, source: '/sw/c1.sock' }],
      })
      .toString('utf8');
    expect(out).toBe(
      '{"Image":"a@sha256:00","HostConfig":{"Binds":["/sw/c1.sock:/s"],"Mounts":[{"Type":"bind","Source":"/sw/c1.sock","Target":"/t","ReadOnly":false,"BindOptions":{"Propagation":"rslave"}}]}}',
    );
  });
});

describe('checkStartBody: the legacy start-time HostConfig is refused', () => {
  it.each([
    ['', true],
    ['{}', true],
    [' null\n', true],
    ['{"Binds":["/var/run:/x"]}', false],
    ['{"HostConfig":{}}', false],
    ['{"binds":[]}', false],
  ])('%j -> allowed %s', (body, allowed) => {
    expect(checkStartBody(Buffer.from(body)).ok).toBe(allowed);
  });
});

describe('the grant: what the create would give the container', () => {
  const grantOf = (body: string) => decode(body).grant;
  const hc = (inner: string) => `{"Image":"x","HostConfig":{${inner}}}`;

  it.each<[string, string, Record<string, unknown>]>([
    [
      'a read-only bind',
      '/data:/d:ro',
      {
        type: 'bind',
        source: '/data',
        target: '/d',
        readOnly: true,
        propagation: '',
        modes: ['ro'],
        rewrite: { bindIndex: 0 },
      },
    ],
    ['rshared', '/data:/d:rshared', { readOnly: false, propagation: 'rshared', modes: ['rshared'] }],
    ['z', '/data:/d:z', { readOnly: false, propagation: '', modes: ['z'] }],
    [
      'ro,rslave,Z',
      '/data:/d:ro,rslave,Z',
      { readOnly: true, propagation: 'rslave', modes: ['ro', 'rslave', 'Z'] },
    ],
    ['rw', '/data:/d:rw', { readOnly: false, modes: ['rw'] }],
    [
      'a named volume',
      'vol:/v',
      { type: 'volume', source: 'vol', target: '/v', volume: { driver: 'local', subpath: '' } },
    ],
    ['an anonymous volume', '/anon', { type: 'volume', source: '', target: '/anon', modes: [] }],
  ])('Binds %s', (_name, bind, expected) => {
    expect(grantOf(hc(`"Binds":[${JSON.stringify(bind)}]`)).mounts).toMatchObject([
      { field: 'HostConfig.Binds[0]', ...expected },
    ]);
  });

  it('names a Binds volume with the VolumeDriver, and skips binds the engine refuses', () => {
    expect(
      grantOf(hc('"Binds":[":/x","vol:/v","/a:/b:/c:/d"],"VolumeDriver":"rexray"')).mounts,
    ).toMatchObject([
      {
        field: 'HostConfig.Binds[1]',
        type: 'volume',
        volume: { driver: 'rexray' },
        rewrite: { bindIndex: 1 },
      },
    ]);
  });

  it.each<[string, string, { container: string; readOnly: boolean }]>([
    ['x', 'x', { container: 'x', readOnly: false }],
    ['x:ro', 'x:ro', { container: 'x', readOnly: true }],
    ['x:rw', 'x:rw', { container: 'x', readOnly: false }],
    ['x:ro,z', 'x:ro,z', { container: 'x', readOnly: true }],
  ])('VolumesFrom %s', (_name, spec, expected) => {
    expect(grantOf(hc(`"VolumesFrom":[${JSON.stringify(spec)}]`)).volumesFrom).toEqual([
      { field: 'HostConfig.VolumesFrom[0]', spelled: spec, ...expected },
    ]);
  });

  it.each<[string, string, Record<string, unknown>]>([
    [
      'BindOptions',
      '{"Type":"bind","Source":"/data","Target":"/d","ReadOnly":true,"BindOptions":{"Propagation":"rshared","ReadOnlyNonRecursive":true}}',
      {
        type: 'bind',
        readOnly: true,
        propagation: 'rshared',
        readOnlyNonRecursive: true,
        rewrite: { mountIndex: 0 },
      },
    ],
    [
      'VolumeOptions.Subpath',
      '{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"Subpath":"sub/dir"}}',
      { type: 'volume', volume: { driver: 'local', subpath: 'sub/dir' } },
    ],
    [
      'a DriverConfig with a driver and options',
      '{"Type":"VOLUME","Source":"v","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"rexray","Options":{"size":"1"}}}}',
      { type: 'volume', volume: { driver: 'rexray', options: { size: '1' }, subpath: '' } },
    ],
    [
      'a consistency',
      '{"Type":"bind","Source":"/data","Target":"/d","Consistency":"cached"}',
      { consistency: 'cached' },
    ],
    [
      'tmpfs',
      '{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1024}}',
      { type: 'tmpfs', source: '', target: '/t' },
    ],
  ])('Mounts: %s', (_name, mount, expected) => {
    expect(grantOf(hc(`"Mounts":[${mount}]`)).mounts).toMatchObject([
      { field: 'HostConfig.Mounts[0]', ...expected },
    ]);
  });

  it.each<[string, string, Partial<ReturnType<typeof grantOf>>]>([
    [
      'Devices',
      '"Devices":[{"PathOnHost":"/dev/fuse","PathInContainer":"/dev/fuse","CgroupPermissions":"rwm"}]',
      { devices: [{ field: 'HostConfig.Devices[0]', pathOnHost: '/dev/fuse', permissions: 'rwm' }] },
    ],
    [
      'DeviceCgroupRules and DeviceRequests',
      '"DeviceCgroupRules":["c 1:3 rwm"],"DeviceRequests":[{"Driver":"nvidia","Count":-1}]',
      { deviceCgroupRules: ['c 1:3 rwm'], deviceRequests: 1 },
    ],
    [
      'Sysctls',
      '"Sysctls":{"net.ipv4.ip_forward":"1","kernel.shmmax":"9"}',
      { sysctls: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '9' } },
    ],
    [
      'LogConfig',
      '"LogConfig":{"Type":"syslog","Config":{"syslog-address":"udp://h:514"}}',
      { logDriver: 'syslog', logOptions: { 'syslog-address': 'udp://h:514' } },
    ],
    ['OomScoreAdj', '"OomScoreAdj":-999', { oomScoreAdj: -999 }],
    ['OomKillDisable true', '"OomKillDisable":true', { oomKillDisable: true }],
    ['OomKillDisable false', '"OomKillDisable":false', { oomKillDisable: false }],
    ['OomKillDisable null', '"OomKillDisable":null', { oomKillDisable: false }],
    [
      'Annotations',
      '"Annotations":{"io.containers.trace-syscall":"of:/tmp/x"}',
      { annotations: { 'io.containers.trace-syscall': 'of:/tmp/x' } },
    ],
    ['MaskedPaths absent', '"Privileged":false', { maskedPaths: null, readonlyPaths: null }],
    [
      'MaskedPaths null',
      '"MaskedPaths":null,"ReadonlyPaths":null',
      { maskedPaths: null, readonlyPaths: null },
    ],
    [
      'MaskedPaths [] (systempaths=unconfined)',
      '"MaskedPaths":[],"ReadonlyPaths":[]',
      { maskedPaths: [], readonlyPaths: [] },
    ],
    [
      'MaskedPaths given',
      '"MaskedPaths":["/proc/kcore"]',
      { maskedPaths: ['/proc/kcore'], readonlyPaths: null },
    ],
    [
      'namespaces',
      '"PidMode":"ns:/proc/1/ns/pid","IpcMode":"container:web","UTSMode":"host","UsernsMode":"host","CgroupnsMode":"private","NetworkMode":"mynet"',
      {
        pid: { kind: 'host' },
        ipc: { kind: 'container', ref: 'web' },
        uts: { kind: 'host' },
        userns: { kind: 'host' },
        cgroupns: { kind: 'private', spelled: 'private' },
        network: { kind: 'private', spelled: 'mynet' },
      },
    ],
    [
      'namespaces are case-sensitive, as the engine reads them',
      '"PidMode":"HOST","IpcMode":"Container:web"',
      { pid: { kind: 'private', spelled: 'HOST' }, ipc: { kind: 'private', spelled: 'Container:web' } },
    ],
    [
      'cgroups, runtime, isolation, security options',
      '"CgroupParent":"/x","Cgroup":"container:web","Runtime":"runsc","Isolation":"process","SecurityOpt":["seccomp=unconfined"],"CapAdd":"SYS_ADMIN","CapDrop":["ALL"],"Privileged":true',
      {
        cgroupParent: '/x',
        cgroup: 'container:web',
        runtime: 'runsc',
        isolation: 'process',
        securityOpt: ['seccomp=unconfined'],
        capAdd: ['SYS_ADMIN'],
        capDrop: ['ALL'],
        privileged: true,
      },
    ],
  ])('%s', (_name, inner, expected) => {
    expect(grantOf(hc(inner))).toMatchObject(expected);
  });

  it.each<[string, string, string[]]>([
    [
      'EndpointsConfig keys are the networks joined',
      '{"Image":"x","NetworkingConfig":{"EndpointsConfig":{"front":{},"back":{"Aliases":["b"]}}}}',
      ['front', 'back'],
    ],
    ['lower-case keys', '{"Image":"x","networkingconfig":{"endpointsconfig":{"host":{}}}}', ['host']],
    ['no NetworkingConfig', '{"Image":"x"}', []],
    ['a null EndpointsConfig', '{"Image":"x","NetworkingConfig":{"EndpointsConfig":null}}', []],
  ])('%s', (_name, body, networks) => {
    expect(grantOf(body).networks).toEqual(networks);
  });

  it('a default create asks for nothing', () => {
    const grant = grantOf('{"Image":"x"}');
    expect(grant).toMatchObject({
      image: 'x',
      mounts: [],
      volumesFrom: [],
      privileged: false,
      pid: { kind: 'private', spelled: '' },
      network: { kind: 'private', spelled: '' },
      devices: [],
      maskedPaths: null,
      oomKillDisable: false,
      extras: [],
    });
  });
});

describe('serialize: namespace overrides pin the container judged', () => {
  it.each([
    [
      'container:<name> becomes container:<id>',
      '{"Image":"a","HostConfig":{"PidMode":"container:web","IpcMode":"container:web","NetworkMode":"container:web"}}',
      { pidMode: 'container:f00', ipcMode: 'container:f01', networkMode: 'container:f02' },
      '{"Image":"a","HostConfig":{"NetworkMode":"container:f02","IpcMode":"container:f01","PidMode":"container:f00"}}',
    ],
    [
      'one override leaves the others as judged',
      '{"Image":"a","HostConfig":{"PidMode":"container:web","IpcMode":"shareable"}}',
      { pidMode: 'container:f00' },
      '{"Image":"a","HostConfig":{"IpcMode":"shareable","PidMode":"container:f00"}}',
    ],
    [
      'a top-level PidMode (20.10) is moved into HostConfig',
      '{"Image":"a","PidMode":"container:web"}',
      { pidMode: 'container:f00' },
      '{"Image":"a","HostConfig":{"PidMode":"container:f00"}}',
    ],
    [
      'no HostConfig at all',
      '{"Image":"a"}',
      { networkMode: 'container:f02' },
      '{"Image":"a","HostConfig":{"NetworkMode":"container:f02"}}',
    ],
    [
      'no overrides',
      '{"Image":"a","HostConfig":{"PidMode":"container:web"}}',
      {},
      '{"Image":"a","HostConfig":{"PidMode":"container:web"}}',
    ],
  ])('%s', (_name, body, overrides, canonical) => {
    expect(decode(body).serialize(overrides).toString('utf8')).toBe(canonical);
  });
});
