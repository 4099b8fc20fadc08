// The proxy's zero-copy points against a scripted engine, byte for byte: large response bodies (sized,
// chunked in awkward pieces, delimited by closing), large streamed request bodies (sized, chunked and
// re-framed), the next pipelined request parsed from the byte after a relayed body, a body the gate
// reads still read whole, and a hijacked stream both ways with half-close. The same expectations hold
// with the JS relay (SW_ZERO_COPY=off, or no addon); with the addon, the kernel must have been used.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyServer } from './proxy-server.js';
import { transparentGate, type RequestGate } from './request-gate.js';
import { spliceCounts } from './splice-transfer.js';
import { Upstream } from './upstream.js';
import { zeroCopy } from './zero-copy-relay.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const digest = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function pattern(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = ((i + seed) * 2654435761) >>> 24;
  return bytes;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One request as the scripted engine saw it: head text and de-framed body. */
interface Seen {
  head: string;
  body: Buffer;
}

type Script = (socket: net.Socket, seen: Seen) => void | Promise<void>;

/**
 * An engine that reads each request (head; a sized or chunked body, de-chunked strictly) and answers
 * with `script`; every request is recorded.
 */
async function engine(dir: string, script: Script): Promise<{ path: string; seen: Seen[] }> {
  const enginePath = path.join(dir, 'engine.sock');
  const seen: Seen[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let buffer = Buffer.alloc(0);
    let busy = false;
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buffer.toString('latin1', 0, end);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        const chunked = /\r\ntransfer-encoding: *chunked/i.test(head);
        let at = end + 4;
        let body: Buffer;
        if (length) {
          const size = Number(length[1]);
          if (buffer.length < at + size) break;
          body = buffer.subarray(at, at + size);
          at += size;
        } else if (chunked) {
          const parts: Buffer[] = [];
          let whole = false;
          for (;;) {
            const line = buffer.indexOf('\r\n', at);
            if (line < 0) break;
            const sizeText = buffer.toString('latin1', at, line);
            // The proxy's own framing: lowercase hex, no leading zeros, no extensions.
            expect(sizeText).toMatch(/^[0-9a-f]+$/);
            expect(sizeText).toBe(parseInt(sizeText, 16).toString(16));
            const size = parseInt(sizeText, 16);
            if (size === 0) {
              if (buffer.length < line + 4) break;
              expect(buffer.toString('latin1', line, line + 4)).toBe('\r\n\r\n');
              at = line + 4;
              whole = true;
              break;
            }
            if (buffer.length < line + 2 + size + 2) break;
            parts.push(buffer.subarray(line + 2, line + 2 + size));
            expect(buffer.toString('latin1', line + 2 + size, line + 4 + size)).toBe('\r\n');
            at = line + 4 + size;
          }
          if (!whole) break;
          body = Buffer.concat(parts);
        } else body = Buffer.alloc(0);
        buffer = buffer.subarray(at);
        const request = { head, body: Buffer.from(body) };
        seen.push(request);
        await script(socket, request);
      }
      busy = false;
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      void pump();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(enginePath, resolve));
  cleanups.push(async () => {
    server.close();
  });
  return { path: enginePath, seen };
}

async function proxyFor(script: Script, gate: RequestGate = transparentGate) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sw-zc-proxy-'));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  const scripted = await engine(dir, script);
  const upstream = new Upstream(scripted.path);
  const listenPath = path.join(dir, 'proxy.sock');
  const proxy = await ProxyServer.listen({ listenPath, upstream, gate, requester: { kind: 'host' } });
  cleanups.push(async () => {
    await proxy.close(100);
    upstream.close();
  });
  return { listenPath, seen: scripted.seen };
}

/** Sends `request` (and optionally more, later), returns everything received until the proxy ends. */
async function talk(socketPath: string, request: Buffer | string, readSlowly = false): Promise<Buffer> {
  const socket = net.connect(socketPath);
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (readSlowly) {
      socket.pause();
      setTimeout(() => socket.resume(), 2);
    }
  });
  socket.write(request);
  await once(socket, 'end');
  socket.destroy();
  return Buffer.concat(chunks);
}

/** Splits responses (sized or chunked bodies, de-chunked here) out of what a client received. */
function responses(raw: Buffer): { head: string; body: Buffer }[] {
  const found: { head: string; body: Buffer }[] = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end < 0) throw new Error(`a partial head: ${raw.toString('latin1', at, at + 80)}`);
    const head = raw.toString('latin1', at, end);
    at = end + 4;
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length) {
      const size = Number(length[1]);
      found.push({ head, body: raw.subarray(at, at + size) });
      at += size;
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      const parts: Buffer[] = [];
      for (;;) {
        const line = raw.indexOf('\r\n', at);
        const sizeLine = raw.toString('latin1', at, line);
        const size = parseInt(sizeLine.split(';')[0] as string, 16);
        if (line < 0 || !/^[0-9a-fA-F]/.test(sizeLine))
          throw new Error(`not a chunk size line at byte ${at}: ${JSON.stringify(sizeLine.slice(0, 40))}`);
        at = line + 2;
        if (size === 0) {
          // Trailers, then the empty line.
          const trailersEnd = raw.indexOf('\r\n\r\n', at - 2);
          at = trailersEnd + 4;
          break;
        }
        parts.push(raw.subarray(at, at + size));
        at += size + 2;
      }
      found.push({ head, body: Buffer.concat(parts) });
    } else {
      found.push({ head, body: raw.subarray(at) });
      at = raw.length;
    }
  }
  return found;
}

/** Writes `pieces` one by one, waiting `gapMs` between them (so reads end at awkward places). */
async function writeSlowly(socket: net.Socket, pieces: Buffer[], gapMs: number): Promise<void> {
  for (const piece of pieces) {
    if (!socket.write(piece)) await once(socket, 'drain');
    if (gapMs > 0) await pause(gapMs);
  }
}

/** Sends a request head, then `pieces` slowly; everything the proxy answered until it ended. */
async function upload(listenPath: string, head: string, pieces: Buffer[], gapMs: number): Promise<Buffer> {
  const socket = net.connect(listenPath);
  await once(socket, 'connect');
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const ended = once(socket, 'end');
  socket.write(head);
  await writeSlowly(socket, pieces, gapMs);
  await ended;
  socket.destroy();
  return Buffer.concat(received);
}

/** The engine got the upload (with `body`) and the pipelined GET /after; both were answered. */
function expectUploadThenAfter(received: Buffer, seen: Seen[], body: Buffer): void {
  expect(responses(received).map((r) => r.body.toString())).toEqual(['ok', 'ok']);
  expect(seen.map((request) => request.head.split('\r\n')[0])).toEqual([
    'PUT /upload HTTP/1.1',
    'GET /after HTTP/1.1',
  ]);
  expect(digest(seen[0]?.body ?? Buffer.alloc(0))).toBe(digest(body));
}

const BIG = 3 << 20;
const CHUNKED_UPLOAD = 'PUT /upload HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n';

describe(`the proxy's zero-copy points (${zeroCopy.available ? 'on' : 'off'}: ${zeroCopy.detail})`, () => {
  const before = { started: 0 };
  const usedKernel = (): void => {
    if (zeroCopy.available) expect(spliceCounts.started).toBeGreaterThan(before.started);
    else expect(spliceCounts.started).toBe(0);
  };
  const mark = (): void => {
    before.started = spliceCounts.started;
  };

  it('relays a large sized response body, then serves the next pipelined request', async () => {
    const body = pattern(BIG);
    const { listenPath } = await proxyFor(async (socket, seen) => {
      if (seen.head.startsWith('GET /big ')) {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
        // The head alone first: the body is found large on its own.
        await pause(5);
        await writeSlowly(socket, [body.subarray(0, 1000), body.subarray(1000)], 5);
      } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
    });
    mark();
    const raw = await talk(
      listenPath,
      'GET /big HTTP/1.1\r\nHost: d\r\n\r\nGET /small HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n',
      true,
    );
    const [big, small] = responses(raw);
    expect(digest(big?.body ?? Buffer.alloc(0))).toBe(digest(body));
    expect(small?.body.toString()).toBe('next');
    usedKernel();
  });

  it('relays a large chunked response as it came, chunk sizes and lines split across reads', async () => {
    const data = pattern(BIG, 7);
    // Large chunks of many sizes, one with an extension, then one whose size line is longer than what
    // the relay shows, then small ones (both go back to JS at the boundary); written in pieces that cut
    // size lines and CRLFs.
    const framed: Buffer[] = [];
    let at = 0;
    const sizes = [70_000, 200_000, 65_536, 100_001];
    for (let i = 0; at < data.length; i++) {
      const left = data.length - at;
      const size = left < 40_000 ? Math.min(7, left) : Math.min(sizes[i % sizes.length] as number, left);
      const ext = i === 3 ? ';name=value' : i === 20 ? `;long=${'v'.repeat(600)}` : '';
      framed.push(
        Buffer.from(`${size.toString(16)}${ext}\r\n`),
        data.subarray(at, at + size),
        Buffer.from('\r\n'),
      );
      at += size;
    }
    framed.push(Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'));
    const wire = Buffer.concat(framed);
    const cuts: Buffer[] = [];
    for (let i = 0; i < wire.length;) {
      const step = [5, 100_000, 1, 2, 300_000, 7][cuts.length % 6] as number;
      cuts.push(wire.subarray(i, i + step));
      i += step;
    }
    const { listenPath } = await proxyFor(async (socket, seen) => {
      if (seen.head.startsWith('GET /chunked ')) {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        await writeSlowly(socket, cuts, 1);
      } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
    });
    mark();
    const raw = await talk(
      listenPath,
      'GET /chunked HTTP/1.1\r\nHost: d\r\n\r\nGET /small HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n',
    );
    // The engine's framing passes as it came: the bytes after the head are the engine's exactly.
    const headEnd = raw.indexOf('\r\n\r\n') + 4;
    expect(digest(raw.subarray(headEnd, headEnd + wire.length))).toBe(digest(wire));
    const [chunked, small] = responses(raw);
    expect(digest(chunked?.body ?? Buffer.alloc(0))).toBe(digest(data));
    expect(small?.body.toString()).toBe('next');
    usedKernel();
  });

  it('loses no byte when a small chunk follows large ones while the client reads slowly', async () => {
    // The relay still holds bytes for a slow client when small chunks' framing arrives; the planner
    // hands the stream back to JS there, and what the relay held must reach the client first.
    const data = pattern(12 << 20, 9);
    const { listenPath } = await proxyFor(async (socket, seen) => {
      if (!seen.head.startsWith('GET /mixed ')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
        return;
      }
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      for (let at = 0, i = 0; at < data.length; i++) {
        const piece = data.subarray(at, at + (i % 12 >= 7 ? 100 : 200 * 1024));
        at += piece.length;
        socket.write(`${piece.length.toString(16)}\r\n`);
        socket.write(piece);
        if (!socket.write('\r\n')) await once(socket, 'drain');
      }
      socket.write('0\r\n\r\n');
    });
    mark();
    const raw = await talk(
      listenPath,
      'GET /mixed HTTP/1.1\r\nHost: d\r\n\r\nGET /small HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n',
      true,
    );
    const [mixed, small] = responses(raw);
    expect(mixed?.body.length).toBe(data.length);
    expect(digest(mixed?.body ?? Buffer.alloc(0))).toBe(digest(data));
    expect(small?.body.toString()).toBe('next');
    usedKernel();
  }, 20_000);

  // Go's server writes 32 KiB chunks, the size line with the data; Docker flushes after each, so the
  // CRLF after the data goes alone (written here with a pause after some, so those arrive alone).
  for (const { name, chunks, loneCrlf } of [
    { name: 'CRLFs with the next size line', chunks: 512, loneCrlf: false },
    { name: 'CRLFs flushed alone', chunks: 128, loneCrlf: true },
  ])
    it(`relays Docker's own chunked stream in the kernel, chunk after chunk, framing as it came: ${name}`, async () => {
      const data = pattern(chunks * 0x8000, 11);
      const wire: Buffer[] = [];
      for (let i = 0; i < chunks; i++)
        if (loneCrlf)
          wire.push(
            ...(i === 0 ? [] : [Buffer.from('\r\n')]),
            Buffer.concat([Buffer.from('8000\r\n'), data.subarray(i * 0x8000, (i + 1) * 0x8000)]),
          );
        else
          wire.push(
            Buffer.from(i === 0 ? '8000\r\n' : '\r\n8000\r\n'),
            data.subarray(i * 0x8000, (i + 1) * 0x8000),
          );
      wire.push(Buffer.from('\r\n0\r\n\r\n'));
      const { listenPath } = await proxyFor(async (socket, seen) => {
        if (!seen.head.startsWith('GET /images/big/get ')) {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
          return;
        }
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n',
        );
        // With lone CRLFs, a pause after every fourth: between, the reads show a large body.
        for (const [i, piece] of wire.entries()) {
          if (!socket.write(piece)) await once(socket, 'drain');
          if (loneCrlf && piece.length === 2 && i % 8 === 1) await pause(1);
        }
      });
      mark();
      const followedBefore = spliceCounts.chunksFollowed;
      const raw = await talk(
        listenPath,
        'GET /images/big/get HTTP/1.1\r\nHost: d\r\n\r\nGET /small HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n',
      );
      const headEnd = raw.indexOf('\r\n\r\n') + 4;
      const framed = Buffer.concat(wire);
      expect(digest(raw.subarray(headEnd, headEnd + framed.length))).toBe(digest(framed));
      const [image, small] = responses(raw);
      expect(digest(image?.body ?? Buffer.alloc(0))).toBe(digest(data));
      expect(small?.body.toString()).toBe('next');
      usedKernel();
      // Most chunks never went through JavaScript (the first ones may, before a read shows a large body).
      const followed = spliceCounts.chunksFollowed - followedBefore;
      if (zeroCopy.available) expect(followed).toBeGreaterThan(chunks / 2);
      else expect(followed).toBe(0);
    }, 20_000);

  /** Docker's framing of `data` (32 KiB chunks, each CRLF flushed alone), without the last chunk. */
  const dockerChunks = (data: Buffer): Buffer[] => {
    const wire: Buffer[] = [];
    for (let at = 0; at < data.length; at += 0x8000)
      wire.push(
        Buffer.concat([Buffer.from('8000\r\n'), data.subarray(at, at + 0x8000)]),
        Buffer.from('\r\n'),
      );
    return wire;
  };
  /** An engine that answers a bulk download as Go's server does when asked to close: chunked, then closes. */
  const closingEngine = (wire: Buffer[]) => async (socket: net.Socket, seen: Seen) => {
    if (!/\r\nconnection: close\r\n/i.test(`${seen.head}\r\n`)) {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
      return;
    }
    socket.write(
      'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    await writeSlowly(socket, wire, 0);
    socket.end();
  };

  it('asks the engine to close after a bulk download, relays it to that close as it came, and closes after', async () => {
    const data = pattern(256 * 0x8000, 13);
    const wire = [...dockerChunks(data), Buffer.from('0\r\n\r\n')];
    const { listenPath, seen } = await proxyFor(closingEngine(wire));
    mark();
    const followedBefore = spliceCounts.chunksFollowed;
    const raw = await talk(
      listenPath,
      'GET /v1.41/images/get?names=big HTTP/1.1\r\nHost: d\r\n\r\nGET /small HTTP/1.1\r\nHost: d\r\n\r\n',
    );
    // The engine was asked to close, and so was the client's connection: the pipelined GET went nowhere.
    expect(seen.map((request) => request.head.split('\r\n')[0])).toEqual([
      'GET /v1.41/images/get?names=big HTTP/1.1',
    ]);
    expect(seen[0]?.head).toMatch(/\r\nConnection: close(\r\n|$)/);
    const headEnd = raw.indexOf('\r\n\r\n') + 4;
    expect(raw.toString('latin1', 0, headEnd)).toMatch(/\r\nConnection: close\r\n/);
    // Framing and data exactly as the engine sent them, and nothing after.
    expect(digest(raw.subarray(headEnd))).toBe(digest(Buffer.concat(wire)));
    expect(digest(responses(raw)[0]?.body ?? Buffer.alloc(0))).toBe(digest(data));
    usedKernel();
    // One move to the close: the relay followed no chunk.
    expect(spliceCounts.chunksFollowed - followedBefore).toBe(0);
  }, 20_000);

  it('passes a bulk download the engine cut short on cut short, and closes', async () => {
    const data = pattern(64 * 0x8000, 17);
    // No last chunk: the engine went away mid-save.
    const { listenPath } = await proxyFor(closingEngine(dockerChunks(data)));
    mark();
    const raw = await talk(listenPath, 'GET /containers/ci/export HTTP/1.1\r\nHost: d\r\n\r\n');
    const headEnd = raw.indexOf('\r\n\r\n') + 4;
    // Every byte the engine sent, and no last chunk: the client's parser sees the body unfinished.
    expect(digest(raw.subarray(headEnd))).toBe(digest(Buffer.concat(dockerChunks(data))));
    expect(raw.subarray(-7).toString('latin1')).not.toContain('0\r\n\r\n');
    usedKernel();
  }, 20_000);

  it('cuts the client off when the engine sends a malformed chunk mid-stream', async () => {
    const { listenPath } = await proxyFor(async (socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      await writeSlowly(socket, [Buffer.from('100000\r\n'), pattern(1 << 20), Buffer.from('\r\nzz\r\n')], 5);
    });
    const socket = net.connect(listenPath);
    await once(socket, 'connect');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.write('GET /bad HTTP/1.1\r\nHost: d\r\n\r\n');
    await once(socket, 'close');
    expect(bytes).toBeGreaterThan(1 << 20);
    expect(bytes).toBeLessThan((1 << 20) + 200);
  });

  it('relays a body delimited by closing to an HTTP/1.0 client, to its end', async () => {
    const body = pattern(BIG, 3);
    const { listenPath } = await proxyFor(async (socket) => {
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
      await writeSlowly(socket, [body.subarray(0, 100_000), body.subarray(100_000)], 5);
      socket.end();
    });
    mark();
    const raw = await talk(listenPath, 'GET /x HTTP/1.0\r\n\r\n');
    const [response] = responses(raw);
    expect(digest(response?.body ?? Buffer.alloc(0))).toBe(digest(body));
    usedKernel();
  });

  it('cuts the client off when the engine closes before a sized body ended', async () => {
    const { listenPath } = await proxyFor(async (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG}\r\n\r\n`);
      await writeSlowly(socket, [pattern(1 << 20)], 5);
      socket.destroy();
    });
    const socket = net.connect(listenPath);
    await once(socket, 'connect');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.write('GET /short HTTP/1.1\r\nHost: d\r\n\r\n');
    await once(socket, 'close');
    expect(bytes).toBeLessThan(BIG);
  });

  it('forwards a large sized request body exactly, and parses the pipelined request after it', async () => {
    const body = pattern(BIG, 11);
    const { listenPath, seen } = await proxyFor((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    mark();
    const received = await upload(
      listenPath,
      `PUT /upload HTTP/1.1\r\nHost: d\r\nContent-Length: ${body.length}\r\n\r\n`,
      [
        body.subarray(0, 70_000),
        body.subarray(70_000),
        Buffer.from('GET /after HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n'),
      ],
      5,
    );
    expectUploadThenAfter(received, seen, body);
    usedKernel();
  });

  it('re-frames a large chunked request body (extensions and trailers dropped) and parses what follows', async () => {
    const data = pattern(BIG, 13);
    const framed: Buffer[] = [];
    let at = 0;
    // Large chunks (zero-copy), then a size line longer than the relay shows (back to JS), more
    // large ones and small ones (JS).
    const sizes = [100_000, 300_000, 65_536, 150_000, 32_768, 5];
    for (let i = 0; at < data.length; i++) {
      const size = Math.min(sizes[i % sizes.length] as number, data.length - at);
      framed.push(
        Buffer.from(
          `${size.toString(16)}${i === 2 ? ';x=y' : i === 7 ? `;long=${'v'.repeat(600)}` : ''}\r\n`,
        ),
        data.subarray(at, at + size),
        Buffer.from('\r\n'),
      );
      at += size;
    }
    framed.push(
      Buffer.from('0\r\nX-Sum: 1\r\n\r\nGET /after HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n'),
    );
    const wire = Buffer.concat(framed);
    const { listenPath, seen } = await proxyFor((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    mark();
    const cuts: Buffer[] = [];
    for (let i = 0; i < wire.length;) {
      const step = [3, 150_000, 1, 400_000, 9][cuts.length % 5] as number;
      cuts.push(wire.subarray(i, i + step));
      i += step;
    }
    const received = await upload(listenPath, CHUNKED_UPLOAD, cuts, 1);
    expectUploadThenAfter(received, seen, data);
    expect(seen[0]?.head).not.toMatch(/X-Sum/);
    usedKernel();
  });

  // Node's http client (and a slow network) can deliver a chunk's CRLF before the next size line, or
  // a size line in two pieces: the relay must wait for the rest of the framing, not hand the rest of
  // the upload to JS.
  it('keeps a chunked upload in the kernel when framing arrives in pieces between large chunks', async () => {
    const CHUNK = 0x40000;
    const count = 12;
    const data = pattern(CHUNK * count, 17);
    const pieces: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const chunk = data.subarray(i * CHUNK, (i + 1) * CHUNK);
      if (i === 0) pieces.push(Buffer.concat([Buffer.from('40000\r\n'), chunk]));
      // The CRLF alone, then the size line with the data.
      else if (i % 2 === 1)
        pieces.push(Buffer.from('\r\n'), Buffer.concat([Buffer.from('40000\r\n'), chunk]));
      // The size line cut after its first digit.
      else pieces.push(Buffer.from('\r\n4'), Buffer.concat([Buffer.from('0000\r\n'), chunk]));
    }
    pieces.push(Buffer.from('\r\n0\r\n\r\nGET /after HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n'));
    const { listenPath, seen } = await proxyFor((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    mark();
    const movedBefore = spliceCounts.bytesMoved;
    const received = await upload(listenPath, CHUNKED_UPLOAD, pieces, 3);
    expectUploadThenAfter(received, seen, data);
    usedKernel();
    // All but what JS read before the relay took over went through the kernel.
    const moved = spliceCounts.bytesMoved - movedBefore;
    if (zeroCopy.available) expect(moved).toBeGreaterThan(data.length - 2 * CHUNK);
    else expect(moved).toBe(0);
  });

  it('refuses a chunked request body that turns malformed mid-stream, 400, and forwards no later request', async () => {
    const { listenPath, seen } = await proxyFor((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const raw = await talk(
      listenPath,
      Buffer.concat([
        Buffer.from('PUT /upload HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n'),
        pattern(1 << 20),
        Buffer.from('\r\n1\nGET /smuggled HTTP/1.1\r\nHost: d\r\n\r\n'),
      ]),
    );
    expect(raw.toString('latin1')).toMatch(/^HTTP\/1\.1 400 /);
    expect(seen.map((request) => request.head)).not.toContainEqual(expect.stringContaining('/smuggled'));
  });

  it('reads a body the gate judges whole, as before, however large', async () => {
    const body = Buffer.from(JSON.stringify({ data: pattern(200_000).toString('base64') }));
    let judged: Buffer | null = null;
    const gate: RequestGate = {
      needsBody: () => true,
      decide: async (_head, seenBody) => {
        judged = seenBody;
        return { kind: 'forward' };
      },
    };
    const { listenPath, seen } = await proxyFor((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    }, gate);
    const raw = await talk(
      listenPath,
      `POST /judged HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body.toString()}`,
    );
    expect(responses(raw)[0]?.body.toString()).toBe('ok');
    expect(digest(judged ?? Buffer.alloc(0))).toBe(digest(body));
    expect(digest(seen[0]?.body ?? Buffer.alloc(0))).toBe(digest(body));
  });

  it('relays a hijacked stream both ways, each end passed on alone (half-close)', async () => {
    const up = pattern(BIG, 17);
    const down = pattern(BIG, 19);
    let engineGot: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
    const { listenPath } = await proxyFor((socket) => {
      socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      socket.removeAllListeners('data');
      const got: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => got.push(chunk));
      engineGot = once(socket, 'end').then(async () => {
        // The client's end came through; the engine still answers, then ends its side.
        await writeSlowly(socket, [down.subarray(0, 500_000), down.subarray(500_000)], 5);
        socket.end();
        return Buffer.concat(got);
      });
    });
    mark();
    const socket = net.connect({ path: listenPath, allowHalfOpen: true });
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = once(socket, 'end');
    socket.write(
      'POST /containers/c/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    await pause(20);
    await writeSlowly(socket, [up.subarray(0, 100_000), up.subarray(100_000)], 5);
    socket.end();
    await ended;
    socket.destroy();
    const raw = Buffer.concat(chunks);
    const headEnd = raw.indexOf('\r\n\r\n') + 4;
    expect(raw.toString('latin1', 0, headEnd)).toMatch(/^HTTP\/1\.1 101 /);
    expect(digest(raw.subarray(headEnd))).toBe(digest(down));
    expect(digest(await engineGot)).toBe(digest(up));
    usedKernel();
  });
});
