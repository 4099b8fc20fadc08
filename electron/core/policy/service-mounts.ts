// Swarm services create their containers inside the engine, past the proxy: a service whose task
// template mounts a guarded path would hand out the real socket. The spec is matched loosely and
// strictly: any object with a key Go would read as `Source` whose value reaches a guarded path.
import { goFold, parseJson, type JsonValue } from './go-json.js';
import { isSameOrBelow } from './host-path.js';
import type { SocketMountContext } from './socket-mount.js';

const SOURCE = goFold('Source');

function* sources(value: JsonValue, where: string): Generator<{ where: string; path: string }> {
  if (value.type === 'array') {
    for (const [i, item] of value.items.entries()) yield* sources(item, `${where}[${i}]`);
  } else if (value.type === 'object') {
    for (const entry of value.entries) {
      const at = where ? `${where}.${entry.key}` : entry.key;
      if (
        goFold(entry.key) === SOURCE &&
        entry.value.type === 'string' &&
        entry.value.value.startsWith('/')
      ) {
        yield { where: at, path: entry.value.value };
      } else yield* sources(entry.value, at);
    }
  }
}

/** Descriptions of each mount in a service spec that reaches a guarded path (empty when none). */
export async function findServiceSocketMounts(body: Buffer, ctx: SocketMountContext): Promise<string[]> {
  const json = parseJson(body);
  if (!json.ok) return [`the service spec cannot be judged (${json.message})`];
  const findings: string[] = [];
  for (const { where, path } of sources(json.value, '')) {
    let resolved: string;
    try {
      resolved = await ctx.resolveHostPath(path);
    } catch {
      findings.push(`${where} "${path}" cannot be resolved`);
      continue;
    }
    if (
      ctx.guardedPaths.some((guarded) => isSameOrBelow(guarded, resolved) || isSameOrBelow(resolved, guarded))
    ) {
      findings.push(`${where} "${path}" reaches the Docker socket`);
    }
  }
  return findings;
}
