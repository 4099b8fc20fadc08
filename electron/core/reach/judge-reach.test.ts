import { describe, expect, it } from 'vitest';
import { ctx, io } from '../../../test/fixtures/reach-world.js';
import { decodeCreateBody } from '../policy/container-create.js';
import { dockerDefaults } from './default-powers.js';
import {
  holdsMore,
  judgeReach,
  unlimitedAllowance,
  type Allowance,
  type JudgeContext,
} from './judge-reach.js';
import { resolveContainer, resolveGrant, type ResolvedContainer } from './resolve-grant.js';

const judge: JudgeContext = { ...ctx, defaults: dockerDefaults };

/** A container acting through its filtered socket, with /data of its own, read-write. */
async function containerAllowance(paths: string[] = ['/data']): Promise<Allowance> {
  const hostPaths = await Promise.all(
    paths.map(async (path) => ({ host: await io.inspectHostPath(path), readOnly: false })),
  );
  return { who: 'container "ryuk"', powers: 'defaults', hostPaths };
}

async function create(body: string) {
  const decoded = decodeCreateBody(Buffer.from(body));
  if (!decoded.ok) throw new Error(decoded.message);
  return resolveGrant(decoded.value.grant, io);
}

async function existing(ref: string): Promise<ResolvedContainer> {
  const container = await resolveContainer(ref, io);
  if (!container) throw new Error(`no container ${ref}`);
  return container;
}

describe('judgeReach: routes for everyone, powers beyond the allowance for the contained', () => {
  it.each<[string, string, string[], string[]]>([
    ['a default container', '{"Image":"x"}', [], []],
    ['a bind within its own paths', '{"HostConfig":{"Binds":["/data/sub:/s"]}}', [], []],
    ['a bind outside them', '{"HostConfig":{"Binds":["/etc:/e"]}}', [], ['host path /etc']],
    ['privileged', '{"HostConfig":{"Privileged":true}}', [], ['privileged mode']],
    [
      'volumes-from a privileged container inherits its powers',
      '{"HostConfig":{"VolumesFrom":["privileged"]}}',
      [],
      ['through container privileged: privileged mode'],
    ],
    [
      "the network namespace of a host-network container is the host's",
      '{"HostConfig":{"NetworkMode":"container:hostnet"}}',
      [],
      ["through container hostnet: the host's network namespace"],
    ],
    [
      'the PID namespace of a host-PID container',
      '{"HostConfig":{"PidMode":"container:hostpid"}}',
      ['host-pid'],
      ["through container hostpid: the host's PID namespace"],
    ],
  ])('%s', async (_name, body, routes, beyond) => {
    const judged = judgeReach(await create(body), await containerAllowance(), judge);
    expect(judged.routes.map((r) => r.kind)).toEqual(routes);
    // A host-network container reports its network twice (NetworkMode and NetworkSettings.Networks).
    expect([...new Set(judged.beyond.map((b) => b.what))]).toEqual(beyond);
  });

  it('the host in personal mode: any power, any path, only the routes', async () => {
    const judged = judgeReach(
      await create(
        '{"HostConfig":{"Privileged":true,"PidMode":"host","Binds":["/etc:/e"],"VolumesFrom":["privileged"]}}',
      ),
      unlimitedAllowance,
      judge,
    );
    expect(judged).toMatchObject({ routes: [{ kind: 'host-pid' }], beyond: [] });
  });

  it('the host in managed mode: default powers and the admin’s paths', async () => {
    const judged = judgeReach(
      await create('{"HostConfig":{"CapAdd":["SYS_ADMIN"],"Binds":["/etc:/e"]}}'),
      {
        who: 'the host',
        powers: 'defaults',
        hostPaths: [{ host: await io.inspectHostPath('/etc'), readOnly: true }],
      },
      judge,
    );
    expect(judged.beyond.map((b) => b.what)).toEqual([
      'capability SYS_ADMIN',
      'host path /etc read-write, where only read-only is allowed (/etc is read-only)',
    ]);
  });
});

describe('holdsMore: what an existing container holds that the requester does not', () => {
  it.each<[string, string, string[], string[]]>([
    ['a clean container within its paths', 'clean', ['/data'], []],
    ['a clean container outside them', 'clean', [], ['host path /data']],
    ['its own filtered socket (inside, not joined) is not more', 'own', [], []],
    ['a privileged container', 'privileged', [], ['privileged mode']],
    ["the host's network", 'hostnet', [], ["the host's network namespace"]],
    [
      'a host-PID container',
      'hostpid',
      [],
      [
        "HostConfig.PidMode: the host's PID namespace: /proc/<pid>/root leads into other containers' mounts",
        "the host's PID namespace",
      ],
    ],
  ])('%s', async (_name, ref, paths, more) => {
    expect([...new Set(holdsMore(await existing(ref), await containerAllowance(paths), judge))]).toEqual(
      more,
    );
  });

  it('another container’s filtered socket, through a PID namespace, is', async () => {
    expect(holdsMore(await existing('pidjoiner'), await containerAllowance([]), judge)).toContain(
      "HostConfig.PidMode: through the PID namespace of container own: mounts /run/socket-warden/filtered/c1.sock, inside Socket Warden's filtered sockets /run/socket-warden/filtered",
    );
  });

  it('the real socket is', async () => {
    expect(holdsMore(await existing('holder'), await containerAllowance([]), judge)).toContain(
      'Mounts[0] (/var/run/docker.sock): mounts the Docker socket /run/docker.sock',
    );
  });

  it('holds nothing more than the unlimited host', async () => {
    expect(holdsMore(await existing('holder'), unlimitedAllowance, judge)).toEqual([]);
  });

  it('a read-only mount of a path the requester has read-write is not more', async () => {
    expect(holdsMore(await existing('readonly'), await containerAllowance(['/data']), judge)).toEqual([]);
  });
});
