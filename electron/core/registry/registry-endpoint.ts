// Where a registry's HTTP API lives: Docker Hub's API host, and http versus https. Pure.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Docker Hub's images are named docker.io but its API answers at registry-1.docker.io. */
export function registryApiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** The host part of 'host[:port]' or '[v6]:port', brackets removed. */
export function registryHostname(registry: string): string {
  if (registry.startsWith('[')) {
    const end = registry.indexOf(']');
    return end === -1 ? registry : registry.slice(1, end);
  }
  const colon = registry.lastIndexOf(':');
  return colon === -1 ? registry : registry.slice(0, colon);
}

/** Loopback registries speak plain http, as dockerd's default insecure range 127.0.0.0/8 allows. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registryHostname(registry).toLowerCase();
  if (host === 'localhost') return true;
  if (isIPv4(host)) return host.split('.')[0] === '127';
  return isIPv6(host) && (host === '::1' || host === '0:0:0:0:0:0:0:1');
}

/**
 * `insecure` holds 'host[:port]' names (matched exactly, case-insensitively) and CIDR ranges
 * ('10.0.0.0/8', 'fd00::/8') matched against IP-literal hosts, like dockerd's insecure-registries.
 */
export function registryScheme(registry: string, insecure: readonly string[] = []): 'http' | 'https' {
  if (isLoopbackRegistry(registry)) return 'http';
  const name = registry.toLowerCase();
  const host = registryHostname(name);
  for (const entry of insecure) {
    const candidate = entry.trim().toLowerCase();
    if (candidate === name) return 'http';
    if (candidate.includes('/') && inCidr(host, candidate)) return 'http';
  }
  return 'https';
}

function inCidr(host: string, cidr: string): boolean {
  const [network = '', bits = ''] = cidr.split('/');
  const prefix = Number(bits);
  const family = isIPv4(network) ? 'ipv4' : isIPv6(network) ? 'ipv6' : undefined;
  if (!family || !Number.isInteger(prefix)) return false;
  const hostFamily = isIPv4(host) ? 'ipv4' : isIPv6(host) ? 'ipv6' : undefined;
  if (hostFamily !== family) return false;
  const list = new BlockList();
  try {
    list.addSubnet(network, prefix, family);
  } catch {
    return false;
  }
  return list.check(host, family);
}

/** https://registry-1.docker.io/v2/library/docker/manifests/cli */
export function manifestUrl(
  registry: string,
  repository: string,
  reference: string,
  insecure: readonly string[] = [],
): string {
  return `${registryScheme(registry, insecure)}://${registryApiHost(registry)}/v2/${repository}/manifests/${reference}`;
}
