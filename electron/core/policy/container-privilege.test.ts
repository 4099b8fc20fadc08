import { describe, expect, it } from 'vitest';
import { decodeCreateBody } from './container-create.js';
import { hostEscalations } from './container-privilege.js';

function escalations(body: unknown): string[] {
  const decoded = decodeCreateBody(Buffer.from(JSON.stringify(body)));
  if (!decoded.ok) throw new Error(decoded.message);
  return hostEscalations(decoded.value);
}

describe('hostEscalations', () => {
  it.each([
    ['a plain container', { Image: 'x', HostConfig: { NetworkMode: 'none' } }, []],
    ['harmless capabilities', { Image: 'x', HostConfig: { CapAdd: ['NET_ADMIN', 'CHOWN'] } }, []],
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
    ['SYS_ADMIN', { Image: 'x', HostConfig: { CapAdd: ['SYS_ADMIN'] } }, ['capabilities SYS_ADMIN']],
    [
      'cap_sys_ptrace as one string',
      { Image: 'x', HostConfig: { CapAdd: 'cap_sys_ptrace' } },
      ['capabilities SYS_PTRACE'],
    ],
    ['ALL', { Image: 'x', HostConfig: { CapAdd: ['all'] } }, ['capabilities ALL']],
    [
      'a host device',
      {
        Image: 'x',
        HostConfig: {
          Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }],
        },
      },
      ['host devices'],
    ],
    [
      'device cgroup rules',
      { Image: 'x', HostConfig: { DeviceCgroupRules: ['b 8:* rmw'] } },
      ['device cgroup rules'],
    ],
    ['host PID', { Image: 'x', HostConfig: { PidMode: 'host' } }, ["the host's PID namespace"]],
    ['host IPC', { Image: 'x', HostConfig: { IpcMode: 'host' } }, ["the host's IPC namespace"]],
    ['host userns', { Image: 'x', HostConfig: { UsernsMode: 'host' } }, ["the host's user namespace"]],
    [
      'seccomp=unconfined',
      { Image: 'x', HostConfig: { SecurityOpt: ['seccomp=unconfined'] } },
      ['security option seccomp=unconfined'],
    ],
    [
      'apparmor:unconfined (old form)',
      { Image: 'x', HostConfig: { SecurityOpt: ['apparmor:unconfined'] } },
      ['security option apparmor=unconfined'],
    ],
    [
      'systempaths=unconfined',
      { Image: 'x', HostConfig: { SecurityOpt: ['systempaths=unconfined'] } },
      ['security option systempaths=unconfined'],
    ],
    [
      'a confined seccomp profile',
      { Image: 'x', HostConfig: { SecurityOpt: ['no-new-privileges', 'seccomp=/p.json'] } },
      [],
    ],
    [
      'several at once',
      { Image: 'x', HostConfig: { Privileged: true, PidMode: 'host', CapAdd: ['SYS_ADMIN'] } },
      ['privileged mode', 'capabilities SYS_ADMIN', "the host's PID namespace"],
    ],
    [
      'the last of duplicate HostConfig keys decides, merged as Go merges',
      { Image: 'x', HostConfig: { Privileged: false }, Hostconfig: { Privileged: true } },
      ['privileged mode'],
    ],
  ])('%s', (_name, body, expected) => {
    expect(escalations(body)).toEqual(expected);
  });
});
