// Starts Socket Warden's proxy in-process in front of the test stack's engine, on a temp socket.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ProxyServer } from '../../electron/core/proxy/proxy-server.js';
import { transparentGate, type RequestGate } from '../../electron/core/proxy/request-gate.js';
import { Upstream } from '../../electron/core/proxy/upstream.js';

export interface RunningProxy {
  socketPath: string;
  host: string;
  close(): Promise<void>;
}

export async function startProxy(
  upstreamSocket: string,
  gate: RequestGate = transparentGate,
): Promise<RunningProxy> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sw-proxy-'));
  const socketPath = path.join(dir, 'docker.sock');
  const upstream = new Upstream(upstreamSocket);
  const server = await ProxyServer.listen({
    listenPath: socketPath,
    upstream,
    gate,
    requester: { kind: 'host' },
  });
  return {
    socketPath,
    host: `unix://${socketPath}`,
    async close() {
      await server.close(500);
      upstream.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends raw bytes on a unix socket and collects everything until the server closes or `idleMs` passes. */
export function rawExchange(socketPath: string, bytes: string | Buffer, idleMs = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(done, idleMs);
    };
    socket.on('connect', () => {
      socket.write(bytes);
      arm();
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      arm();
    });
    socket.on('end', done);
    socket.on('error', reject);
  });
}

/**
 * Connects half-open-capable, lets `send` write (and end its side when it likes), and collects
 * everything until the server ends; rejects after `timeoutMs` without an end.
 */
export function exchangeUntilServerEnds(
  socketPath: string,
  send: (socket: net.Socket) => void,
  timeoutMs = 5000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: socketPath, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end from the server within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    send(socket);
  });
}
