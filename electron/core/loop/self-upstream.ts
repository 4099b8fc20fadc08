// Whether the upstream is our own listening socket (pure over what socket-identity.ts found): the same
// real path, or the same inode under another name. Proxying to ourselves would take every request
// round a loop until descriptors run out.
import type { SocketIdentity } from './socket-identity.js';

export function selfUpstreamProblem(upstream: SocketIdentity, listen: SocketIdentity): string | undefined {
  const sameInode =
    upstream.inode !== undefined &&
    listen.inode !== undefined &&
    upstream.inode.dev === listen.inode.dev &&
    upstream.inode.ino === listen.inode.ino;
  if (upstream.realPath !== listen.realPath && !sameInode) return undefined;
  const how =
    upstream.path === listen.path
      ? 'is'
      : upstream.realPath === listen.realPath
        ? `leads to ${listen.realPath}, which is`
        : 'is another name (the same inode) of';
  return `the upstream ${upstream.path} ${how} this Socket Warden's own socket ${listen.path}: it would proxy to itself`;
}
