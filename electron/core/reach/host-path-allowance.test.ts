import { describe, expect, it } from 'vitest';
import type { ResolvedHostPath } from '../guards/file-identity.js';
import { io } from '../../../test/fixtures/reach-world.js';
import { decodeCreateBody } from '../policy/container-create.js';
import { emptyGrant, type GrantMount } from './container-grant.js';
import {
  hostPathsBeyond,
  hostPathUses,
  type AllowedHostPath,
  type HostPathAllowance,
} from './host-path-allowance.js';
import { localVolumeMount } from './local-volume.js';
import { resolveGrant, type ResolvedGrant, type ResolvedJoin, type ResolvedMount } from './resolve-grant.js';

// /data is (8,90) and /data/sub (8,91); /srv/data is /data bind-mounted elsewhere.
const DATA: ResolvedHostPath = {
  spelled: '/data',
  real: '/data',
  identity: { dev: 8, ino: 90 },
  ancestors: [{ dev: 8, ino: 2 }],
};
const SUB: ResolvedHostPath = {
  spelled: '/data/sub',
  real: '/data/sub',
  identity: { dev: 8, ino: 91 },
  ancestors: [
    { dev: 8, ino: 90 },
    { dev: 8, ino: 2 },
  ],
};
const ALIAS: ResolvedHostPath = { spelled: '/srv/data', real: '/srv/data', identity: { dev: 8, ino: 90 } };
const ALIAS_SUB: ResolvedHostPath = {
  spelled: '/srv/data/sub',
  real: '/srv/data/sub',
  identity: { dev: 8, ino: 91 },
  ancestors: [
    { dev: 8, ino: 90 },
    { dev: 8, ino: 110 },
    { dev: 8, ino: 2 },
  ],
};
const SIBLING: ResolvedHostPath = { spelled: '/data2', real: '/data2', identity: { dev: 8, ino: 99 } };
const ETC: ResolvedHostPath = { spelled: '/etc', real: '/etc', identity: { dev: 8, ino: 95 } };
const NEW: ResolvedHostPath = { spelled: '/data/new', real: '/data/new' };

function bind(host: ResolvedHostPath, readOnly = false, extra: Partial<GrantMount> = {}): ResolvedMount {
  return {
    mount: {
      field: 'HostConfig.Binds[0]',
      type: 'bind',
      source: host.spelled,
      target: '/m',
      readOnly,
      propagation: '',
      readOnlyNonRecursive: false,
      ...extra,
    },
    host,
  };
}

function volumeBind(host: ResolvedHostPath, o: string): ResolvedMount {
  return {
    mount: {
      field: 'HostConfig.Binds[0]',
      type: 'volume',
      source: 'v',
      target: '/v',
      readOnly: false,
      propagation: '',
      readOnlyNonRecursive: false,
      volume: { driver: 'local', subpath: '' },
    },
    volumeSource: 'existing',
    volumeDriver: 'local',
    local: localVolumeMount({ o, device: host.spelled }),
    host,
  };
}

function grant(mounts: ResolvedMount[], joins: ResolvedJoin[] = []): ResolvedGrant {
  return { grant: emptyGrant(), mounts, joins, devices: [], networks: [] };
}

function joined(via: ResolvedJoin['via'], mounts: ResolvedMount[], readOnly = false): ResolvedJoin {
  const field =
    via === 'volumes-from'
      ? 'HostConfig.VolumesFrom[0]'
      : via === 'pid'
        ? 'HostConfig.PidMode'
        : 'HostConfig.IpcMode';
  return {
    field,
    via,
    ref: 'web',
    readOnly,
    target: {
      ...grant(mounts),
      id: 'f'.repeat(64),
      name: 'web',
      inspect: { Id: 'f'.repeat(64), Name: '/web', Image: '', State: {} },
    },
  };
}

const rw = (host: ResolvedHostPath): AllowedHostPath => ({ host, readOnly: false });
const ro = (host: ResolvedHostPath): AllowedHostPath => ({ host, readOnly: true });

describe('hostPathsBeyond: a requester hands on only host paths it has itself', () => {
  it.each<[string, ResolvedGrant, HostPathAllowance, string[]]>([
    ['within an allowed path', grant([bind(DATA)]), [rw(DATA)], []],
    ['below an allowed path', grant([bind(SUB)]), [rw(DATA)], []],
    ['below it, not there yet', grant([bind(NEW)]), [rw(DATA)], []],
    ['outside it: a sibling with a common prefix', grant([bind(SIBLING)]), [rw(DATA)], ['host path /data2']],
    ['outside it', grant([bind(ETC)]), [rw(DATA)], ['host path /etc']],
    [
      'above it',
      grant([bind({ spelled: '/', real: '/', identity: { dev: 8, ino: 2 } })]),
      [rw(DATA)],
      ['host path /'],
    ],
    ['read-only within a read-only path', grant([bind(SUB, true)]), [ro(DATA)], []],
    [
      'read-write where the allowed path is read-only',
      grant([bind(SUB)]),
      [ro(DATA)],
      ['host path /data/sub read-write, where only read-only is allowed (/data is read-only)'],
    ],
    [
      'read-only but non-recursively, where the allowed path is read-only (its submounts stay writable)',
      grant([bind(DATA, true, { readOnlyNonRecursive: true })]),
      [ro(DATA)],
      ['host path /data read-write, where only read-only is allowed (/data is read-only)'],
    ],
    [
      'read-only non-recursively where read-write is allowed',
      grant([bind(DATA, true, { readOnlyNonRecursive: true })]),
      [rw(DATA)],
      [],
    ],
    ['read-write where it is both read-only and read-write', grant([bind(SUB)]), [ro(DATA), rw(SUB)], []],
    ['an alias by identity', grant([bind(ALIAS)]), [rw(DATA)], []],
    ['below an alias, by an ancestor’s identity', grant([bind(ALIAS_SUB)]), [rw(DATA)], []],
    ['the allowed path under its alias', grant([bind(DATA)]), [rw(ALIAS)], []],
    ['a local volume binding an allowed path', grant([volumeBind(DATA, 'bind')]), [rw(DATA)], []],
    ['a local volume binding another path', grant([volumeBind(ETC, 'bind')]), [rw(DATA)], ['host path /etc']],
    [
      'a read-write local volume bind of a read-only path',
      grant([volumeBind(DATA, 'bind')]),
      [ro(DATA)],
      ['host path /data read-write, where only read-only is allowed (/data is read-only)'],
    ],
    [
      'a read-only local volume bind (o=bind,ro) of a read-only path',
      grant([volumeBind(DATA, 'bind,ro')]),
      [ro(DATA)],
      [],
    ],
    [
      'a local volume rbind,ro of a read-only path (the ro remount leaves its submounts writable)',
      grant([volumeBind(DATA, 'rbind,ro')]),
      [ro(DATA)],
      ['host path /data read-write, where only read-only is allowed (/data is read-only)'],
    ],
    [
      'via volumes-from',
      grant([], [joined('volumes-from', [bind(ETC)])]),
      [rw(DATA)],
      ['through container web: host path /etc'],
    ],
    [
      'via volumes-from :ro of a read-only path',
      grant([], [joined('volumes-from', [bind(DATA)], true)]),
      [ro(DATA)],
      [],
    ],
    [
      'via volumes-from of a read-write path where it is read-only',
      grant([], [joined('volumes-from', [bind(DATA)])]),
      [ro(DATA)],
      [
        'through container web: host path /data read-write, where only read-only is allowed (/data is read-only)',
      ],
    ],
    [
      'via a PID join',
      grant([], [joined('pid', [bind(ETC)])]),
      [rw(DATA)],
      ['through container web: host path /etc'],
    ],
    ['an IPC join shows no files', grant([], [joined('ipc', [bind(ETC)])]), [rw(DATA)], []],
    ['nothing allowed', grant([bind(DATA)]), [], ['host path /data']],
    ['any', grant([bind(ETC), bind(DATA)], [joined('pid', [bind(ETC)])]), 'any', []],
  ])('%s', (_name, resolved, allowance, expected) => {
    expect(hostPathsBeyond(resolved, allowance).map((f) => f.what)).toEqual(expected);
  });

  it('names the field of the mount, or of the join it comes through', () => {
    const found = hostPathsBeyond(grant([bind(ETC)], [joined('volumes-from', [bind(ETC)])]), [rw(DATA)]);
    expect(found.map((f) => f.field)).toEqual(['HostConfig.Binds[0]', 'HostConfig.VolumesFrom[0]']);
  });
});

describe('hostPathUses: every host path a grant sees, resolved', () => {
  it.each<[string, string, [string, string, boolean][]]>([
    [
      'binds and mounts',
      '{"HostConfig":{"Binds":["/data:/d:ro"],"Mounts":[{"Type":"bind","Source":"/etc","Target":"/e"}]}}',
      [
        ['HostConfig.Binds[0]', '/data', true],
        ['HostConfig.Mounts[0]', '/etc', false],
      ],
    ],
    [
      'a local volume that binds',
      '{"HostConfig":{"Binds":["databind:/v"]}}',
      [['HostConfig.Binds[0]', '/data', false]],
    ],
    [
      'plain and tmpfs volumes see no host path',
      '{"HostConfig":{"Binds":["plain:/p","tmp:/t"],"Mounts":[{"Type":"tmpfs","Target":"/x"}]}}',
      [],
    ],
    ['a block-device volume is no host path (it is a route)', '{"HostConfig":{"Binds":["disk:/d"]}}', []],
    [
      'volumes-from',
      '{"HostConfig":{"VolumesFrom":["clean:ro"]}}',
      [['HostConfig.VolumesFrom[0]', '/data', true]],
    ],
    [
      'a PID join',
      '{"HostConfig":{"PidMode":"container:readonly"}}',
      [['HostConfig.PidMode', '/data', true]],
    ],
    ['a network join', '{"HostConfig":{"NetworkMode":"container:clean"}}', []],
  ])('%s', async (_name, body, expected) => {
    const decoded = decodeCreateBody(Buffer.from(body));
    if (!decoded.ok) throw new Error(decoded.message);
    const uses = hostPathUses(await resolveGrant(decoded.value.grant, io));
    expect(uses.map((u) => [u.field, u.host.real, u.readOnly])).toEqual(expected);
  });
});
