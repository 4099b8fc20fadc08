// A unix-socket listener that serves every connection with a ProxyConnection. Used for the main socket
// (requests from the host) and for each container's filtered socket. Each is one client: a connection
// past its cap is answered 429 and closed at once (proxy-clients.ts).
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { DEFAULT_PROXY_LIMITS } from './client-limits.js';
import { MESSAGE_PREFIX, engineErrorResponse } from './engine-error.js';
import { closeLingering } from './lingering-close.js';
import { ProxyClients, type ProxyClient } from './proxy-clients.js';
import { clientWords, ProxyConnection } from './proxy-connection.js';
import type { Requester, RequestGate } from './request-gate.js';
import { STREAM_HIGH_WATER_MARK, type Upstream } from './upstream.js';

export interface ProxyServerOptions {
  listenPath: string;
  /**
   * An fd already bound to listenPath and listening (systemd's socket activation): served as it is, its
   * mode and owner left to whoever made it, and the path left in place on close.
   */
  listenFd?: number;
  upstream: Upstream;
  gate: RequestGate;
  requester: Requester;
  /** Socket mode; group access mirrors the engine's socket. Never world-accessible. */
  mode?: number;
  /** Group id for the socket (the engine socket's group, so the same users may connect). */
  gid?: number;
  onError?: (error: Error) => void;
  /** This socket's limits and budget; by default the defaults for its requester, shared with no one. */
  client?: ProxyClient;
}

export class ProxyServer {
  private readonly server: net.Server;
  private readonly connections = new Set<ProxyConnection>();

  private constructor(private readonly options: ProxyServerOptions) {
    const client =
      options.client ??
      ProxyClients.alone(DEFAULT_PROXY_LIMITS[options.requester.kind === 'host' ? 'host' : 'container']);
    // allowHalfOpen: a client that half-closes (stdin ended) must still receive the rest of its output.
    // A larger high-water mark than Node 20's 16 KiB: fewer pause/resume round trips per streamed GB.
    // pauseOnConnect: the connection chooses where reads land (client-reads.ts) before the first one.
    this.server = net.createServer(
      { allowHalfOpen: true, highWaterMark: STREAM_HIGH_WATER_MARK, pauseOnConnect: true },
      (socket) => {
        const taken = client.budget.takeConnection();
        if (taken !== 'taken') {
          refuseConnection(socket, taken, client, options);
          return;
        }
        socket.once('close', () => client.budget.releaseConnection());
        const connection = new ProxyConnection(socket, { ...options, ...client });
        this.connections.add(connection);
        socket.on('close', () => this.connections.delete(connection));
        socket.resume();
      },
    );
  }

  get listenPath(): string {
    return this.options.listenPath;
  }

  static async listen(options: ProxyServerOptions): Promise<ProxyServer> {
    const proxy = new ProxyServer(options);
    const fd = options.listenFd;
    if (fd === undefined) await prepareSocketPath(options.listenPath);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(fd === undefined ? options.listenPath : { fd }, () => {
        proxy.server.off('error', reject);
        resolve();
      });
    });
    if (fd !== undefined) return proxy;
    await fs.chmod(options.listenPath, options.mode ?? 0o660);
    if (options.gid !== undefined && process.getuid?.() === 0) {
      await fs.chown(options.listenPath, 0, options.gid);
    }
    return proxy;
  }

  /** Stops accepting, gives in-flight requests `graceMs` to finish, then cuts the rest and removes the socket. */
  async close(graceMs = 3000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const deadline = Date.now() + graceMs;
    // A connection accepted in the same turn as the signal looks idle until its first read: give it that
    // read, so a request that waited for us is served rather than cut (systemd queues the next ones).
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, graceMs)));
    while (Date.now() < deadline) {
      for (const connection of this.connections) if (connection.idle) connection.destroy();
      if (this.connections.size === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const connection of this.connections) connection.destroy();
    await closed;
    // An inherited socket stays: systemd keeps listening on it and queues clients for our next start.
    if (this.options.listenFd === undefined) await fs.rm(this.options.listenPath, { force: true });
  }
}

/** A connection past the client's cap: told so in the engine's format, and closed once that is written. */
function refuseConnection(
  socket: net.Socket,
  why: 'full' | 'shared-full',
  client: ProxyClient,
  options: ProxyServerOptions,
): void {
  socket.on('error', () => socket.destroy());
  // Its bytes are read and dropped, so the answer is not lost to a reset (lingering-close.ts).
  socket.on('data', () => undefined);
  const whose =
    why === 'full'
      ? `${clientWords(options.requester)} (${client.limits.maxConnections} at most)`
      : 'all containers together';
  const message = `${MESSAGE_PREFIX}too many connections from ${whose}; the rest are refused until some close`;
  const answer = engineErrorResponse(429, message, { close: true });
  // Past as many lingering refusals as connections, the answer is written and the socket closed at
  // once (its client may then see a reset instead): refusals must not hold descriptors without bound.
  if (!client.budget.takeLingering()) {
    socket.end(answer, () => socket.destroy());
    return;
  }
  socket.once('close', () => client.budget.releaseLingering());
  closeLingering(socket, answer);
}

/** Creates the parent directory (0750) and clears a stale socket; refuses to steal a live one. */
async function prepareSocketPath(listenPath: string): Promise<void> {
  await fs.mkdir(path.dirname(listenPath), { recursive: true, mode: 0o750 });
  const stat = await fs.lstat(listenPath).catch(() => null);
  if (!stat) return;
  if (!stat.isSocket()) throw new Error(`${listenPath} exists and is not a socket; refusing to replace it`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(listenPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new Error(`${listenPath} is in use by another process (is Socket Warden already running?)`);
  await fs.rm(listenPath);
}
