// Where the test stack's engine is: the env file scripts/test-stack.sh writes. The bench measures
// against that private engine only, never a user's own (same rule as test/integration/stack.ts, whose
// logic this repeats because the build does not compile test/).
import { readFileSync } from 'node:fs';

export interface BenchStack {
  dir: string;
  /** Path of the private engine's socket. */
  dockerSocket: string;
  /** Path of the static docker CLI. */
  cli: string;
  /** The stack's registry, host:port (holds library/docker:cli, the image the bench allows). */
  registry: string;
}

export type StackLookup = { kind: 'found'; stack: BenchStack } | { kind: 'missing'; reason: string };

/** Parses the KEY=VALUE lines of the stack's env file. */
export function parseStackEnv(dir: string, text: string): StackLookup {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) env.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  const dockerSocket = env.get('SW_DOCKER_SOCKET');
  const cli = env.get('SW_DOCKER_CLI');
  const registry = env.get('SW_REGISTRY');
  if (!dockerSocket || !cli || !registry)
    return { kind: 'missing', reason: `${dir}/env lacks SW_DOCKER_SOCKET, SW_DOCKER_CLI or SW_REGISTRY` };
  return { kind: 'found', stack: { dir, dockerSocket, cli, registry } };
}

/** The stack scripts/test-stack.sh brings up for SW_ENGINE (default docker20), or SW_STACK_DIR. */
export function defaultStackDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SW_STACK_DIR) return env.SW_STACK_DIR;
  const engine = env.SW_ENGINE ?? 'docker20';
  return engine === 'docker20' ? '/tmp/socket-warden-stack' : `/tmp/socket-warden-stack-${engine}`;
}

export function readStackEnv(dir = defaultStackDir()): StackLookup {
  let text: string;
  try {
    text = readFileSync(`${dir}/env`, 'utf8');
  } catch {
    return { kind: 'missing', reason: `no ${dir}/env` };
  }
  return parseStackEnv(dir, text);
}
