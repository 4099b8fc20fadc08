import { describe, expect, it } from 'vitest';
import {
  isLoopbackRegistry,
  manifestUrl,
  registryApiHost,
  registryHostname,
  registryScheme,
} from './registry-endpoint.js';

describe('registry endpoints', () => {
  it.each([
    ['docker.io', 'registry-1.docker.io'],
    ['ghcr.io', 'ghcr.io'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
  ])('API host of %s is %s', (registry, host) => expect(registryApiHost(registry)).toBe(host));

  it.each([
    ['127.0.0.1:5000', '127.0.0.1'],
    ['[::1]:5000', '::1'],
    ['[::1]', '::1'],
    ['localhost', 'localhost'],
    ['example.com:443', 'example.com'],
  ])('hostname of %s is %s', (registry, host) => expect(registryHostname(registry)).toBe(host));

  it.each([
    ['127.0.0.1:5000', true],
    ['127.255.0.9', true],
    ['localhost:5000', true],
    ['LOCALHOST', true],
    ['[::1]:5000', true],
    ['128.0.0.1:5000', false],
    ['127.0.0.1.example.com', false],
    ['docker.io', false],
    ['[::2]:5000', false],
  ])('%s is loopback: %s', (registry, loopback) => expect(isLoopbackRegistry(registry)).toBe(loopback));

  it.each([
    ['docker.io', [], 'https'],
    ['ghcr.io', [], 'https'],
    ['127.0.0.1:5000', [], 'http'],
    ['localhost:5000', [], 'http'],
    ['registry.lan:5000', ['registry.lan:5000'], 'http'],
    ['Registry.LAN:5000', ['registry.lan:5000'], 'http'],
    // A name is matched with its port, as dockerd does.
    ['registry.lan:5001', ['registry.lan:5000'], 'https'],
    ['10.1.2.3:5000', ['10.0.0.0/8'], 'http'],
    ['11.1.2.3:5000', ['10.0.0.0/8'], 'https'],
    ['[fd00::5]:5000', ['fd00::/8'], 'http'],
    // CIDRs match IP literals only; names are not resolved.
    ['registry.lan', ['10.0.0.0/8'], 'https'],
    ['10.1.2.3', ['not-a-cidr/xx'], 'https'],
  ] as const)('%s with insecure %j uses %s', (registry, insecure, scheme) =>
    expect(registryScheme(registry, insecure)).toBe(scheme),
  );

  it('builds manifest URLs', () => {
    expect(manifestUrl('docker.io', 'library/docker', 'cli')).toBe(
      'https://registry-1.docker.io/v2/library/docker/manifests/cli',
    );
    expect(manifestUrl('127.0.0.1:5000', 'team/app', 'sha256:abc')).toBe(
      'http://127.0.0.1:5000/v2/team/app/manifests/sha256:abc',
    );
  });
});
