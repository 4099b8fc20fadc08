// A unix socket's path must fit in sockaddr_un.sun_path (108 bytes on Linux, with its terminating NUL).
// Longer ones fail deep inside listen() or connect() with an error that names neither the path nor the
// limit, so they are refused where the path is given.

export const MAX_SOCKET_PATH_BYTES = 107;

/** Why `socketPath` cannot be a unix socket's path, or undefined when it can (pure). */
export function socketPathProblem(socketPath: string): string | undefined {
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES)
    return `is ${bytes} bytes long; a unix socket's path holds at most ${MAX_SOCKET_PATH_BYTES}`;
  if (socketPath.includes('\0')) return 'holds a NUL byte';
  return undefined;
}
