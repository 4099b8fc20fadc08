// The unix sockets listening on this host, from /proc/net/unix (proc(5)): how Socket Warden finds
// engines it was not told about (a Podman service, rootless Docker, containerd, a second dockerd)
// and which process serves the engine's socket. Parsing is pure; reading is one file.
import { readFile } from 'node:fs/promises';

export interface UnixListener {
  path: string;
  inode: number;
}

/** __SO_ACCEPTCON: the socket is listening. */
const ACCEPTING = 0x10000;

export function parseUnixSockets(text: string): UnixListener[] {
  const out: UnixListener[] = [];
  for (const line of text.split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path
    const match =
      /^\s*[0-9a-f]+:\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+(\d+)\s?(.*)$/i.exec(
        line,
      );
    if (!match) continue;
    const [, flags = '0', inode = '0', path = ''] = match;
    // Abstract sockets start with '@' and have no path on disk; unnamed ones have none at all.
    if ((parseInt(flags, 16) & ACCEPTING) === 0 || !path.startsWith('/')) continue;
    out.push({ path, inode: Number(inode) });
  }
  return out;
}

export async function readUnixListeners(): Promise<UnixListener[]> {
  try {
    return parseUnixSockets(await readFile('/proc/net/unix', 'utf8'));
  } catch {
    return [];
  }
}

/** Socket names that serve a container engine's API, whoever runs it and wherever it lives. */
const ENGINE_SOCKET_NAMES = [
  /(^|\/)docker\.sock$/,
  /(^|\/)podman\.sock$/,
  /(^|\/)containerd\.sock(\.ttrpc)?$/,
  /(^|\/)buildkitd\.sock$/,
  /(^|\/)cri-dockerd\.sock$/,
  /(^|\/)crio\.sock$/,
  /(^|\/)dockershim\.sock$/,
];

export function looksLikeEngineSocket(path: string): boolean {
  return ENGINE_SOCKET_NAMES.some((pattern) => pattern.test(path));
}
