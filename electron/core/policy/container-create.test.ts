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
