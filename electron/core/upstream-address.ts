// Where the engine is, as a user writes it: a socket path or DOCKER_HOST's `unix:///path`. Socket Warden
// proxies a unix socket only; every other transport DOCKER_HOST can name is refused by name, so that
// nobody is quietly guarded against a different engine than the one they meant.
import path from 'node:path';

/** The engine socket when neither --upstream nor a unix:// DOCKER_HOST says otherwise. */
export const STANDARD_ENGINE_SOCKET = '/var/run/docker.sock';

export type UpstreamAddress = { ok: true; path: string } | { ok: false; reason: string };

/** Transports DOCKER_HOST can name that are not a unix socket, and why each cannot be proxied. */
const UNPROXIABLE: Readonly<Record<string, string>> = {
  tcp: 'a TCP address',
  http: 'a TCP address',
  https: 'a TCP address',
  ssh: 'an engine reached over ssh',
  npipe: 'a Windows named pipe',
  fd: "a file descriptor (dockerd's own -H fd://)",
};

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * Reads a socket path or a `unix://` URL (pure; relative paths resolve against `cwd`). A URL of any
 * other scheme is refused, saying what it names.
 */
export function parseUpstreamAddress(text: string, cwd: string): UpstreamAddress {
  if (text === '') return { ok: false, reason: 'is empty; it names the engine socket' };
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return { ok: true, path: path.resolve(cwd, text) };
  if (scheme === 'unix') {
    const socketPath = text.slice(text.indexOf('://') + 3);
    // The docker CLI reads `unix://` alone as its default socket; a guard should not guess.
    if (socketPath === '') return { ok: false, reason: 'names no socket path (unix:///path/to/docker.sock)' };
    if (!socketPath.startsWith('/'))
      return { ok: false, reason: 'must name an absolute path (unix:///path/to/docker.sock)' };
    return { ok: true, path: path.normalize(socketPath) };
  }
  const what = UNPROXIABLE[scheme];
  return {
    ok: false,
    reason: what
      ? `is ${what}: Socket Warden can only proxy the engine's unix socket (unix:///path or a path)`
      : `has an unknown scheme ${scheme}://: Socket Warden proxies the engine's unix socket (unix:///path or a path)`,
  };
}

/**
 * The engine socket when no --upstream is given: DOCKER_HOST when it is a unix socket, the standard
 * socket when it is unset. A DOCKER_HOST naming anything else is an error rather than a fallback: the
 * user's clients talk to that engine, and guarding /var/run/docker.sock instead would guard nothing
 * they use.
 */
export function upstreamFromEnvironment(env: NodeJS.ProcessEnv, cwd: string): UpstreamAddress {
  const host = env.DOCKER_HOST;
  if (host === undefined || host === '') return { ok: true, path: STANDARD_ENGINE_SOCKET };
  const parsed = parseUpstreamAddress(host, cwd);
  // DOCKER_HOST is a URL by definition (the docker CLI refuses a bare path there).
  if (parsed.ok && !SCHEME.test(host))
    return { ok: false, reason: 'is not a URL; the docker CLI reads only unix:///path, tcp://… there' };
  return parsed;
}
