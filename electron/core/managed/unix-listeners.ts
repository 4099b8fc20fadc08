// Engines outside Socket Warden's lock: rootless Docker and Podman answer the Docker API on sockets of
// their own, which no drop-in of docker.socket moves. Found by their well-known paths, among the
// listening unix sockets of /proc/net/unix and the files that exist. Pure.

/** Paths of listening unix sockets in /proc/net/unix (flag __SO_ACCEPTCON, 0x10000). */
export function listeningUnixSockets(procNetUnix: string): string[] {
  const paths: string[] = [];
  for (const line of procNetUnix.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) continue;
    const flags = Number.parseInt(fields[3] as string, 16);
    const socketPath = fields.slice(7).join(' ');
    if ((flags & 0x10000) !== 0 && socketPath.startsWith('/')) paths.push(socketPath);
  }
  return [...new Set(paths)];
}

const OTHER_ENGINES: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /^(\/var)?\/run\/user\/\d+\/docker\.sock$/, what: 'rootless Docker' },
  { pattern: /^(\/var)?\/run\/podman\/podman\.sock$/, what: 'Podman (root)' },
  { pattern: /^(\/var)?\/run\/user\/\d+\/podman\/podman\.sock$/, what: 'rootless Podman' },
];

/** Which of these paths are other engines' API sockets, and whose. */
export function otherEngineSockets(paths: readonly string[]): { path: string; what: string }[] {
  const found = new Map<string, string>();
  for (const socketPath of paths) {
    const match = OTHER_ENGINES.find((engine) => engine.pattern.test(socketPath));
    if (match && !found.has(socketPath)) found.set(socketPath, match.what);
  }
  return [...found]
    .map(([socketPath, what]) => ({ path: socketPath, what }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
