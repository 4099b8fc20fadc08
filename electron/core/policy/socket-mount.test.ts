import { describe, expect, it } from 'vitest';
import { decodeCreateBody } from './container-create.js';
import { resolveHostPath, type HostFs } from './host-path.js';
import {
  findSocketMounts,
  parseBind,
  type ContainerMount,
  type SocketMountContext,
  type VolumeInfo,
} from './socket-mount.js';

// A host where /var/run -> /run, the engine socket is /run/docker.sock, Socket Warden listens on
// /run/socket-warden/sw.sock and keeps per-container filtered sockets in /run/socket-warden/filtered.
const hostFs: HostFs = (() => {
  const links: Record<string, string> = {
    '/var/run': '/run',
    '/home/u/s': '/var/run/docker.sock',
    '/home/u/d': '../../run',
  };
  const exists = new Set([
    '/var',
    '/run',
    '/run/docker.sock',
    '/run/socket-warden',
    '/run/socket-warden/sw.sock',
    '/home',
    '/home/u',
    '/data',
    '/proc',
  ]);
  return {
    lstat: async (p: string) => {
      if (!exists.has(p) && !(p in links)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return { isSymbolicLink: () => p in links };
    },
    readlink: async (p: string) => links[p] ?? '',
  };
})();

const volumes: Record<string, VolumeInfo> = {
  plain: { driver: 'local', options: {} },
  runbind: { driver: 'local', options: { type: 'none', o: 'bind', device: '/var/run' } },
  rbind: { driver: 'local', options: { o: 'rbind,ro', device: '/home/u/d' } },
  nfs: { driver: 'local', options: { type: 'nfs', o: 'addr=10.0.0.1', device: ':/export' } },
  disk: { driver: 'local', options: { type: 'ext4', device: '/dev/sda1' } },
  plugin: { driver: 'rexray', options: {} },
};
const containers: Record<string, { mounts: ContainerMount[]; pidMode: string }> = {
  holder: {
    mounts: [{ type: 'bind', source: '/run/docker.sock', destination: '/var/run/docker.sock' }],
    pidMode: '',
  },
  volholder: {
    mounts: [
      { type: 'volume', name: 'runbind', source: '/var/lib/docker/volumes/runbind/_data', destination: '/r' },
    ],
    pidMode: '',
  },
  clean: {
    mounts: [
      { type: 'bind', source: '/data', destination: '/data' },
      { type: 'volume', name: 'plain', source: '/var/lib/docker/volumes/plain/_data' },
    ],
    pidMode: '',
  },
  hostpid: { mounts: [], pidMode: 'host' },
};

const ctx: SocketMountContext = {
  guardedPaths: ['/run/docker.sock', '/run/socket-warden/sw.sock', '/run/socket-warden/filtered'],
  resolveHostPath: (p) => resolveHostPath(p, hostFs),
  inspectVolume: async (name) => volumes[name],
  inspectContainerMounts: async (name) => containers[name]?.mounts,
  inspectContainerPidMode: async (name) => containers[name]?.pidMode,
};

async function find(body: string, context: SocketMountContext = ctx) {
  const r = decodeCreateBody(Buffer.from(body, 'utf8'));
  if (!r.ok) throw new Error(r.message);
  return findSocketMounts(r.value, context);
}
const hc = (inner: string) => `{"Image":"x","HostConfig":{${inner}}}`;

describe('findSocketMounts: attacker spellings that expose a guarded socket', () => {
  it.each<[string, string, Record<string, unknown>]>([
    [
      'the socket',
      hc('"Binds":["/var/run/docker.sock:/var/run/docker.sock"]'),
      {
        via: 'bind',
        relation: 'exact',
        resolvedSource: '/run/docker.sock',
        target: '/var/run/docker.sock',
        bindIndex: 0,
      },
    ],
    [
      'its real path',
      hc('"Binds":["/run/docker.sock:/s:ro"]'),
      { relation: 'exact', field: 'HostConfig.Binds[0]' },
    ],
    [
      'the directory above',
      hc('"Binds":["/var/run:/host-run"]'),
      { relation: 'contains', resolvedSource: '/run', guardedPath: '/run/docker.sock' },
    ],
    ['the root', hc('"Binds":["/:/host"]'), { relation: 'contains', resolvedSource: '/' }],
    [
      '//var/run/../run',
      hc('"Binds":["//var/run/../run:/h"]'),
      { relation: 'contains', source: '//var/run/../run', resolvedSource: '/run' },
    ],
    ['/var/./run/', hc('"Binds":["/var/./run/:/h"]'), { relation: 'contains' }],
    ['a symlink to the socket', hc('"Binds":["/home/u/s:/s"]'), { relation: 'exact', source: '/home/u/s' }],
    [
      'a relative symlink to the directory',
      hc('"Binds":["/home/u/d:/d"]'),
      { relation: 'contains', resolvedSource: '/run' },
    ],
    [
      "Socket Warden's own socket",
      hc('"Binds":["/run/socket-warden/sw.sock:/s"]'),
      { guardedPath: '/run/socket-warden/sw.sock', relation: 'exact' },
    ],
    [
      'a filtered socket of another container',
      hc('"Binds":["/run/socket-warden/filtered/c1.sock:/s"]'),
      { relation: 'inside', guardedPath: '/run/socket-warden/filtered' },
    ],
    ['mixed-case keys', '{"image":"x","hostconfig":{"binds":["/var/run:/h"]}}', { relation: 'contains' }],
    ['long-s key', '{"Image":"x","HostConfig":{"Bind\u017f":["/var/run:/h"]}}', { relation: 'contains' }],
    [
      'a merged second HostConfig',
      '{"HostConfig":{"Binds":["/var/run:/h"]},"HostConfig":{"Privileged":false}}',
      { relation: 'contains' },
    ],
    ['deprecated top-level Binds', '{"Image":"x","Binds":["/var/run:/h"]}', { relation: 'contains' }],
    [
      'a revived stale bind',
      hc('"Binds":["/var/run:/h","/data:/d"],"Binds":[null]'),
      { relation: 'contains', bindIndex: 0 },
    ],
    [
      'Mounts bind',
      hc('"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/s"}]'),
      { via: 'mount', mountIndex: 0, relation: 'exact', target: '/s' },
    ],
    [
      'Mounts bind, odd case type',
      hc('"Mounts":[{"type":"BIND","source":"/run","target":"/r"}]'),
      { via: 'mount', relation: 'contains' },
    ],
    [
      'docker run --use-api-socket (CLI 28)',
      hc(
        '"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/var/run/docker.sock","BindOptions":{}}]',
      ),
      { via: 'mount', relation: 'exact', target: '/var/run/docker.sock' },
    ],
    [
      'Mounts volume with a local bind driver config',
      hc(
        '"Mounts":[{"Type":"volume","Source":"new","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/var/run"}}}}]',
      ),
      { via: 'volume', relation: 'contains', resolvedSource: '/run' },
    ],
    [
      'Mounts anonymous volume with driver options and no driver name',
      hc(
        '"Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Options":{"o":"bind","device":"/run"}}}}]',
      ),
      { via: 'volume', relation: 'contains' },
    ],
    [
      'an existing bind volume via Binds',
      hc('"Binds":["runbind:/v"]'),
      { via: 'volume', relation: 'contains', source: 'runbind' },
    ],
    [
      'an existing rbind volume through a symlink',
      hc('"Binds":["rbind:/v:ro"]'),
      { via: 'volume', relation: 'contains', resolvedSource: '/run' },
    ],
    [
      'an existing bind volume via Mounts',
      hc('"Mounts":[{"Type":"volume","Source":"runbind","Target":"/v"}]'),
      { via: 'volume', relation: 'contains' },
    ],
    ['a block device volume', hc('"Binds":["disk:/v"]'), { relation: 'unjudgeable' }],
    ['a plugin volume', hc('"Binds":["plugin:/v"]'), { relation: 'unjudgeable' }],
    [
      'a plugin VolumeDriver for a new named volume',
      hc('"Binds":["fresh:/v"],"VolumeDriver":"weird"'),
      { relation: 'unjudgeable' },
    ],
    [
      'a plugin VolumeDriver for anonymous volumes',
      '{"Image":"x","Volumes":{"/v":{}},"HostConfig":{"VolumeDriver":"weird"}}',
      { relation: 'unjudgeable', field: 'Config.Volumes["/v"]' },
    ],
    [
      'top-level VolumeDriver filling the gap',
      '{"Image":"x","VolumeDriver":"weird","HostConfig":{"Binds":["fresh:/v"]}}',
      { relation: 'unjudgeable' },
    ],
    [
      'volumes-from a container holding the socket',
      hc('"VolumesFrom":["holder"]'),
      { via: 'volumes-from', relation: 'exact', target: '/var/run/docker.sock' },
    ],
    ['volumes-from with :ro', hc('"VolumesFrom":["holder:ro"]'), { via: 'volumes-from', source: 'holder' }],
    [
      'volumes-from a container with a bind volume',
      hc('"VolumesFrom":["volholder"]'),
      { via: 'volumes-from', relation: 'contains', target: '/r' },
    ],
    ['volumes-from a missing container', hc('"VolumesFrom":["ghost"]'), { relation: 'unjudgeable' }],
    ['host /proc', hc('"Binds":["/proc:/hp"]'), { relation: 'host-proc' }],
    [
      'host PID namespace, privileged',
      hc('"PidMode":"host","Privileged":true'),
      { via: 'pid-namespace', reason: expect.stringContaining('/proc/1/root') },
    ],
    [
      'host PID namespace, SYS_PTRACE',
      hc('"PidMode":"host","CapAdd":"sys_ptrace"'),
      { via: 'pid-namespace', reason: expect.stringContaining('/proc/1/root') },
    ],
    ['host PID namespace, CAP_ALL', hc('"PidMode":"host","CapAdd":["ALL"]'), { via: 'pid-namespace' }],
    [
      'host PID namespace alone',
      hc('"PidMode":"host"'),
      { via: 'pid-namespace', reason: expect.stringContaining('other containers') },
    ],
    [
      'PID namespace of a socket holder',
      hc('"PidMode":"container:holder"'),
      { via: 'pid-namespace', relation: 'exact' },
    ],
    [
      'PID namespace of a host-PID container',
      hc('"PidMode":"container:hostpid"'),
      { via: 'pid-namespace', relation: 'unjudgeable' },
    ],
  ])('%s', async (_name, body, expected) => {
    const findings = await find(body);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatchObject(expected);
  });

  it('reports every exposing mount with its index, and only those', async () => {
    const findings = await find(
      hc(
        '"Binds":["/data:/d","/var/run:/r","plain:/p","/run/docker.sock:/s"],"Mounts":[{"Type":"tmpfs","Target":"/t"},{"Type":"bind","Source":"/run","Target":"/m"}]',
      ),
    );
    expect(findings.map((f) => [f.field, f.bindIndex ?? f.mountIndex])).toEqual([
      ['HostConfig.Binds[1]', 1],
      ['HostConfig.Binds[3]', 3],
      ['HostConfig.Mounts[1]', 1],
    ]);
  });

  it('treats a path it cannot resolve as exposed', async () => {
    const failing = { ...ctx, resolveHostPath: async () => Promise.reject(new Error('EACCES')) };
    await expect(find(hc('"Binds":["/data:/d"]'), failing)).resolves.toMatchObject([
      { relation: 'unjudgeable' },
    ]);
  });

  it('refuses to judge a joined PID namespace without a way to inspect it', async () => {
    const { inspectContainerPidMode: _dropped, ...noPid } = ctx;
    await expect(find(hc('"PidMode":"container:clean"'), noPid)).resolves.toMatchObject([
      { relation: 'unjudgeable' },
    ]);
  });
});

describe('findSocketMounts: what stays allowed', () => {
  it.each([
    ['no mounts', '{"Image":"x"}'],
    ['an unrelated bind', hc('"Binds":["/data:/data:ro"]')],
    [
      'a sibling with a common prefix',
      hc('"Binds":["/run/docker.sockets:/s","/run/socket-warden/filtered-not:/f"]'),
    ],
    ['a plain named volume', hc('"Binds":["plain:/p"]')],
    ['a new local volume', hc('"Binds":["brand-new:/p"],"VolumeDriver":"local"')],
    ['an anonymous volume', hc('"Binds":["/anon"]')],
    ['an nfs volume', hc('"Binds":["nfs:/n"]')],
    ['tmpfs', hc('"Mounts":[{"Type":"tmpfs","Target":"/t"}]')],
    ['volumes-from a clean container', hc('"VolumesFrom":["clean:rw"]')],
    ['PID namespace of a clean container', hc('"PidMode":"container:clean"')],
    ['privileged without host PID', hc('"Privileged":true')],
    ['top-level Binds ignored because HostConfig is present', '{"Binds":["/var/run:/h"],"HostConfig":{}}'],
    ['an invalid bind the engine refuses', hc('"Binds":[":/x","/a:/b:/c:/d"]')],
  ])('%s', async (_name, body) => {
    await expect(find(body)).resolves.toEqual([]);
  });
});

describe('parseBind', () => {
  it.each([
    ['/a:/b', { source: '/a', target: '/b', mode: '' }],
    ['/a:/b:ro,z', { source: '/a', target: '/b', mode: 'ro,z' }],
    ['vol:/b', { source: 'vol', target: '/b', mode: '' }],
    ['/anon', { source: '', target: '/anon', mode: '' }],
    [':/b', undefined],
    ['/a:/b:ro:x', undefined],
  ])('%s', (raw, parsed) => {
    expect(parseBind(raw)).toEqual(parsed);
  });
});
