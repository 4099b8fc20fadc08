// Closing a connection the proxy is done with, without losing its last answer. Closing a socket that
// still has unread bytes makes the kernel reset it (a unix socket's peer reads ECONNRESET), and the
// client may lose the answer it had not read yet: a refused 8 MiB upload is still being sent when its
// 413 goes out. So the proxy ends its side, reads and drops what still comes, and closes once the
// client closes its side, or after a short linger so a client that never does cannot keep its slot.
import type net from 'node:net';

/** How long a refused client may take to close its side before the connection is cut. */
export const LINGER_MS = 2000;

/** Sends `last` (if any), ends, drains the client, and destroys once it ends or at the linger. */
export function closeLingering(socket: net.Socket, last?: Buffer | string, lingerMs = LINGER_MS): void {
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  if (last === undefined) socket.end();
  else socket.end(last);
  // Whatever the client still sends is read (and dropped by whoever handles reads) so it never sits
  // unread in the socket when it closes.
  socket.resume();
}
