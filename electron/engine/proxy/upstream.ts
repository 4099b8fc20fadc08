// The engine side of the proxy: keep-alive connections to the engine's unix socket, and fresh
// half-open-capable connections for hijacked streams.
import http from 'node:http';
import net from 'node:net';
import { MESSAGE_PREFIX } from './engine-error.js';

/** Buffering per direction of a streamed body (Node 20 defaults to 16 KiB): fewer pause/resume round
 * trips per streamed gigabyte, still bounded so memory stays flat during 1 GB transfers. */
export const STREAM_HIGH_WATER_MARK = 256 * 1024;

export class Upstream {
  private readonly agent: http.Agent;

  constructor(readonly socketPath: string) {
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets: Infinity,
      maxFreeSockets: 256,
      scheduling: 'lifo',
    });
    const create = this.agent.createConnection.bind(this.agent);
    this.agent.createConnection = (options, callback) =>
      create({ ...options, highWaterMark: STREAM_HIGH_WATER_MARK } as typeof options, callback);
  }

  request(method: string, path: string, headers: Record<string, string | string[]>): http.ClientRequest {
    return http.request({
      socketPath: this.socketPath,
      agent: this.agent,
      method,
      path,
      headers,
      setHost: false,
      // Node honours it (the response's readable buffer); @types/node 20 does not list it.
      ...({ highWaterMark: STREAM_HIGH_WATER_MARK } as object),
    });
  }

  /** A connection of its own, kept open in each direction until that direction ends. */
  hijackRequest(
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
  ): http.ClientRequest {
    return http.request({
      method,
      path,
      headers,
      setHost: false,
      // No agent: a hijacked connection is never reused, and createConnection is only honoured without one.
      createConnection: () =>
        // net.Socket hands its options to stream.Duplex, which takes highWaterMark (untyped in @types/node 20).
        net.connect({
          path: this.socketPath,
          allowHalfOpen: true,
          ...({ highWaterMark: STREAM_HIGH_WATER_MARK } as object),
        }),
    });
  }

  unreachableMessage(error: NodeJS.ErrnoException): string {
    const why = error.code ?? error.message;
    return `${MESSAGE_PREFIX}cannot reach the Docker Engine at ${this.socketPath} (${why}); is it running? Socket Warden keeps enforcing and reconnects when the engine is back.`;
  }

  close(): void {
    this.agent.destroy();
  }
}
