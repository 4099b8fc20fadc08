// Byte transparency of the relay against a scripted upstream: answers the real engine never gives
// (non-ASCII header bytes, a body delimited by closing) still reach the client intact.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyServer } from './proxy-server.js';
import { transparentGate } from './request-gate.js';
import { Upstream } from './upstream.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A proxy in front of an upstream that answers every request with `answer` (then closes if asked). */
async function proxyBefore(answer: Buffer, closeAfter: boolean): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sw-proxy-bytes-'));
  const upstreamPath = path.join(dir, 'engine.sock');
  const engine = net.createServer((socket) => {
    socket.once('data', () => (closeAfter ? socket.end(answer) : socket.write(answer)));
  });
  await new Promise<void>((resolve) => engine.listen(upstreamPath, resolve));
  const upstream = new Upstream(upstreamPath);
  const listenPath = path.join(dir, 'proxy.sock');
  const proxy = await ProxyServer.listen({
    listenPath,
    upstream,
    gate: transparentGate,
    requester: { kind: 'host' },
  });
  cleanups.push(async () => {
    await proxy.close(100);
    upstream.close();
    engine.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
  return listenPath;
}

function exchange(socketPath: string, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath, () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

describe('the relay keeps bytes as the engine sent them', () => {
  it('passes header values with bytes above 0x7f unchanged', async () => {
    const head = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nX-Name: caf', 'latin1'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('\r\nContent-Length: 2\r\n\r\nok', 'latin1'),
    ]);
    const socketPath = await proxyBefore(head, false);
    const reply = await exchange(socketPath, 'GET /x HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n');
    expect(reply.includes(Buffer.concat([Buffer.from('X-Name: caf'), Buffer.from([0xe9, 0xff, 0x0d])]))).toBe(
      true,
    );
    expect(reply.subarray(-2).toString()).toBe('ok');
  });

  it('re-frames a body delimited by the engine closing as chunks for an HTTP/1.1 client', async () => {
    const socketPath = await proxyBefore(Buffer.from('HTTP/1.1 200 OK\r\n\r\nuntil-close'), true);
    const reply = (
      await exchange(socketPath, 'GET /x HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n')
    ).toString();
    expect(reply).toMatch(/\r\nTransfer-Encoding: chunked\r\n/);
    expect(reply).toMatch(/\r\n\r\nb\r\nuntil-close\r\n0\r\n\r\n$/);
  });
});
