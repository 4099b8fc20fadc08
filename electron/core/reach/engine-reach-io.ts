// The I/O a reach judgement needs (ReachIo), over the engine's API and the host's filesystem: the
// engine resolves container names and ID prefixes itself, so a judged container is the one it will
// act on.
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { EngineClient } from '../engine-api/engine-client.js';
import { unlessNotFound } from '../images/engine-not-found.js';
import { engineGet } from '../managed/engine-query.js';
import { inspectHostPath } from '../policy/host-path.js';
import { containerInspectSchema, type ContainerInspect } from './grant-from-inspect.js';
import type { ReachIo } from './resolve-grant.js';

/**
 * What Podman's Docker-API inspect says in `HostConfig.Runtime` for every container, whatever runtime
 * runs it (libpod writes the word): the runtime itself is in its own API's inspect (`OCIRuntime`), and
 * the engine's default in `/version` (a component "OCI Runtime (<name>)"), both spelled as the engine
 * was configured (`runc`, `crun`, or the path `--runtime` was given).
 */
export const PODMAN_RUNTIME_PLACEHOLDER = 'oci';
/** Podman serves its own API under a version prefix only (`/libpod/…` alone is 404). */
const LIBPOD_PREFIX = '/v4.0.0/libpod';
/**
 * How long the engine's default runtime is taken as known; after it, the last answer still serves while
 * it is asked again. Podman's `/version` runs its runtime and conmon to answer (a second or more), and
 * its `/info` also waits for every container's lock: neither belongs on each judgement.
 */
const DEFAULT_RUNTIME_TTL_MS = 10 * 60_000;

/** As long as the Docker-API inspect just answered may take on a busy engine (seconds on Podman). */
const LIBPOD_INSPECT_TIMEOUT_MS = 30_000;

const libpodInspectSchema = z.object({ OCIRuntime: z.string() });

/** The default runtime Podman's `/version` names ("OCI Runtime (crun)"); undefined where none is named. */
export function defaultRuntimeOf(
  components: readonly { Name?: string }[] | null | undefined,
): string | undefined {
  for (const component of components ?? []) {
    const match = /^OCI Runtime \((.+)\)$/.exec(component.Name ?? '');
    if (match) return match[1];
  }
  return undefined;
}

/**
 * The runtime a container really runs, as a grant reads it: `''` for the engine's default runtime,
 * else its name. `ociRuntime` is Podman's own answer (undefined where the engine has no Podman API).
 */
export function effectiveRuntime(
  reported: string,
  ociRuntime: string | undefined,
  defaultRuntime: string | undefined,
): string {
  if (reported !== PODMAN_RUNTIME_PLACEHOLDER || ociRuntime === undefined) return reported;
  return defaultRuntime !== undefined && ociRuntime === defaultRuntime ? '' : ociRuntime;
}

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
  let defaultRuntime: { value: Promise<string | undefined>; at: number } | undefined;
  const askDefaultRuntime = (): Promise<string | undefined> => {
    const asked = { value: engine.version().then((v) => defaultRuntimeOf(v.Components)), at: Date.now() };
    // A failed question is not remembered.
    asked.value.catch(() => {
      if (defaultRuntime === asked) defaultRuntime = undefined;
    });
    defaultRuntime = asked;
    return asked.value;
  };
  const engineDefaultRuntime = (): Promise<string | undefined> => {
    if (!defaultRuntime) return askDefaultRuntime();
    const last = defaultRuntime.value;
    if (Date.now() - defaultRuntime.at >= DEFAULT_RUNTIME_TTL_MS)
      void askDefaultRuntime().catch(() => undefined);
    return last;
  };
  // Podman's placeholder replaced by the runtime it names: a container on another runtime than the
  // engine's default holds more than a default one (default-powers.ts), on Podman as on Docker.
  const withRuntime = async (inspect: ContainerInspect): Promise<ContainerInspect> => {
    const reported = inspect.HostConfig?.Runtime ?? '';
    if (reported !== PODMAN_RUNTIME_PLACEHOLDER) return inspect;
    const [own, engineDefault] = await Promise.all([
      // A Docker engine has no Podman API (404): its runtime named `oci` stays `oci`.
      unlessNotFound(async () =>
        libpodInspectSchema.parse(
          await engineGet(
            engine.socketPath,
            `${LIBPOD_PREFIX}/containers/${encodeURIComponent(inspect.Id)}/json`,
            LIBPOD_INSPECT_TIMEOUT_MS,
          ),
        ),
      ),
      engineDefaultRuntime(),
    ]);
    const runtime = effectiveRuntime(reported, own?.OCIRuntime, engineDefault);
    return { ...inspect, HostConfig: { ...inspect.HostConfig, Runtime: runtime } };
  };
  return {
    inspectHostPath: (path) => inspectHostPath(path),
    inspectVolume: (name) =>
      unlessNotFound(async () => {
        const info = await engine.inspectVolume(name);
        return { driver: info.Driver, options: info.Options ?? {} };
      }),
    inspectContainer: (ref) =>
      unlessNotFound(async () =>
        withRuntime(containerInspectSchema.parse(await engine.inspectContainerJson(ref))),
      ),
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
