import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readClient, type ClientReads } from './client-reads.js';
import { ReadBufferPool } from './read-buffers.js';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

/** Accepts one connection with readClient, sends `payload` to it, returns what arrived and how. */
async function receive(payload: Buffer): Promise<{ reads: ClientReads; received: Buffer; views: Buffer[] }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sw-client-reads-'));
  const socketPath = path.join(dir, 's.sock');
  const views: Buffer[] = [];
  const copies: Buffer[] = [];
  let reads: ClientReads | null = null;
  const done = new Promise<void>((resolve) => {
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      reads = readClient(socket, new ReadBufferPool(), (chunk) => {
        views.push(chunk);
        copies.push(Buffer.from(chunk));
      });
      socket.on('end', () => {
        socket.end();
        resolve();
      });
      socket.resume();
    });
    server.listen(socketPath, () => net.connect(socketPath).end(payload));
    cleanup = async () => {
      server.close();
      await fs.rm(dir, { recursive: true, force: true });
    };
  });
  await done;
  return { reads: reads as unknown as ClientReads, received: Buffer.concat(copies), views };
}

describe('readClient', () => {
  it('reads accepted sockets into reusable buffers on this Node (else uploads cost more CPU)', async () => {
    const payload = Buffer.alloc(3 << 20, 7);
    const { reads, received, views } = await receive(payload);
    expect(reads.reusable).toBe(true);
    expect(received.equals(payload)).toBe(true);
    // Nothing held: every read landed in the same memory.
    expect(new Set(views.map((view) => view.buffer)).size).toBe(1);
  });
});
