import { describe, expect, it } from 'vitest';
import {
  commandGroups,
  endpoints,
  groupOfPath,
  knownCommandNames,
  matchEndpoint,
  unsupportedCommandNames,
  validateCommandName,
  wildcardGroups,
} from './command-map.js';

const commandsOf = (method: string, path: string): readonly string[] | undefined =>
  matchEndpoint(method, path)?.commands;
const usersOf = (method: string, path: string): string[] => {
  const entry = matchEndpoint(method, path);
  return entry ? [...entry.commands, ...entry.alsoUsedBy] : [];
};

describe('matchEndpoint: the measured CLI requests (docs/engine-facts.md)', () => {
  it.each([
    ['POST', '/images/myimage/push', ['image push', 'push']],
    ['POST', '/images/127.0.0.1:5000/team/app/push', ['image push', 'push']],
    ['GET', '/containers/json', ['container ls', 'container list', 'container ps', 'ps']],
    ['GET', '/images/json', ['image ls', 'image list', 'images']],
    ['POST', '/images/create', ['image pull', 'pull', 'image import', 'import']],
    ['POST', '/containers/create', ['container create', 'create', 'container run', 'run']],
    ['POST', '/containers/abc/start', ['container start', 'start', 'container run', 'run']],
    ['POST', '/build', ['image build', 'build', 'builder build']],
    ['POST', '/build/prune', ['builder prune', 'system prune', 'buildx prune']],
    ['POST', '/images/prune', ['image prune', 'system prune']],
    ['POST', '/containers/prune', ['container prune', 'system prune']],
    ['POST', '/volumes/prune', ['volume prune', 'system prune']],
    ['POST', '/networks/prune', ['network prune', 'system prune']],
    ['DELETE', '/containers/c1', ['container rm', 'container remove', 'rm']],
    ['DELETE', '/images/127.0.0.1:5000/a/b:1', ['image rm', 'image remove', 'rmi']],
    ['POST', '/images/busybox/tag', ['image tag', 'tag']],
    ['GET', '/images/get', ['image save', 'save']],
    ['POST', '/images/load', ['image load', 'load']],
    ['GET', '/images/busybox/history', ['image history', 'history']],
    ['GET', '/images/busybox:1/json', ['image inspect', 'inspect']],
    ['GET', '/containers/c1/json', ['container inspect', 'inspect', 'container port', 'port']],
    ['GET', '/containers/c1/logs', ['container logs', 'logs']],
    ['POST', '/containers/c1/exec', ['container exec', 'exec']],
    ['POST', '/exec/0123abc/start', ['container exec', 'exec']],
    ['HEAD', '/containers/c1/archive', ['container cp', 'cp']],
    ['PUT', '/containers/c1/archive', ['container cp', 'cp']],
    ['POST', '/commit', ['container commit', 'commit']],
    ['GET', '/volumes', ['volume ls', 'volume list']],
    ['POST', '/volumes/create', ['volume create']],
    ['DELETE', '/volumes/v1', ['volume rm', 'volume remove']],
    ['GET', '/networks', ['network ls', 'network list']],
    ['GET', '/networks/n1', ['network inspect', 'inspect']],
    ['POST', '/networks/n1/connect', ['network connect']],
    ['GET', '/system/df', ['system df']],
    ['GET', '/info', ['system info', 'info']],
    ['GET', '/events', ['system events', 'events']],
    ['POST', '/auth', ['login']],
    ['GET', '/images/search', ['search']],
    ['GET', '/services', ['service ls', 'service list']],
    ['GET', '/nodes', ['node ls', 'node list']],
  ])('%s %s → %j', (method, path, commands) => {
    expect(commandsOf(method, path)).toEqual(commands);
  });

  it.each([
    // helper steps: the command sends the request but is not what the request is
    ['GET', '/containers/c1/json', ['logs', 'exec', 'attach', 'start', 'run']],
    ['POST', '/containers/c1/wait', ['run', 'start', 'attach', 'wait']],
    ['POST', '/containers/c1/attach', ['run', 'start', 'attach']],
    ['POST', '/containers/c1/resize', ['run', 'start', 'attach']],
    ['POST', '/images/create', ['run', 'create', 'container run', 'container create']],
    ['GET', '/containers/json', ['stats']],
    ['GET', '/events', ['stats']],
    ['GET', '/info', ['inspect']],
    ['GET', '/plugins/x/json', ['inspect']],
    ['POST', '/session', ['build', 'image build']],
    ['POST', '/grpc', ['build']],
  ])('%s %s is sent by %j', (method, path, commands) => {
    expect(usersOf(method, path)).toEqual(expect.arrayContaining(commands));
  });

  it("takes the first route in moby's registration order, as gorilla/mux does", () => {
    // the checkpoint router is registered before the container router
    expect(commandsOf('DELETE', '/containers/c1/checkpoints/cp1')).toEqual([
      'checkpoint rm',
      'checkpoint remove',
    ]);
    // `{name:.*}` spans slashes: these are container/image names, not other endpoints
    expect(commandsOf('DELETE', '/containers/c1/json')).toEqual(['container rm', 'container remove', 'rm']);
    expect(commandsOf('GET', '/images/get/json')).toEqual(['image inspect', 'inspect']);
    expect(commandsOf('POST', '/images/a/tag/push')).toEqual(['image push', 'push']);
    expect(commandsOf('POST', '/images/a/push/tag')).toEqual(['image tag', 'tag']);
  });

  it.each([
    ['GET', '/containers/json/'], // no StrictSlash
    ['HEAD', '/containers/c1/json'], // gorilla does not turn HEAD into GET
    ['POST', '/containers/json'],
    ['GET', '/Containers/json'],
    ['GET', '/_ping/'],
    ['GET', '/nodes/a/b'], // `{id}` is one segment
    ['GET', '/v1.41/containers/json'], // callers strip the version first
    ['PATCH', '/containers/c1/update'],
  ])('%s %s matches no route', (method, path) => {
    expect(matchEndpoint(method, path)).toBeUndefined();
  });

  it('marks only the ping and the version as always allowed', () => {
    expect(
      endpoints.filter((entry) => entry.alwaysAllowed).map((entry) => `${entry.method} ${entry.pattern}`),
    ).toEqual(['GET /_ping', 'HEAD /_ping', 'GET /version']);
  });

  it('names every route moby v20.10.24 and master register (debug routes aside)', () => {
    // moby's route list: api/server/router/** (v20.10.24) ∪ daemon/server/router/** (master)
    const mobyRoutes = [
      'DELETE /configs/{id}',
      'DELETE /containers/{name:.*}',
      'DELETE /containers/{name}/checkpoints/{checkpoint}',
      'DELETE /images/{name:.*}',
      'DELETE /networks/{id:.*}',
      'DELETE /nodes/{id}',
      'DELETE /plugins/{name:.*}',
      'DELETE /secrets/{id}',
      'DELETE /services/{id}',
      'DELETE /volumes/{name:.*}',
      'GET /_ping',
      'GET /configs',
      'GET /configs/{id}',
      'GET /containers/json',
      'GET /containers/{name:.*}/archive',
      'GET /containers/{name:.*}/attach/ws',
      'GET /containers/{name:.*}/changes',
      'GET /containers/{name:.*}/checkpoints',
      'GET /containers/{name:.*}/export',
      'GET /containers/{name:.*}/json',
      'GET /containers/{name:.*}/logs',
      'GET /containers/{name:.*}/stats',
      'GET /containers/{name:.*}/top',
      'GET /distribution/{name:.*}/json',
      'GET /events',
      'GET /exec/{id:.*}/json',
      'GET /images/get',
      'GET /images/json',
      'GET /images/search',
      'GET /images/{name:.*}/attestations',
      'GET /images/{name:.*}/get',
      'GET /images/{name:.*}/history',
      'GET /images/{name:.*}/json',
      'GET /info',
      'GET /networks',
      'GET /networks/',
      'GET /networks/{id:.+}',
      'GET /nodes',
      'GET /nodes/{id}',
      'GET /plugins',
      'GET /plugins/privileges',
      'GET /plugins/{name:.*}/json',
      'GET /secrets',
      'GET /secrets/{id}',
      'GET /services',
      'GET /services/{id}',
      'GET /services/{id}/logs',
      'GET /swarm',
      'GET /swarm/unlockkey',
      'GET /system/df',
      'GET /tasks',
      'GET /tasks/{id}',
      'GET /tasks/{id}/logs',
      'GET /version',
      'GET /volumes',
      'GET /volumes/{name:.*}',
      'HEAD /_ping',
      'HEAD /containers/{name:.*}/archive',
      'POST /auth',
      'POST /build',
      'POST /build/cancel',
      'POST /build/prune',
      'POST /commit',
      'POST /configs/create',
      'POST /configs/{id}/update',
      'POST /containers/create',
      'POST /containers/prune',
      'POST /containers/{name:.*}/attach',
      'POST /containers/{name:.*}/checkpoints',
      'POST /containers/{name:.*}/copy',
      'POST /containers/{name:.*}/exec',
      'POST /containers/{name:.*}/kill',
      'POST /containers/{name:.*}/pause',
      'POST /containers/{name:.*}/rename',
      'POST /containers/{name:.*}/resize',
      'POST /containers/{name:.*}/restart',
      'POST /containers/{name:.*}/start',
      'POST /containers/{name:.*}/stop',
      'POST /containers/{name:.*}/unpause',
      'POST /containers/{name:.*}/update',
      'POST /containers/{name:.*}/wait',
      'POST /exec/{name:.*}/resize',
      'POST /exec/{name:.*}/start',
      'POST /grpc',
      'POST /images/create',
      'POST /images/load',
      'POST /images/prune',
      'POST /images/{name:.*}/push',
      'POST /images/{name:.*}/tag',
      'POST /networks/create',
      'POST /networks/prune',
      'POST /networks/{id:.*}/connect',
      'POST /networks/{id:.*}/disconnect',
      'POST /nodes/{id}/update',
      'POST /plugins/create',
      'POST /plugins/pull',
      'POST /plugins/{name:.*}/disable',
      'POST /plugins/{name:.*}/enable',
      'POST /plugins/{name:.*}/push',
      'POST /plugins/{name:.*}/set',
      'POST /plugins/{name:.*}/upgrade',
      'POST /secrets/create',
      'POST /secrets/{id}/update',
      'POST /services/create',
      'POST /services/{id}/update',
      'POST /session',
      'POST /swarm/init',
      'POST /swarm/join',
      'POST /swarm/leave',
      'POST /swarm/unlock',
      'POST /swarm/update',
      'POST /volumes/create',
      'POST /volumes/prune',
      'PUT /containers/{name:.*}/archive',
      'PUT /volumes/{name:.*}',
    ];
    const ours = endpoints.map((entry) => `${entry.method} ${entry.pattern}`);
    expect([...ours].sort()).toEqual([...new Set(mobyRoutes)].sort());
  });

  it('gives every endpoint at least one command and a known group', () => {
    for (const entry of endpoints) {
      if (!entry.alwaysAllowed && entry.pattern !== '/_ping') {
        expect([...entry.commands, ...entry.alsoUsedBy], `${entry.method} ${entry.pattern}`).not.toEqual([]);
      }
      expect(commandGroups).toContain(entry.group);
    }
  });
});

describe('groupOfPath: the group of a request the map does not know', () => {
  it.each([
    ['/containers/c1/newthing', 'container'],
    ['/exec/e1/newthing', 'container'],
    ['/images/x/newthing', 'image'],
    ['/volumes/v/newthing', 'volume'],
    ['/networks/n/newthing', 'network'],
    ['/build/newthing', 'build'],
    ['/system/newthing', 'system'],
    ['/debug/pprof/heap', 'system'],
    ['/nodes/n/newthing', 'node'],
    ['/', undefined],
    ['/toString', undefined],
    ['/constructor', undefined],
    ['/newresource/x', undefined],
  ])('%s → %s', (path, group) => {
    expect(groupOfPath(path)).toBe(group);
  });
});

describe('validateCommandName', () => {
  it.each([
    'push',
    'ps',
    'exec',
    'build',
    'image push',
    'container ls',
    'container list',
    'images',
    'rmi',
    'image remove',
    'builder build',
    'builder prune',
    'system prune',
    'volume update',
    'login',
    'search',
    'inspect',
    'version',
    'stack deploy',
    'stack up',
    'swarm join-token',
    'checkpoint create',
    ...wildcardGroups.map((group) => `${group}*`),
  ])('accepts %j', (name) => {
    expect(validateCommandName(name)).toEqual({ ok: true });
  });

  it.each([
    ...unsupportedCommandNames,
    'manifest inspect',
    'plugin install',
    'compose up',
    'trust sign',
    'stack config',
  ])('refuses %j as unenforceable', (name) => {
    const result = validateCommandName(name);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/cannot be enforced: /);
  });

  it('says why an API-less name cannot be enforced', () => {
    expect(validateCommandName('manifest')).toEqual({
      ok: false,
      error: '"manifest" cannot be enforced: it has no Docker Engine API of its own',
    });
  });

  it.each([
    ['pussh', 'push'],
    ['Push', 'push'],
    ['docker push', 'push'],
    ['image  push', 'image push'],
    ['contianer ls', 'container ls'],
    ['volume lss', 'volume ls'],
  ])('suggests a known name for %j', (name, suggestion) => {
    expect(validateCommandName(name)).toEqual({
      ok: false,
      error: `unknown command "${name}"; did you mean "${suggestion}"?`,
    });
  });

  it.each(['', 'xyzzy-frobnicate', ' push', 'push '])('refuses %j as unknown', (name) => {
    const result = validateCommandName(name);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^unknown command/);
  });

  it.each(['swarm*', 'plugin*', 'images*', '*'])('refuses the wildcard %j', (name) => {
    const result = validateCommandName(name);
    expect(result.ok).toBe(false);
  });

  it('offers only valid names for completion, wildcards included', () => {
    for (const name of knownCommandNames) expect(validateCommandName(name), name).toEqual({ ok: true });
    expect(knownCommandNames).toEqual(
      expect.arrayContaining(['push', 'image push', 'container*', 'system*']),
    );
    expect(knownCommandNames.some((name) => name.startsWith('plugin'))).toBe(false);
  });

  it('lets every valid name block or allow something: no name that matches no request', () => {
    const used = new Set(endpoints.flatMap((entry) => [...entry.commands, ...entry.alsoUsedBy]));
    const idle = knownCommandNames.filter((name) => !name.endsWith('*') && !used.has(name));
    expect(idle).toEqual([]);
  });
});
