import { describe, expect, it } from 'vitest';
import { fakeGuard } from '../../../test/fixtures/fake-reach.js';
import { ctx, guards, host, io, ROOT_DEV, RUN_DEV, SOCKET } from '../../../test/fixtures/reach-world.js';
import { decodeCreateBody } from '../policy/container-create.js';
import type { ContainerGrant } from './container-grant.js';
import { engineRoutes, type RouteContext, type RouteFinding } from './engine-routes.js';
import { resolveGrant } from './resolve-grant.js';

function grantOf(body: string): ContainerGrant {
  const decoded = decodeCreateBody(Buffer.from(body, 'utf8'));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.value.grant;
}

async function routes(body: string, context: RouteContext = ctx): Promise<RouteFinding[]> {
  return engineRoutes(await resolveGrant(grantOf(body), io), context);
}

const hc = (inner: string) => `{"Image":"x","HostConfig":{${inner}}}`;

/** A finding in brief: field, kind, guard path and relation (when a guard is reached), joined, rewrite. */
function brief(f: RouteFinding): string {
  const parts = [f.field, f.kind];
  if (f.guard) parts.push(`${f.relation ?? '?'} ${f.guard.path}`);
  if (f.joined) parts.push('joined');
  if (f.rewrite)
    parts.push('bindIndex' in f.rewrite ? `bind#${f.rewrite.bindIndex}` : `mount#${f.rewrite.mountIndex}`);
  return parts.join(' ');
}

const B0 = 'HostConfig.Binds[0]';
const M0 = 'HostConfig.Mounts[0]';
/** What a mount of /run reaches: the socket, Socket Warden's socket and the filtered sockets. */
const RUN = (field: string, extra = '') => [
  `${field} guarded contains /run/docker.sock${extra}`,
  `${field} guarded contains /run/socket-warden/sw.sock${extra}`,
  `${field} guarded contains /run/socket-warden/filtered${extra}`,
];
const ROOT = (field: string) => [...RUN(field), `${field} guarded contains /var/lib/docker`];

describe('engineRoutes: every spelling of the socket and what lies around it', () => {
  it.each<[string, string, string[]]>([
    [
      'the socket',
      hc('"Binds":["/var/run/docker.sock:/var/run/docker.sock"]'),
      [`${B0} socket exact /run/docker.sock bind#0`],
    ],
    [
      'its real path, read-only',
      hc('"Binds":["/run/docker.sock:/s:ro"]'),
      [`${B0} socket exact /run/docker.sock bind#0`],
    ],
    ['a symlink to it', hc('"Binds":["/home/u/s:/s"]'), [`${B0} socket exact /run/docker.sock bind#0`]],
    [
      'a hard link to it (by identity)',
      hc('"Binds":["/run/user/1000/link.sock:/s"]'),
      [`${B0} socket exact /run/docker.sock bind#0`],
    ],
    [
      'its name through a bind mount of /run',
      hc('"Binds":["/mnt/run/docker.sock:/s"]'),
      [`${B0} socket exact /run/docker.sock bind#0`],
    ],
    [
      'its /proc/self/root spelling',
      hc('"Binds":["/proc/self/root/run/docker.sock:/s"]'),
      [`${B0} socket exact /run/docker.sock bind#0`],
    ],
    [
      'as the second bind',
      hc('"Binds":["/data:/d","/run/docker.sock:/s"]'),
      ['HostConfig.Binds[1] socket exact /run/docker.sock bind#1'],
    ],
    [
      'a Mounts bind',
      hc('"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/s"}]'),
      [`${M0} socket exact /run/docker.sock mount#0`],
    ],
    [
      'docker run --use-api-socket (CLI 28)',
      hc(
        '"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/var/run/docker.sock","BindOptions":{}}]',
      ),
      [`${M0} socket exact /run/docker.sock mount#0`],
    ],
    ['a Mounts bind, odd case type', hc('"Mounts":[{"type":"BIND","source":"/run","target":"/r"}]'), RUN(M0)],
    [
      "Socket Warden's own socket",
      hc('"Binds":["/run/socket-warden/sw.sock:/s"]'),
      [`${B0} socket exact /run/socket-warden/sw.sock bind#0`],
    ],
    [
      'a filtered socket of another container',
      hc('"Binds":["/run/socket-warden/filtered/c1.sock:/s"]'),
      [`${B0} guarded inside /run/socket-warden/filtered`],
    ],
    [
      'the filtered sockets directory',
      hc('"Binds":["/run/socket-warden/filtered:/f"]'),
      [`${B0} guarded exact /run/socket-warden/filtered`],
    ],
    ['the directory above', hc('"Binds":["/var/run:/host-run"]'), RUN(B0)],
    ['the directory above, by its real path', hc('"Binds":["/run:/r"]'), RUN(B0)],
    ['//var/run/../run', hc('"Binds":["//var/run/../run:/h"]'), RUN(B0)],
    ['/var/./run/', hc('"Binds":["/var/./run/:/h"]'), RUN(B0)],
    ['a relative symlink to the directory', hc('"Binds":["/home/u/d:/d"]'), RUN(B0)],
    ['/run bind-mounted at /mnt/run (by identity)', hc('"Binds":["/mnt/run:/r"]'), RUN(B0)],
    ['the root', hc('"Binds":["/:/host"]'), ROOT(B0)],
    ['the root through /proc/1/root', hc('"Binds":["/proc/1/root:/host"]'), ROOT(B0)],
    [
      'inside the data-root',
      hc('"Binds":["/var/lib/docker/volumes:/v"]'),
      [`${B0} guarded inside /var/lib/docker`],
    ],
    ["the host's /proc", hc('"Binds":["/proc:/hp"]'), [`${B0} host-kernel`]],
    ["the host's /proc through /proc/self", hc('"Binds":["/proc/self:/hp"]'), [`${B0} host-kernel`]],
    ["the host's /sys", hc('"Binds":["/sys:/hs:ro"]'), [`${B0} host-kernel`]],
    [
      "the host's cgroups",
      hc('"Mounts":[{"Type":"bind","Source":"/sys/fs/cgroup","Target":"/c"}]'),
      [`${M0} host-kernel`],
    ],
    ['a path that cannot be resolved', hc('"Binds":["/srv/locked/x:/x"]'), [`${B0} unjudgeable`]],
    [
      'mixed-case keys, a merged HostConfig and top-level Binds',
      '{"image":"x","hostconfig":{"binds":["/var/run:/h"]},"HostConfig":{"Privileged":false}}',
      RUN(B0),
    ],
    ['deprecated top-level Binds', '{"Image":"x","Binds":["/var/run:/h"]}', RUN(B0)],
    ['a long-s key', '{"Image":"x","HostConfig":{"Bind\u017f":["/var/run:/h"]}}', RUN(B0)],
    [
      'a merged second HostConfig',
      '{"HostConfig":{"Binds":["/var/run:/h"]},"HostConfig":{"Privileged":false}}',
      RUN(B0),
    ],
    ['a revived stale bind', hc('"Binds":["/var/run:/h","/data:/d"],"Binds":[null]'), RUN(B0)],
  ])('%s', async (_name, body, expected) => {
    expect((await routes(body)).map(brief)).toEqual(expected);
  });

  it('names the hit in plain words', async () => {
    expect(await routes(hc('"Binds":["/var/run:/host-run"]'))).toMatchObject([
      {
        target: '/host-run',
        reason: 'mounts /var/run (/run), which contains the Docker socket /run/docker.sock',
      },
      {},
      {},
    ]);
  });

  it('a guard under its spelled name (as discovery adds it) is still a socket route', async () => {
    const spelled = { ...SOCKET, path: '/var/run/docker.sock' };
    const found = await routes(hc('"Binds":["/var/run/docker.sock:/s"]'), { guards: [...guards, spelled] });
    expect(found.map(brief)).toEqual([
      `${B0} socket exact /run/docker.sock bind#0`,
      `${B0} socket exact /var/run/docker.sock bind#0`,
    ]);
  });

  it('an engine-state socket (containerd) is a route no filtered socket can stand in for', async () => {
    const containerd = fakeGuard(host, '/run/docker.sock', 'engine-state', "the engine's containerd socket");
    const found = await routes(hc('"Binds":["/run/docker.sock:/s"]'), { guards: [containerd] });
    expect(found.map(brief)).toEqual([`${B0} guarded exact /run/docker.sock`]);
  });
});

describe('engineRoutes: volumes, by what the local driver mounts', () => {
  it.each<[string, string, string[]]>([
    ['an existing bind volume of /var/run, via Binds', hc('"Binds":["runbind:/v"]'), RUN(B0)],
    ['an existing rbind volume through a symlink', hc('"Binds":["rbind:/v:ro"]'), RUN(B0)],
    [
      'an existing bind volume, via Mounts',
      hc('"Mounts":[{"Type":"volume","Source":"runbind","Target":"/v"}]'),
      RUN(M0),
    ],
    [
      'an existing volume binding the socket itself: never rewritable',
      hc('"Binds":["sockvol:/s"]'),
      [`${B0} guarded exact /run/docker.sock`],
    ],
    [
      'a requested local bind of /var/run',
      hc(
        '"Mounts":[{"Type":"volume","Source":"new","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/var/run"}}}}]',
      ),
      RUN(M0),
    ],
    [
      'an anonymous volume with DriverConfig options and no driver name',
      hc(
        '"Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Options":{"o":"bind","device":"/run"}}}}]',
      ),
      RUN(M0),
    ],
    [
      'an existing plain volume with requested bind options: both are judged',
      hc(
        '"Mounts":[{"Type":"volume","Source":"plain","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"o":"bind","device":"/run"}}}}]',
      ),
      RUN(M0),
    ],
    ['an existing proc volume', hc('"Binds":["proc:/p"]'), [`${B0} host-kernel`]],
    [
      'a requested sysfs volume',
      hc(
        '"Mounts":[{"Type":"volume","Source":"s","Target":"/s","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"sysfs","device":"sysfs"}}}}]',
      ),
      [`${M0} host-kernel`],
    ],
    ['an existing block-device volume', hc('"Binds":["disk:/d"]'), [`${B0} host-disk`]],
    ...['//dev/vda', '/dev/../dev/vda', '/proc/self/root/dev/vda', '/dev/disk/by-id/virtio-root'].map(
      (device): [string, string, string[]] => [
        `a requested ext4 volume on ${device}`,
        hc(
          `"Mounts":[{"Type":"volume","Target":"/d","VolumeOptions":{"DriverConfig":{"Options":{"type":"ext4","device":"${device}"}}}}]`,
        ),
        [`${M0} host-disk`],
      ],
    ),
    ['a remote nfs volume', hc('"Binds":["nfs:/n"]'), []],
    ['an nfs volume of 127.0.0.1', hc('"Binds":["nfslocal:/n"]'), [`${B0} unjudgeable`]],
    ['an nfs volume of a name that is this host', hc('"Binds":["nfsname:/n"]'), [`${B0} unjudgeable`]],
    ['an nfs volume with no addr=', hc('"Binds":["nfsnoaddr:/n"]'), [`${B0} unjudgeable`]],
    [
      'a requested cifs volume of this host',
      hc(
        '"Mounts":[{"Type":"volume","Target":"/n","VolumeOptions":{"DriverConfig":{"Options":{"type":"cifs","o":"addr=192.168.1.5","device":"//h/s"}}}}]',
      ),
      [`${M0} unjudgeable`],
    ],
    ['an existing tmpfs volume', hc('"Binds":["tmp:/t"]'), []],
    ['a plain named volume', hc('"Binds":["plain:/p"]'), []],
    ['a new local volume', hc('"Binds":["brand-new:/p"],"VolumeDriver":"local"'), []],
    ['an anonymous volume', hc('"Binds":["/anon"]'), []],
    ['an existing plugin volume', hc('"Binds":["plugin:/v"]'), [`${B0} unjudgeable`]],
    [
      'a plugin VolumeDriver for a new named volume',
      hc('"Binds":["fresh:/v"],"VolumeDriver":"weird"'),
      [`${B0} unjudgeable`],
    ],
    [
      'a plugin VolumeDriver for anonymous volumes',
      '{"Image":"x","Volumes":{"/v":{}},"HostConfig":{"VolumeDriver":"weird"}}',
      ['Config.Volumes["/v"] unjudgeable'],
    ],
    [
      'a top-level VolumeDriver filling the gap',
      '{"Image":"x","VolumeDriver":"weird","HostConfig":{"Binds":["fresh:/v"]}}',
      [`${B0} unjudgeable`],
    ],
    [
      'a Mounts volume with a plugin driver',
      hc(
        '"Mounts":[{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"rexray"}}}]',
      ),
      [`${M0} unjudgeable`],
    ],
    ['a tmpfs mount', hc('"Mounts":[{"Type":"tmpfs","Target":"/t"}]'), []],
    ['an image mount', hc('"Mounts":[{"Type":"image","Source":"alpine","Target":"/i"}]'), []],
    [
      'an npipe mount',
      hc('"Mounts":[{"Type":"npipe","Source":"//./pipe/docker_engine","Target":"/p"}]'),
      [`${M0} unjudgeable`],
    ],
    [
      'a cluster volume',
      hc('"Mounts":[{"Type":"cluster","Source":"c","Target":"/c"}]'),
      [`${M0} unjudgeable`],
    ],
  ])('%s', async (_name, body, expected) => {
    expect((await routes(body)).map(brief)).toEqual(expected);
  });

  it('says which volume and what it binds', async () => {
    expect(await routes(hc('"Binds":["runbind:/v"]'))).toMatchObject([
      {
        reason:
          'volume "runbind" binds host /var/run: mounts /var/run (/run), which contains the Docker socket /run/docker.sock',
      },
      {},
      {},
    ]);
    expect(await routes(hc('"Binds":["disk:/d"]'))).toMatchObject([
      { reason: 'volume "disk" mounts host device "/dev/vda" (/dev/vda) as ext4' },
    ]);
  });
});

describe('engineRoutes: joined containers, devices and the host PID namespace', () => {
  it.each<[string, string, string[]]>([
    [
      'volumes-from a container holding the socket',
      hc('"VolumesFrom":["holder"]'),
      ['HostConfig.VolumesFrom[0] guarded exact /run/docker.sock joined'],
    ],
    [
      'volumes-from with :ro',
      hc('"VolumesFrom":["holder:ro"]'),
      ['HostConfig.VolumesFrom[0] guarded exact /run/docker.sock joined'],
    ],
    [
      'volumes-from by ID prefix',
      hc('"VolumesFrom":["aa01"]'),
      ['HostConfig.VolumesFrom[0] guarded exact /run/docker.sock joined'],
    ],
    [
      'volumes-from a container with a bind volume',
      hc('"VolumesFrom":["volholder"]'),
      RUN('HostConfig.VolumesFrom[0]', ' joined'),
    ],
    [
      'volumes-from the container holding its filtered socket',
      hc('"VolumesFrom":["own"]'),
      ['HostConfig.VolumesFrom[0] guarded inside /run/socket-warden/filtered joined'],
    ],
    [
      'volumes-from a missing container',
      hc('"VolumesFrom":["ghost"]'),
      ['HostConfig.VolumesFrom[0] unjudgeable'],
    ],
    ['volumes-from a clean container', hc('"VolumesFrom":["clean:rw"]'), []],
    ['host PID namespace', hc('"PidMode":"host"'), ['HostConfig.PidMode host-pid']],
    [
      'host PID namespace, privileged',
      hc('"PidMode":"host","Privileged":true'),
      ['HostConfig.PidMode host-pid'],
    ],
    [
      'host PID namespace, SYS_PTRACE',
      hc('"PidMode":"host","CapAdd":"sys_ptrace"'),
      ['HostConfig.PidMode host-pid'],
    ],
    [
      "Podman's ns: spelling of the host's PID namespace",
      hc('"PidMode":"ns:/proc/1/ns/pid"'),
      ['HostConfig.PidMode host-pid'],
    ],
    [
      'the PID namespace of a socket holder',
      hc('"PidMode":"container:holder"'),
      ['HostConfig.PidMode guarded exact /run/docker.sock joined'],
    ],
    [
      'the PID namespace of a host-PID container',
      hc('"PidMode":"container:hostpid"'),
      ['HostConfig.PidMode host-pid joined'],
    ],
    [
      'the PID namespace of a missing container',
      hc('"PidMode":"container:ghost"'),
      ['HostConfig.PidMode unjudgeable'],
    ],
    ['the PID namespace of a clean container', hc('"PidMode":"container:clean"'), []],
    ['the IPC namespace of a socket holder (no files)', hc('"IpcMode":"container:holder"'), []],
    ['the network namespace of a socket holder (no files)', hc('"NetworkMode":"container:holder"'), []],
    [
      'the IPC namespace of a missing container',
      hc('"IpcMode":"container:ghost"'),
      ['HostConfig.IpcMode unjudgeable'],
    ],
    [
      'the PID namespace of a container in the PID namespace of one with a filtered socket',
      hc('"PidMode":"container:pidjoiner"'),
      ['HostConfig.PidMode guarded inside /run/socket-warden/filtered joined'],
    ],
    [
      'a block device',
      hc('"Devices":[{"PathOnHost":"/dev/vda","PathInContainer":"/dev/vda","CgroupPermissions":"rwm"}]'),
      ['HostConfig.Devices[0] host-disk'],
    ],
    [
      'a block device through a symlink',
      hc('"Devices":[{"PathOnHost":"/dev/disk/by-id/virtio-root","PathInContainer":"/dev/x"}]'),
      ['HostConfig.Devices[0] host-disk'],
    ],
    ['a character device', hc('"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/n"}]'), []],
    [
      'a missing path under /dev',
      hc('"Devices":[{"PathOnHost":"/dev/sdz","PathInContainer":"/dev/sdz"}]'),
      ['HostConfig.Devices[0] host-disk'],
    ],
    [
      'a directory passes every device below it',
      hc('"Devices":[{"PathOnHost":"/dev","PathInContainer":"/dev/host"}]'),
      ['HostConfig.Devices[0] host-disk'],
    ],
    [
      'a directory of device links',
      hc('"Devices":[{"PathOnHost":"/dev/disk","PathInContainer":"/dev/disk"}]'),
      ['HostConfig.Devices[0] host-disk'],
    ],
    [
      'a device path with ..',
      hc('"Devices":[{"PathOnHost":"/dev/../dev/vda","PathInContainer":"/dev/x"}]'),
      ['HostConfig.Devices[0] unjudgeable'],
    ],
    [
      'a device path with .. after a symlink (the engine stats it uncleaned)',
      hc('"Devices":[{"PathOnHost":"/home/u/l/../dev/vda","PathInContainer":"/dev/x"}]'),
      ['HostConfig.Devices[0] unjudgeable'],
    ],
    [
      'a relative device path (the engine resolves it from its working directory)',
      hc('"Devices":[{"PathOnHost":"dev/vda","PathInContainer":"/dev/x"}]'),
      ['HostConfig.Devices[0] unjudgeable'],
    ],
    [
      'a device path that cannot be resolved',
      hc('"Devices":[{"PathOnHost":"/srv/locked/d","PathInContainer":"/dev/x"}]'),
      ['HostConfig.Devices[0] unjudgeable'],
    ],
    [
      'a block-device cgroup rule',
      hc('"DeviceCgroupRules":["b 8:* rwm"]'),
      ['HostConfig.DeviceCgroupRules[0] host-disk'],
    ],
    [
      'an every-device cgroup rule',
      hc('"DeviceCgroupRules":["a *:* rwm"]'),
      ['HostConfig.DeviceCgroupRules[0] host-disk'],
    ],
    ['/dev/null by cgroup rule', hc('"DeviceCgroupRules":["c 1:3 rwm"]'), []],
    [
      'every character device by cgroup rule (SCSI generic, NVMe generic: raw disks)',
      hc('"DeviceCgroupRules":["c *:* rwm"]'),
      ['HostConfig.DeviceCgroupRules[0] host-disk'],
    ],
    [
      'SCSI generic devices by cgroup rule',
      hc('"DeviceCgroupRules":["c 21:* rw"]'),
      ['HostConfig.DeviceCgroupRules[0] host-disk'],
    ],
    [
      'a dynamically numbered character device (bsg, ng)',
      hc('"DeviceCgroupRules":["c 240:0 rw"]'),
      ['HostConfig.DeviceCgroupRules[0] host-disk'],
    ],
    ['the tun device by cgroup rule', hc('"DeviceCgroupRules":["c 10:200 rwm"]'), []],
    [
      'the second rule',
      hc('"DeviceCgroupRules":["c 1:5 rwm","b 253:0 r"]'),
      ['HostConfig.DeviceCgroupRules[1] host-disk'],
    ],
  ])('%s', async (_name, body, expected) => {
    expect((await routes(body)).map(brief)).toEqual(expected);
  });

  it('says through which container a route goes', async () => {
    expect(await routes(hc('"PidMode":"container:holder"'))).toMatchObject([
      { reason: 'through the PID namespace of container holder: mounts the Docker socket /run/docker.sock' },
    ]);
    expect(await routes(hc('"VolumesFrom":["holder"]'))).toMatchObject([
      { reason: 'from container holder: mounts the Docker socket /run/docker.sock', rewrite: undefined },
    ]);
  });

  it('reports every route with its index, and only those', async () => {
    const found = await routes(
      hc(
        '"Binds":["/data:/d","/run/docker.sock:/r","plain:/p","/run/docker.sock:/s"],"Mounts":[{"Type":"tmpfs","Target":"/t"},{"Type":"bind","Source":"/run/docker.sock","Target":"/m"}]',
      ),
    );
    expect(found.map(brief)).toEqual([
      'HostConfig.Binds[1] socket exact /run/docker.sock bind#1',
      'HostConfig.Binds[3] socket exact /run/docker.sock bind#3',
      'HostConfig.Mounts[1] socket exact /run/docker.sock mount#1',
    ]);
  });
});

describe('engineRoutes: what stays open', () => {
  it.each([
    ['no mounts', '{"Image":"x"}'],
    ['an unrelated bind', hc('"Binds":["/data:/data:ro"]')],
    [
      'a sibling with a common prefix',
      hc('"Binds":["/run/docker.sockets:/s","/run/socket-warden/filtered-not:/f"]'),
    ],
    ['a sibling directory of the socket', hc('"Binds":["/run/user:/u"]')],
    ['/dev', hc('"Binds":["/dev:/dev"]')],
    ['privileged without host PID', hc('"Privileged":true')],
    ['top-level Binds ignored because HostConfig is present', '{"Binds":["/var/run:/h"],"HostConfig":{}}'],
    ['an invalid bind the engine refuses', hc('"Binds":[":/x","/a:/b:/c:/d"]')],
  ])('%s', async (_name, body) => {
    expect(await routes(body)).toEqual([]);
  });
});

describe('engineRoutes: hard links Socket Warden has not located yet', () => {
  const withLinks: RouteContext = { guards, unlocatedLinks: [{ dev: ROOT_DEV, guard: SOCKET, count: 2 }] };

  it.each<[string, string, string[]]>([
    ['a directory on that filesystem', hc('"Binds":["/data:/d"]'), [`${B0} guarded /run/docker.sock`]],
    ['its root', hc('"Binds":["/home:/h"]'), [`${B0} guarded /run/docker.sock`]],
    ['a file on that filesystem', hc('"Binds":["/data/file:/f"]'), []],
    ['a directory on another filesystem', hc('"Binds":["/run/user:/u"]'), []],
    ['a directory that does not exist yet', hc('"Binds":["/data/new:/n"]'), []],
  ])('%s', async (_name, body, expected) => {
    expect(
      (await routes(body, withLinks)).map((f) => [f.field, f.kind, f.guard?.path].filter(Boolean).join(' ')),
    ).toEqual(expected);
  });

  it('says how many links are missing', async () => {
    expect(await routes(hc('"Binds":["/data:/d"]'), withLinks)).toMatchObject([
      {
        reason:
          'mounts /data, on the filesystem where the Docker socket /run/docker.sock has 2 hard link(s) Socket Warden has not located',
      },
    ]);
    expect(RUN_DEV).not.toBe(ROOT_DEV);
  });
});

describe('engineRoutes: what Podman would read differently', () => {
  const podman: RouteContext = { ...ctx, engine: 'podman' };

  it.each<[string, string, string[], string[]]>([
    [
      'Binds mode O with upperdir',
      hc('"Binds":["/data:/d:O,upperdir=/x,workdir=/y"]'),
      [`${B0} unjudgeable`],
      [],
    ],
    ['Binds mode U', hc('"Binds":["/data:/d:U"]'), [`${B0} unjudgeable`], []],
    ['Binds mode idmap', hc('"Binds":["/data:/d:idmap"]'), [`${B0} unjudgeable`], []],
    ['Docker modes', hc('"Binds":["/data:/d:ro,z,rslave"]'), [], []],
    [
      'a Mounts source with a comma',
      hc('"Mounts":[{"Type":"bind","Source":"/data,src=/run","Target":"/d"}]'),
      [`${M0} unjudgeable`],
      [],
    ],
    [
      'a Mounts target with a quote',
      hc('"Mounts":[{"Type":"bind","Source":"/data","Target":"/d\\",x"}]'),
      [`${M0} unjudgeable`],
      [],
    ],
    [
      'a Mounts consistency with a comma (Podman copies it into the --mount string)',
      hc(
        '"Mounts":[{"Type":"bind","Source":"/data","Target":"/d","Consistency":"x,source=/run/docker.sock"}]',
      ),
      [`${M0} unjudgeable`],
      [],
    ],
    [
      'a Mounts propagation with a comma',
      hc(
        '"Mounts":[{"Type":"bind","Source":"/data","Target":"/d","BindOptions":{"Propagation":"rprivate,source=/run"}}]',
      ),
      [`${M0} unjudgeable`],
      [],
    ],
    [
      'a Binds source starting with . (a host path to Podman)',
      hc('"Binds":[".:/x"]'),
      [`${B0} unjudgeable`],
      [],
    ],
    ['a Binds source ./run', hc('"Binds":["./run:/x"]'), [`${B0} unjudgeable`], []],
    ['a Binds source ../run', hc('"Binds":["../run:/x"]'), [`${B0} unjudgeable`], []],
    [
      'a Binds source with .. after a symlink (Podman does not clean it)',
      hc('"Binds":["/home/u/l/../run:/x"]'),
      [`${B0} unjudgeable`],
      [],
    ],
    [
      'a Config.Volumes key with a colon (Podman reads it as -v)',
      '{"Image":"x","Volumes":{"/run:/x":{}}}',
      ['Config.Volumes["/run:/x"] unjudgeable'],
      [],
    ],
    ['a Config.Volumes path', '{"Image":"x","Volumes":{"/data":{}}}', [], []],
    [
      'a Devices path with a colon',
      hc('"Devices":[{"PathOnHost":"/home/u/x:/dev/x","PathInContainer":"/dev/y"}]'),
      ['HostConfig.Devices[0] unjudgeable'],
      [],
    ],
    [
      'the socket, plainly',
      hc('"Binds":["/var/run/docker.sock:/s"]'),
      [`${B0} socket exact /run/docker.sock bind#0`],
      [`${B0} socket exact /run/docker.sock bind#0`],
    ],
    ['what Podman reports it mounted is what it mounted', hc('"VolumesFrom":["comma"]'), [], []],
  ])('%s', async (_name, body, onPodman, onDocker) => {
    expect((await routes(body, podman)).map(brief)).toEqual(onPodman);
    expect((await routes(body, { ...ctx, engine: 'docker' })).map(brief)).toEqual(onDocker);
  });
});
