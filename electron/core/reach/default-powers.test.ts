import { describe, expect, it } from 'vitest';
import { io } from '../../../test/fixtures/reach-world.js';
import { decodeCreateBody } from '../policy/container-create.js';
import { emptyGrant, namespaceMode, type ContainerGrant, type GrantMount } from './container-grant.js';
import {
  dockerDefaults,
  podmanDefaults,
  powersBeyondDefaults,
  type EngineDefaults,
} from './default-powers.js';
import { resolveGrant, type ResolvedGrant } from './resolve-grant.js';

type Networks = ResolvedGrant['networks'];
const HOST_NETWORK: Networks = [{ field: 'HostConfig.NetworkMode', name: 'host', host: true, known: true }];

function resolved(fields: Partial<ContainerGrant>, networks: Networks = []): ResolvedGrant {
  return { grant: { ...emptyGrant(), ...fields }, mounts: [], joins: [], devices: [], networks };
}

function powers(
  fields: Partial<ContainerGrant>,
  networks: Networks = [],
  defaults: EngineDefaults = dockerDefaults,
) {
  return powersBeyondDefaults(resolved(fields, networks), defaults).map((p) => p.what);
}

function mount(fields: Partial<GrantMount>): GrantMount {
  return {
    field: 'HostConfig.Mounts[0]',
    type: 'bind',
    source: '/data',
    target: '/d',
    readOnly: false,
    propagation: '',
    readOnlyNonRecursive: false,
    ...fields,
  };
}

const LONG_PROFILE = `seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ALLOW"}]}`;

describe('powersBeyondDefaults: an allow-list, field by field', () => {
  it.each<[string, Partial<ContainerGrant>, string[]]>([
    ['a default container', {}, []],
    ['privileged', { privileged: true }, ['privileged mode']],

    ['CAP_ADD SYS_ADMIN', { capAdd: ['SYS_ADMIN'] }, ['capability SYS_ADMIN']],
    ['cap_sys_admin', { capAdd: ['cap_sys_admin'] }, ['capability SYS_ADMIN']],
    ['ALL', { capAdd: ['ALL'] }, ['every capability']],
    ['all, lower case', { capAdd: ['all'] }, ['every capability']],
    ['CAP_ALL', { capAdd: ['CAP_ALL'] }, ['every capability']],
    ['a default capability: CHOWN', { capAdd: ['CHOWN'] }, []],
    [
      'default capabilities in any spelling',
      { capAdd: ['chown', 'CAP_NET_RAW', 'cap_mknod', 'AUDIT_WRITE'] },
      [],
    ],
    ['NET_ADMIN', { capAdd: ['NET_ADMIN'] }, ['capability NET_ADMIN']],
    [
      'SYS_PTRACE and DAC_READ_SEARCH',
      { capAdd: ['SYS_PTRACE', 'DAC_READ_SEARCH'] },
      ['capability SYS_PTRACE', 'capability DAC_READ_SEARCH'],
    ],
    ['dropping capabilities', { capDrop: ['ALL'] }, []],

    [
      'a device',
      { devices: [{ field: 'HostConfig.Devices[0]', pathOnHost: '/dev/null', permissions: 'rwm' }] },
      ['host device /dev/null'],
    ],
    ['a device cgroup rule', { deviceCgroupRules: ['c 1:3 rwm'] }, ['device cgroup rule "c 1:3 rwm"']],
    ['device requests', { deviceRequests: 1 }, ['host devices by driver (GPUs)']],

    ['host PID', { pid: namespaceMode('host') }, ["the host's PID namespace"]],
    [
      'host PID by ns:/proc/1/ns/pid',
      { pid: namespaceMode('ns:/proc/1/ns/pid') },
      ["the host's PID namespace"],
    ],
    ['host IPC', { ipc: namespaceMode('host') }, ["the host's IPC namespace"]],
    ['host UTS', { uts: namespaceMode('host') }, ["the host's UTS namespace"]],
    ['host user namespace', { userns: namespaceMode('host') }, ["the host's user namespace"]],
    ['host cgroup namespace', { cgroupns: namespaceMode('host') }, ["the host's cgroup namespace"]],
    [
      'another container’s PID namespace (judged through the join)',
      { pid: namespaceMode('container:web') },
      [],
    ],
    ['shareable IPC', { ipc: namespaceMode('shareable') }, []],
    ['a private cgroup namespace', { cgroupns: namespaceMode('private') }, []],

    ['no-new-privileges', { securityOpt: ['no-new-privileges'] }, []],
    ['no-new-privileges=true', { securityOpt: ['no-new-privileges=true'] }, []],
    ['no-new-privileges:true', { securityOpt: ['no-new-privileges:true'] }, []],
    ['no-new-privileges=1', { securityOpt: ['no-new-privileges=1'] }, []],
    [
      'no-new-privileges=false',
      { securityOpt: ['no-new-privileges=false'] },
      ['security option "no-new-privileges=false"'],
    ],
    ['seccomp=unconfined', { securityOpt: ['seccomp=unconfined'] }, ['security option "seccomp=unconfined"']],
    [
      'seccomp:unconfined (old form)',
      { securityOpt: ['seccomp:unconfined'] },
      ['security option "seccomp:unconfined"'],
    ],
    [
      'apparmor=unconfined',
      { securityOpt: ['apparmor=unconfined'] },
      ['security option "apparmor=unconfined"'],
    ],
    [
      'apparmor=docker-default (not on the list either)',
      { securityOpt: ['apparmor=docker-default'] },
      ['security option "apparmor=docker-default"'],
    ],
    ['label=disable', { securityOpt: ['label=disable'] }, ['security option "label=disable"']],
    ['label=type:spc_t', { securityOpt: ['label=type:spc_t'] }, ['security option "label=type:spc_t"']],
    [
      'systempaths=unconfined',
      { securityOpt: ['systempaths=unconfined'] },
      ['security option "systempaths=unconfined"'],
    ],
    [
      'an inline seccomp profile, truncated',
      { securityOpt: [LONG_PROFILE] },
      [`security option ${JSON.stringify(`${LONG_PROFILE.slice(0, 80)}…`)}`],
    ],

    ['MaskedPaths null (the defaults)', { maskedPaths: null }, []],
    [
      'MaskedPaths [] (systempaths=unconfined)',
      { maskedPaths: [] },
      ['fewer masked paths than the default (systempaths=unconfined)'],
    ],
    ['MaskedPaths a superset', { maskedPaths: [...dockerDefaults.maskedPaths, '/proc/extra'] }, []],
    [
      'MaskedPaths one short',
      { maskedPaths: dockerDefaults.maskedPaths.slice(1) },
      ['fewer masked paths than the default (systempaths=unconfined)'],
    ],
    ['ReadonlyPaths null', { readonlyPaths: null }, []],
    [
      'ReadonlyPaths []',
      { readonlyPaths: [] },
      ['fewer read-only paths than the default (systempaths=unconfined: /proc/sys writable)'],
    ],
    ['ReadonlyPaths a superset', { readonlyPaths: ['/etc', ...dockerDefaults.readonlyPaths] }, []],

    ['net.* with a private network', { sysctls: { 'net.ipv4.ip_forward': '1' } }, []],
    [
      'net.* in a network of the engine',
      { sysctls: { 'net.core.somaxconn': '1024' }, network: namespaceMode('mynet') },
      [],
    ],
    [
      'net.* in another container’s network namespace',
      { sysctls: { 'net.ipv4.ip_forward': '1' }, network: namespaceMode('container:x') },
      ['sysctl net.ipv4.ip_forward=1'],
    ],
    [
      'kernel.shm* with a private IPC namespace',
      { sysctls: { 'kernel.shmmax': '1', 'kernel.shm_rmid_forced': '1' } },
      [],
    ],
    [
      'kernel.msg*, kernel.sem and fs.mqueue.*',
      { sysctls: { 'kernel.msgmax': '1', 'kernel.sem': '1 2 3 4', 'fs.mqueue.msg_max': '9' } },
      [],
    ],
    [
      'kernel.shm* with the host IPC namespace',
      { sysctls: { 'kernel.shmmax': '1' }, ipc: namespaceMode('host') },
      ["the host's IPC namespace", 'sysctl kernel.shmmax=1'],
    ],
    [
      'kernel.core_pattern',
      { sysctls: { 'kernel.core_pattern': '|/tmp/x' } },
      ['sysctl kernel.core_pattern=|/tmp/x'],
    ],
    [
      'kernel.domainname (not on the list)',
      { sysctls: { 'kernel.domainname': 'x' } },
      ['sysctl kernel.domainname=x'],
    ],
    [
      'a slash spelling (runc reads it as net.*; judged as unknown)',
      { sysctls: { 'net/ipv4/ip_forward': '1' } },
      ['sysctl net/ipv4/ip_forward=1'],
    ],
    ['vm.*', { sysctls: { 'vm.swappiness': '0' } }, ['sysctl vm.swappiness=0']],
    ['kernel.shmmaxx is no IPC sysctl', { sysctls: { 'kernel.shmmaxx': '1' } }, ['sysctl kernel.shmmaxx=1']],

    ['cgroup parent', { cgroupParent: '/system.slice' }, ['cgroup parent /system.slice']],
    ['another container’s cgroup', { cgroup: 'container:x' }, ['cgroup container:x']],
    ['runc by name', { runtime: 'runc' }, []],
    ['io.containerd.runc.v2', { runtime: 'io.containerd.runc.v2' }, []],
    ['another runtime', { runtime: 'nvidia' }, ['runtime nvidia']],
    ['crun on Docker', { runtime: 'crun' }, ['runtime crun']],
    ['isolation default', { isolation: 'default' }, []],
    ['isolation hyperv', { isolation: 'hyperv' }, ['isolation hyperv']],

    [
      'json-file with max-size and max-file',
      { logDriver: 'json-file', logOptions: { 'max-size': '10m', 'max-file': '3' } },
      [],
    ],
    ['local, journald, none', { logDriver: 'journald', logOptions: { tag: '{{.Name}}', labels: 'a' } }, []],
    [
      'syslog',
      { logDriver: 'syslog', logOptions: { 'syslog-address': 'udp://10.0.0.1:514' } },
      ['log driver syslog (it connects from the host)', 'log option syslog-address'],
    ],
    ['fluentd', { logDriver: 'fluentd' }, ['log driver fluentd (it connects from the host)']],
    [
      "Podman's path option",
      { logDriver: 'k8s-file', logOptions: { path: '/etc/cron.d/x' } },
      ['log option path'],
    ],

    ['a network of the engine', { network: namespaceMode('bridge') }, []],
    [
      "Podman's slirp4netns with options",
      { network: namespaceMode('slirp4netns:allow_host_loopback=true') },
      ['network mode slirp4netns:allow_host_loopback=true'],
    ],
    ['OOM score negative', { oomScoreAdj: -500 }, ['OOM score -500 (host processes die first)']],
    ['OOM score positive', { oomScoreAdj: 500 }, []],
    ['OomKillDisable', { oomKillDisable: true }, ['OOM kill disabled']],
    [
      'annotations',
      { annotations: { 'io.kubernetes.cri-o.Devices': '/dev/vda' } },
      ['OCI annotations (read by the runtime)'],
    ],

    [
      'rshared propagation',
      { mounts: [mount({ propagation: 'rshared' })] },
      ['rshared mount propagation (mounts reach the host)'],
    ],
    [
      'shared propagation',
      { mounts: [mount({ propagation: 'shared' })] },
      ['shared mount propagation (mounts reach the host)'],
    ],
    [
      'rslave and private propagation',
      { mounts: [mount({ propagation: 'rslave' }), mount({ propagation: 'private' })] },
      [],
    ],
    ['an npipe mount', { mounts: [mount({ type: 'npipe' })] }, ['a mount of type npipe']],
    ['a cluster mount', { mounts: [mount({ type: 'cluster' })] }, ['a mount of type cluster']],
    [
      'bind, volume, tmpfs and image mounts',
      { mounts: ['bind', 'volume', 'tmpfs', 'image'].map((type) => mount({ type })) },
      [],
    ],
    ['extras', { extras: [{ field: 'TaskTemplate.PluginSpec', what: 'a plugin' }] }, ['a plugin']],
  ])('%s', (_name, fields, expected) => {
    expect(powers(fields)).toEqual(expected);
  });

  it('names the field of each finding', () => {
    const found = powersBeyondDefaults(
      resolved({
        privileged: true,
        capAdd: ['SYS_ADMIN'],
        mounts: [mount({ field: 'HostConfig.Binds[2]', propagation: 'rshared' })],
      }),
      dockerDefaults,
    );
    expect(found.map((f) => f.field)).toEqual([
      'HostConfig.Privileged',
      'HostConfig.CapAdd',
      'HostConfig.Binds[2]',
    ]);
  });
});

describe('powersBeyondDefaults: the host network, by name and by driver', () => {
  it.each<[string, Partial<ContainerGrant>, Networks, string[]]>([
    ['network mode host', { network: namespaceMode('host') }, HOST_NETWORK, ["the host's network namespace"]],
    [
      'net.* with the host network',
      { network: namespaceMode('host'), sysctls: { 'net.ipv4.ip_forward': '1' } },
      HOST_NETWORK,
      ["the host's network namespace", 'sysctl net.ipv4.ip_forward=1'],
    ],
    [
      'an extra network that is the host’s',
      { sysctls: { 'net.ipv4.ip_forward': '1' } },
      [{ field: 'networks["host"]', name: 'host', host: true, known: true }],
      ["the host's network namespace", 'sysctl net.ipv4.ip_forward=1'],
    ],
  ])('%s', (_name, fields, networks, expected) => {
    expect(powers(fields, networks)).toEqual(expected);
  });

  it.each<[string, string, string[]]>([
    ['NetworkMode host', '{"HostConfig":{"NetworkMode":"host"}}', ["the host's network namespace"]],
    [
      'NetworkMode ns:/proc/1/ns/net (Podman)',
      '{"HostConfig":{"NetworkMode":"ns:/proc/1/ns/net"}}',
      ["the host's network namespace"],
    ],
    [
      'a network whose driver is host, by ID',
      '{"HostConfig":{"NetworkMode":"hostnetid"}}',
      ["the host's network namespace"],
    ],
    [
      'an EndpointsConfig key that is the host network',
      '{"NetworkingConfig":{"EndpointsConfig":{"hostnetid":{}}}}',
      ["the host's network namespace"],
    ],
    [
      'a bridge network',
      '{"HostConfig":{"NetworkMode":"mynet"},"NetworkingConfig":{"EndpointsConfig":{"mynet":{}}}}',
      [],
    ],
    ['an unknown network', '{"HostConfig":{"NetworkMode":"nosuch"}}', []],
  ])('%s (resolved)', async (_name, body, expected) => {
    const decoded = decodeCreateBody(Buffer.from(body));
    if (!decoded.ok) throw new Error(decoded.message);
    const found = powersBeyondDefaults(await resolveGrant(decoded.value.grant, io), dockerDefaults);
    expect(found.map((p) => p.what)).toEqual(expected);
  });
});

describe("powersBeyondDefaults: the engine's own defaults", () => {
  it.each<[string, Partial<ContainerGrant>, string[], string[]]>([
    ['CHOWN', { capAdd: ['CHOWN'] }, [], []],
    ['NET_RAW (Docker grants it, Podman does not)', { capAdd: ['NET_RAW'] }, [], ['capability NET_RAW']],
    ['MKNOD', { capAdd: ['MKNOD'] }, [], ['capability MKNOD']],
    ['AUDIT_WRITE', { capAdd: ['cap_audit_write'] }, [], ['capability AUDIT_WRITE']],
    ['crun', { runtime: 'crun' }, ['runtime crun'], []],
  ])('%s', (_name, fields, onDocker, onPodman) => {
    expect(powers(fields, [], dockerDefaults)).toEqual(onDocker);
    expect(powers(fields, [], podmanDefaults)).toEqual(onPodman);
  });

  it.each<[string, EngineDefaults, boolean, string[]]>([
    [
      'reported by a cgroup v1 engine (host is its default)',
      { ...dockerDefaults, cgroupns: 'host' },
      true,
      [],
    ],
    [
      'asked for on a cgroup v1 engine',
      { ...dockerDefaults, cgroupns: 'host' },
      false,
      ["the host's cgroup namespace"],
    ],
    ['reported by a cgroup v2 engine', dockerDefaults, true, ["the host's cgroup namespace"]],
  ])('cgroupns host %s', (_name, defaults, reported, expected) => {
    const found = powersBeyondDefaults(resolved({ cgroupns: namespaceMode('host') }), defaults, { reported });
    expect(found.map((p) => p.what)).toEqual(expected);
  });
});

describe('powersBeyondDefaults: create bodies as the engine decodes them', () => {
  it.each<[string, unknown, string[]]>([
    ['a plain container', { Image: 'x', HostConfig: { NetworkMode: 'none' } }, []],
    ['a default capability', { Image: 'x', HostConfig: { CapAdd: ['CHOWN'] } }, []],
    [
      'NET_ADMIN, beyond the defaults',
      { Image: 'x', HostConfig: { CapAdd: ['NET_ADMIN', 'CHOWN'] } },
      ['capability NET_ADMIN'],
    ],
    ['privileged', { Image: 'x', HostConfig: { Privileged: true } }, ['privileged mode']],
    [
      'privileged spelled in lower case',
      { Image: 'x', hostconfig: { privileged: true } },
      ['privileged mode'],
    ],
    [
      'privileged at the top level (20.10, no HostConfig)',
      { Image: 'x', Privileged: true },
      ['privileged mode'],
    ],
    ['SYS_ADMIN', { Image: 'x', HostConfig: { CapAdd: ['SYS_ADMIN'] } }, ['capability SYS_ADMIN']],
    [
      'cap_sys_ptrace as one string',
      { Image: 'x', HostConfig: { CapAdd: 'cap_sys_ptrace' } },
      ['capability SYS_PTRACE'],
    ],
    ['all', { Image: 'x', HostConfig: { CapAdd: ['all'] } }, ['every capability']],
    [
      'a host device',
      {
        Image: 'x',
        HostConfig: {
          Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }],
        },
      },
      ['host device /dev/sda'],
    ],
    [
      'device cgroup rules',
      { Image: 'x', HostConfig: { DeviceCgroupRules: ['b 8:* rmw'] } },
      ['device cgroup rule "b 8:* rmw"'],
    ],
    ['host PID', { Image: 'x', HostConfig: { PidMode: 'host' } }, ["the host's PID namespace"]],
    ['host IPC', { Image: 'x', HostConfig: { IpcMode: 'host' } }, ["the host's IPC namespace"]],
    ['host userns', { Image: 'x', HostConfig: { UsernsMode: 'host' } }, ["the host's user namespace"]],
    [
      'seccomp=unconfined',
      { Image: 'x', HostConfig: { SecurityOpt: ['seccomp=unconfined'] } },
      ['security option "seccomp=unconfined"'],
    ],
    [
      'apparmor:unconfined (old form)',
      { Image: 'x', HostConfig: { SecurityOpt: ['apparmor:unconfined'] } },
      ['security option "apparmor:unconfined"'],
    ],
    [
      'systempaths=unconfined',
      {
        Image: 'x',
        HostConfig: { SecurityOpt: ['systempaths=unconfined'], MaskedPaths: [], ReadonlyPaths: [] },
      },
      [
        'security option "systempaths=unconfined"',
        'fewer masked paths than the default (systempaths=unconfined)',
        'fewer read-only paths than the default (systempaths=unconfined: /proc/sys writable)',
      ],
    ],
    [
      'a seccomp profile of its own (no longer passes: the list allows only what takes away)',
      { Image: 'x', HostConfig: { SecurityOpt: ['no-new-privileges', 'seccomp=/p.json'] } },
      ['security option "seccomp=/p.json"'],
    ],
    [
      'several at once',
      { Image: 'x', HostConfig: { Privileged: true, PidMode: 'host', CapAdd: ['SYS_ADMIN'] } },
      ['privileged mode', 'capability SYS_ADMIN', "the host's PID namespace"],
    ],
    [
      'the last of duplicate HostConfig keys decides, merged as Go merges',
      { Image: 'x', HostConfig: { Privileged: false }, Hostconfig: { Privileged: true } },
      ['privileged mode'],
    ],
  ])('%s', async (_name, body, expected) => {
    const decoded = decodeCreateBody(Buffer.from(JSON.stringify(body)));
    if (!decoded.ok) throw new Error(decoded.message);
    const found = powersBeyondDefaults(await resolveGrant(decoded.value.grant, io), dockerDefaults);
    expect(found.map((p) => p.what)).toEqual(expected);
  });
});
