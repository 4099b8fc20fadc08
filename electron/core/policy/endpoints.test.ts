import { describe, expect, it } from 'vitest';
import { classifyEndpoint, pinContainer, type Endpoint } from './endpoints.js';

describe('classifyEndpoint: which judgement a routed request gets', () => {
  it.each<[string, string, Endpoint]>([
    ['POST', '/containers/create', { kind: 'create' }],
    ['GET', '/containers/create', { kind: 'other' }],
    ['POST', '/containers/web/start', { kind: 'start', container: 'web', verb: 'start' }],
    ['POST', '/containers/web/restart', { kind: 'start', container: 'web', verb: 'restart' }],
    ['GET', '/containers/web/start', { kind: 'other' }],
    ['POST', '/services/create', { kind: 'service-write' }],
    ['POST', '/services/svc1/update', { kind: 'service-write' }],
    ['GET', '/services/svc1', { kind: 'other' }],
    ['POST', '/containers/web/exec', { kind: 'exec-create', container: 'web' }],
    ['POST', '/exec/0123abc/start', { kind: 'exec-start', exec: '0123abc' }],
    ['POST', '/exec/0123abc/resize', { kind: 'other' }],
    ['GET', '/exec/0123abc/json', { kind: 'other' }],
    ['POST', '/containers/web/attach', { kind: 'container-action', container: 'web', action: 'attach to' }],
    ['GET', '/containers/web/attach/ws', { kind: 'container-action', container: 'web', action: 'attach to' }],
    ['POST', '/containers/web/attach/ws', { kind: 'other' }],
    [
      'GET',
      '/containers/web/archive',
      { kind: 'container-action', container: 'web', action: 'copy files of' },
    ],
    [
      'HEAD',
      '/containers/web/archive',
      { kind: 'container-action', container: 'web', action: 'copy files of' },
    ],
    [
      'PUT',
      '/containers/web/archive',
      { kind: 'container-action', container: 'web', action: 'copy files of' },
    ],
    ['POST', '/containers/web/archive', { kind: 'other' }],
    ['POST', '/containers/web/copy', { kind: 'container-action', container: 'web', action: 'copy files of' }],
    ['GET', '/containers/web/export', { kind: 'container-action', container: 'web', action: 'export' }],
    ['POST', '/containers/web/update', { kind: 'container-action', container: 'web', action: 'update' }],
    [
      'GET',
      '/containers/web/logs',
      { kind: 'container-action', container: 'web', action: 'read the logs of' },
    ],
    ['GET', '/containers/web/json', { kind: 'other' }],
    ['POST', '/containers/web/kill', { kind: 'other' }],
    ['DELETE', '/containers/web', { kind: 'other' }],
    ['POST', '/containers/web/Exec', { kind: 'other' }],
    ['POST', '/commit', { kind: 'commit' }],
    ['POST', '/build', { kind: 'build' }],
    ['GET', '/swarm', { kind: 'swarm-control', what: 'read the swarm join tokens' }],
    ['GET', '/swarm/unlockkey', { kind: 'swarm-control', what: 'read the swarm unlock key' }],
    ['POST', '/swarm/init', { kind: 'swarm-control', what: 'initialise a swarm' }],
    ['POST', '/swarm/join', { kind: 'swarm-control', what: 'join a swarm' }],
    ['POST', '/swarm/update', { kind: 'swarm-control', what: 'change the swarm (tokens, CA, autolock)' }],
    ['POST', '/swarm/unlock', { kind: 'swarm-control', what: 'unlock the swarm' }],
    ['POST', '/swarm/leave', { kind: 'swarm-control', what: 'leave the swarm' }],
    [
      'POST',
      '/nodes/node1/update',
      { kind: 'swarm-control', what: 'change a swarm node (promote it to manager)' },
    ],
    ['GET', '/nodes', { kind: 'other' }],
    ['POST', '/swarm/other', { kind: 'other' }],
    ['POST', '/plugins/pull', { kind: 'plugin-install' }],
    ['POST', '/plugins/create', { kind: 'plugin-install' }],
    ['POST', '/plugins/sshfs/upgrade', { kind: 'plugin-install' }],
    ['POST', '/plugins/sshfs/set', { kind: 'plugin-install' }],
    ['POST', '/plugins/sshfs/enable', { kind: 'plugin-install' }],
    // moby routes /plugins/{name:.*}/…: a plugin name has a repository path.
    ['POST', '/plugins/vieux/sshfs:latest/enable', { kind: 'plugin-install' }],
    ['POST', '/plugins/registry.example/team/plugin:1/set', { kind: 'plugin-install' }],
    ['POST', '/plugins/vieux/sshfs/upgrade', { kind: 'plugin-install' }],
    ['POST', '/plugins/sshfs/disable', { kind: 'other' }],
    ['GET', '/plugins', { kind: 'other' }],
    ['GET', '/plugins/privileges', { kind: 'other' }],
    ['GET', '/libpod/containers/json', { kind: 'libpod', write: false }],
    ['HEAD', '/libpod/_ping', { kind: 'libpod', write: false }],
    ['POST', '/libpod/containers/create', { kind: 'libpod', write: true }],
    ['DELETE', '/libpod/containers/web', { kind: 'libpod', write: true }],
    ['PUT', '/libpod/containers/web/archive', { kind: 'libpod', write: true }],
    ['POST', '/libpod', { kind: 'libpod', write: true }],
    ['GET', '/libpodx/info', { kind: 'other' }],
    ['GET', '/_ping', { kind: 'other' }],
  ])('%s %s', (method, path, endpoint) => {
    expect(classifyEndpoint(method, path)).toEqual(endpoint);
  });
});

describe('pinContainer: the container judged is the one the engine acts on', () => {
  const ID = 'f'.repeat(64);
  it.each<[string, { apiVersion: string | null; path: string; original: string }, string, string]>([
    [
      'exec create',
      { apiVersion: null, path: '/containers/web/exec', original: '/containers/web/exec' },
      'web',
      `/containers/${ID}/exec`,
    ],
    [
      'the version prefix and the query are kept',
      {
        apiVersion: '1.43',
        path: '/containers/web/archive',
        original: '/v1.43/containers/web/archive?path=%2Fetc',
      },
      'web',
      `/v1.43/containers/${ID}/archive?path=%2Fetc`,
    ],
    [
      'attach/ws with its query',
      {
        apiVersion: '1.41',
        path: '/containers/web/attach/ws',
        original: '/v1.41/containers/web/attach/ws?stream=1&stdin=1',
      },
      'web',
      `/v1.41/containers/${ID}/attach/ws?stream=1&stdin=1`,
    ],
    [
      'an escaped name',
      { apiVersion: null, path: '/containers/my-app/logs', original: '/containers/my%2Dapp/logs?follow=1' },
      'my-app',
      `/containers/${ID}/logs?follow=1`,
    ],
    [
      'an ID prefix',
      { apiVersion: null, path: '/containers/ffff/start', original: '/containers/ffff/start' },
      'ffff',
      `/containers/${ID}/start`,
    ],
    [
      'another container’s name that starts the same',
      { apiVersion: null, path: '/containers/webapp/exec', original: '/containers/webapp/exec' },
      'web',
      '/containers/webapp/exec',
    ],
    [
      'not a container path',
      { apiVersion: null, path: '/exec/abc/start', original: '/exec/abc/start' },
      'web',
      '/exec/abc/start',
    ],
  ])('%s', (_name, target, ref, pinned) => {
    expect(pinContainer(target, ref, ID)).toBe(pinned);
  });
});
