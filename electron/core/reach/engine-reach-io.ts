// The I/O a reach judgement needs (ReachIo), over the engine's API and the host's filesystem: the
// engine resolves container names and ID prefixes itself, so a judged container is the one it will
// act on.
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { EngineClient } from '../engine-api/engine-client.js';
import { unlessNotFound } from '../images/engine-not-found.js';
import { inspectHostPath } from '../policy/host-path.js';
import { containerInspectSchema } from './grant-from-inspect.js';
import type { ReachIo } from './resolve-grant.js';

function localAddresses(): Set<string> {
  const out = new Set<string>(['0.0.0.0', '::']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

async function isLocalAddress(address: string): Promise<boolean> {
  const resolved = isIP(address)
    ? [address]
    : await lookup(address, { all: true }).then(
        (all) => all.map((a) => a.address),
        // A name that does not resolve from here cannot be judged: treated as this host.
        () => ['127.0.0.1'],
      );
  const local = localAddresses();
  return resolved.some((a) => local.has(a) || a.startsWith('127.') || a === '::1');
}

export function engineReachIo(engine: EngineClient): ReachIo {
  return {
    inspectHostPath: (path) => inspectHostPath(path),
    inspectVolume: (name) =>
      unlessNotFound(async () => {
        const info = await engine.inspectVolume(name);
        return { driver: info.Driver, options: info.Options ?? {} };
      }),
    inspectContainer: (ref) =>
      unlessNotFound(async () => containerInspectSchema.parse(await engine.inspectContainerJson(ref))),
    inspectNetwork: (ref) =>
      unlessNotFound(async () => {
        const network = await engine.inspectNetwork(ref);
        return { name: network.Name, driver: network.Driver };
      }),
    inspectExec: (id) =>
      unlessNotFound(async () => {
        const exec = await engine.inspectExec(id);
        return { containerId: exec.ContainerID, privileged: exec.ProcessConfig?.privileged === true };
      }),
    isLocalAddress,
  };
}
