import { describe, expect, it } from 'vitest';
import { blockedCommandMessage, decideCommand, type CommandList } from './command-decision.js';

const deny = (...commands: string[]): CommandList => ({ type: 'deny', commands });
const allow = (...commands: string[]): CommandList => ({ type: 'allow', commands });
const verdict = (list: CommandList, method: string, target: string): string =>
  decideCommand(list, method, target).verdict;

// What `docker run -d` (foreground adds attach and resize) and `docker push` send, per docs/engine-facts.md.
const runRequests: Array<[string, string]> = [
  ['HEAD', '/_ping'],
  ['POST', '/v1.41/containers/create?name=c'],
  ['POST', '/v1.41/images/create?fromImage=busybox&tag=latest'],
  ['POST', '/v1.41/containers/abc/attach?stderr=1&stdout=1&stream=1'],
  ['POST', '/v1.41/containers/abc/wait?condition=next-exit'],
  ['POST', '/v1.41/containers/abc/start'],
  ['POST', '/v1.41/containers/abc/resize?h=24&w=80'],
  ['POST', '/v1.41/containers/abc/kill?signal=SIGINT'],
];

describe('decideCommand: the spec example', () => {
  it('blocks docker push under a deny list naming push, with the request-target as sent', () => {
    expect(decideCommand(deny('push'), 'POST', '/v1.43/images/myimage/push?tag=latest')).toEqual({
      verdict: 'block',
      command: ['image push', 'push'],
      uri: '/v1.43/images/myimage/push?tag=latest',
    });
  });

  it('words the block message as the spec does, naming Socket Warden', () => {
    expect(blockedCommandMessage('/v1.43/images/myimage/push?tag=latest')).toBe(
      'socket-warden: docker command "/v1.43/images/myimage/push?tag=latest" is blocked; if you wish to allow it, configure the docker socket command list in the Socket Warden settings or admin-settings.',
    );
  });
});

describe('decideCommand: always allowed', () => {
  it.each([
    ['HEAD', '/_ping'],
    ['GET', '/_ping'],
    ['GET', '/v1.41/_ping'],
    ['GET', '/version'],
    ['GET', '/v1.41/version'],
  ])('%s %s passes even an empty allow list and a deny list of everything', (method, target) => {
    expect(verdict(allow(), method, target)).toBe('allow');
    expect(verdict(deny('system*', 'version', 'container*', 'image*'), method, target)).toBe('allow');
  });
});

describe('decideCommand: deny list', () => {
  it.each([
    // [listed, method, target, verdict]
    ['push', 'POST', '/v1.41/images/x/push?tag=1', 'block'],
    ['image push', 'POST', '/v1.41/images/x/push?tag=1', 'block'],
    ['push', 'POST', '/images/x/push', 'block'],
    ['push', 'POST', '/v1.41/images/x/tag?repo=y', 'allow'],
    ['push', 'GET', '/v1.41/containers/json', 'allow'],
    ['ps', 'GET', '/v1.41/containers/json?all=1', 'block'],
    ['container ls', 'GET', '/v1.41/containers/json', 'block'],
    // pull and import are one request: denying either blocks both
    ['import', 'POST', '/v1.41/images/create?fromImage=busybox&tag=latest', 'block'],
    ['pull', 'POST', '/v1.41/images/create?fromSrc=-&repo=x', 'block'],
    // create and run are one request: denying create blocks run, and the other way round
    ['create', 'POST', '/v1.41/containers/create?name=c', 'block'],
    ['run', 'POST', '/v1.41/containers/create?name=c', 'block'],
    ['run', 'POST', '/v1.41/containers/abc/start', 'block'],
    ['start', 'POST', '/v1.41/containers/abc/start', 'block'],
    // a helper step is not the command: denying logs does not break inspect, denying run does not block pull
    ['logs', 'GET', '/v1.41/containers/abc/json', 'allow'],
    ['logs', 'GET', '/v1.41/containers/abc/logs?stdout=1', 'block'],
    ['exec', 'GET', '/v1.41/containers/abc/json', 'allow'],
    ['exec', 'POST', '/v1.41/containers/abc/exec', 'block'],
    ['exec', 'POST', '/v1.41/exec/e1/start', 'block'],
    ['run', 'POST', '/v1.41/images/create?fromImage=busybox', 'allow'],
    ['inspect', 'GET', '/v1.41/containers/abc/json', 'block'],
    ['port', 'GET', '/v1.41/containers/abc/json', 'block'],
    ['system prune', 'POST', '/v1.41/images/prune', 'block'],
    ['image prune', 'POST', '/v1.41/images/prune', 'block'],
    ['image prune', 'POST', '/v1.41/containers/prune', 'allow'],
    // wildcards: by the endpoint's group and by the groups of the commands it is
    ['container*', 'POST', '/v1.41/containers/create', 'block'],
    ['container*', 'POST', '/v1.41/containers/abc/resize', 'block'],
    ['container*', 'POST', '/v1.41/commit?container=abc', 'block'],
    ['container*', 'POST', '/v1.41/images/create?fromImage=x', 'allow'],
    ['image*', 'POST', '/v1.41/images/create?fromImage=x', 'block'],
    ['image*', 'POST', '/v1.41/build?t=x', 'block'],
    ['image*', 'GET', '/v1.41/distribution/x/json', 'block'],
    ['build*', 'POST', '/v1.41/build?t=x', 'block'],
    ['build*', 'POST', '/v1.41/build/prune', 'block'],
    ['build*', 'POST', '/session', 'block'],
    ['build*', 'POST', '/grpc', 'block'],
    ['build*', 'POST', '/v1.41/images/x/push', 'allow'],
    ['volume*', 'DELETE', '/v1.41/volumes/v1', 'block'],
    ['volume*', 'POST', '/v1.41/volumes/prune', 'block'],
    ['network*', 'POST', '/v1.41/networks/n/connect', 'block'],
    ['system*', 'GET', '/v1.41/info', 'block'],
    ['system*', 'GET', '/v1.41/system/df', 'block'],
    ['system*', 'POST', '/v1.41/images/prune', 'block'],
    ['system*', 'GET', '/v1.41/containers/json', 'allow'],
    // requests the map does not know: by the group their path names, else through to the engine's 404
    ['container*', 'POST', '/v1.99/containers/abc/newthing', 'block'],
    ['container*', 'HEAD', '/v1.41/containers/abc/json', 'block'],
    ['system*', 'GET', '/debug/pprof/heap', 'block'],
    ['push', 'POST', '/v1.41/containers/abc/newthing', 'allow'],
    ['container*', 'GET', '/v1.41/newresource', 'allow'],
    // names the list should not hold do not turn into wildcards or prefixes
    ['swarm*', 'POST', '/v1.41/swarm/init', 'allow'],
    ['image', 'POST', '/v1.41/images/x/push', 'allow'],
    ['pus', 'POST', '/v1.41/images/x/push', 'allow'],
  ])('deny [%s]: %s %s → %s', (listed, method, target, expected) => {
    expect(verdict(deny(listed), method, target)).toBe(expected);
  });

  it('judges the request the engine will route, whatever the spelling', () => {
    const list = deny('push');
    for (const target of [
      '/v1.41/images/x/push',
      '/images/x/push',
      '/v1.41/images/x%2Dy/push',
      '/v1.4%31/images/x/push',
      '/v1.41/images/a/b/c/push?tag=1',
      '/v1.41/images/x/tag/push',
    ]) {
      expect(verdict(list, 'POST', target), target).toBe('block');
    }
  });

  it.each([
    ['POST', '/v1.41/images/x%2Fpush'],
    ['POST', '/v1.41/containers/x/../../images/x/push'],
    ['POST', '/v1.41/images/x/push#'],
    ['POST', 'http://localhost/v1.41/images/x/push'],
    ['post', '/v1.41/images/x/push'],
    ['POST', '/v1.041/images/x/push'],
    ['POST', '//v1.41/images/x/push'],
  ])('refuses the evasion %s %s with 400 under any list', (method, target) => {
    for (const list of [deny('push'), deny(), allow('push'), allow('container*')]) {
      expect(decideCommand(list, method, target)).toMatchObject({ verdict: 'refuse', status: 400 });
    }
  });
});

describe('decideCommand: allow list', () => {
  it.each([
    ['push', 'POST', '/v1.41/images/x/push?tag=1', 'allow'],
    ['push', 'POST', '/v1.41/images/x/tag?repo=y', 'block'],
    ['push', 'GET', '/v1.41/containers/json', 'block'],
    ['ps', 'GET', '/v1.41/containers/json', 'allow'],
    ['ps', 'GET', '/v1.41/containers/abc/json', 'block'],
    ['logs', 'GET', '/v1.41/containers/abc/json', 'allow'],
    ['logs', 'GET', '/v1.41/containers/abc/logs', 'allow'],
    ['logs', 'POST', '/v1.41/containers/abc/exec', 'block'],
    ['pull', 'POST', '/v1.41/images/create?fromImage=x', 'allow'],
    ['build', 'POST', '/v1.41/build?t=x', 'allow'],
    ['build', 'POST', '/session', 'allow'],
    ['build', 'POST', '/v1.41/images/x/push', 'block'],
    ['image*', 'POST', '/v1.41/build', 'allow'],
    ['image*', 'POST', '/v1.41/images/x/push', 'allow'],
    ['image*', 'POST', '/v1.41/containers/create', 'block'],
    ['container*', 'POST', '/v1.41/images/create?fromImage=x', 'allow'],
    ['container*', 'POST', '/v1.41/images/x/push', 'block'],
    ['volume*', 'GET', '/v1.41/volumes', 'allow'],
    ['volume*', 'GET', '/v1.41/networks', 'block'],
    ['inspect', 'GET', '/v1.41/plugins/x/json', 'allow'],
    ['inspect', 'GET', '/v1.41/info', 'allow'],
    // unknown endpoints are blocked, even under their group's wildcard
    ['container*', 'POST', '/v1.99/containers/abc/newthing', 'block'],
    ['system*', 'GET', '/debug/pprof/heap', 'block'],
  ])('allow [%s]: %s %s → %s', (listed, method, target, expected) => {
    expect(verdict(allow(listed), method, target)).toBe(expected);
  });

  it('lets every request of docker run through when run is allowed', () => {
    for (const [method, target] of runRequests)
      expect(verdict(allow('run'), method, target), target).toBe('allow');
    for (const [method, target] of runRequests)
      expect(verdict(allow('container run'), method, target), target).toBe('allow');
  });

  it("lets run's create through when create is allowed (same request), but not its start", () => {
    // `create` allowed: the create request passes (it is the same request run sends), the start does not.
    expect(verdict(allow('create'), 'POST', '/v1.41/containers/create')).toBe('allow');
    expect(verdict(allow('create'), 'POST', '/v1.41/containers/abc/start')).toBe('block');
  });

  it('blocks everything but the ping and the version under an empty allow list', () => {
    for (const [method, target] of runRequests.slice(1))
      expect(verdict(allow(), method, target), target).toBe('block');
  });

  it('names, in a block, the commands the request is (or those that send it)', () => {
    expect(decideCommand(allow('ps'), 'POST', '/v1.41/containers/abc/resize')).toEqual({
      verdict: 'block',
      command: ['container run', 'run', 'container start', 'start', 'container attach', 'attach'],
      uri: '/v1.41/containers/abc/resize',
    });
    expect(decideCommand(allow('ps'), 'GET', '/v1.41/newresource')).toEqual({
      verdict: 'block',
      command: [],
      uri: '/v1.41/newresource',
    });
  });
});
