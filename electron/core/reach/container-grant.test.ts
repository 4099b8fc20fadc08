import { describe, expect, it } from 'vitest';
import { bindMount, namespaceMode, parseBind, type NamespaceMode } from './container-grant.js';

describe('parseBind: moby linux_parser splits a Binds entry', () => {
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

describe('bindMount: a host path when it starts with /, else a volume', () => {
  it.each([
    ['/data:/d', { type: 'bind', source: '/data' }],
    ['data:/d', { type: 'volume', source: 'data', volume: { driver: 'local', subpath: '' } }],
    ['./data:/d', { type: 'volume', source: './data' }],
  ])('%s', (raw, expected) => {
    expect(bindMount(raw, 'HostConfig.Binds[0]', 0, '')).toMatchObject(expected);
  });
});

describe('namespaceMode: as the engine reads it, case-sensitively', () => {
  it.each<[string, NamespaceMode]>([
    ['', { kind: 'private', spelled: '' }],
    ['host', { kind: 'host' }],
    ['HOST', { kind: 'private', spelled: 'HOST' }],
    ['host:x', { kind: 'private', spelled: 'host:x' }],
    ['ns:/proc/1/ns/net', { kind: 'host' }],
    ['container:web', { kind: 'container', ref: 'web' }],
    ['container:', { kind: 'container', ref: '' }],
    ['shareable', { kind: 'private', spelled: 'shareable' }],
    ['bridge', { kind: 'private', spelled: 'bridge' }],
  ])('%j', (spelled, mode) => {
    expect(namespaceMode(spelled)).toEqual(mode);
  });
});
