// A unix-socket listener that serves every connection with a ProxyConnection. Used for the main socket
// (requests from the host) and for each container's filtered socket.
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { ProxyConnection } from './proxy-connection.js';
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
}

export class ProxyServer {
  private readonly server: net.Server;
  private readonly connections = new Set<ProxyConnection>();

  private constructor(private readonly options: ProxyServerOptions) {
    // allowHalfOpen: a client that half-closes (stdin ended) must still receive the rest of its output.
    // A larger high-water mark than Node 20's 16 KiB: fewer pause/resume round trips per streamed GB.
    // pauseOnConnect: the connection chooses where reads land (client-reads.ts) before the first one.
    this.server = net.createServer(
      { allowHalfOpen: true, highWaterMark: STREAM_HIGH_WATER_MARK, pauseOnConnect: true },
      (socket) => {
        const connection = new ProxyConnection(socket, options);
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
