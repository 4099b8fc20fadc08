// The limits one client of the proxy lives within, against a scripted engine that answers every
// request 200: deadlines, caps, body size, judging turns, and the main socket's own budget.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROXY_LIMITS, proxyLimits, type ClientLimits } from './client-limits.js';
import { ProxyClients, type ProxyClient } from './proxy-clients.js';
import { sizeWords } from './proxy-connection.js';
import { ProxyServer } from './proxy-server.js';
import type { RequestGate } from './request-gate.js';
import { Upstream } from './upstream.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const small: ClientLimits = {
  maxConnections: 4,
  maxHeldBytes: 1 << 20,
  headTimeoutMs: 300,
  maxTargetBytes: 200,
  bodyTimeoutMs: 300,
  idleTimeoutMs: 600,
  maxJudgedBodyBytes: 1000,
  maxJudgedBodyValues: 50,
  maxConcurrentJudgements: 1,
  turnTargetBytes: 100,
};

/** Judges every POST's body whole; `decide` may be slowed to see turns taken one at a time. */
function judgingGate(decideMs = 0): RequestGate & { judging: number; mostAtOnce: number } {
  const gate = {
    judging: 0,
    mostAtOnce: 0,
    needsBody: (head: { method: string }) => head.method === 'POST',
    decide: async () => {
      gate.judging += 1;
      gate.mostAtOnce = Math.max(gate.mostAtOnce, gate.judging);
      await new Promise((resolve) => setTimeout(resolve, decideMs));
      gate.judging -= 1;
      return { kind: 'forward' as const };
    },
  };
  return gate;
}

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sw-limits-'));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function engineIn(dir: string): Promise<Upstream> {
  const enginePath = path.join(dir, 'engine.sock');
  const engine = net.createServer((socket) => {
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      // One answer per request head; bodies are not looked at.
      while (seen.includes('\r\n\r\n')) {
        seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK');
      }
    });
  });
  await new Promise<void>((resolve) => engine.listen(enginePath, resolve));
  const upstream = new Upstream(enginePath);
  cleanups.push(async () => {
    upstream.close();
    engine.close();
  });
  return upstream;
}

async function proxy(
  dir: string,
  upstream: Upstream,
  client: ProxyClient,
  gate: RequestGate = judgingGate(),
  name = 'proxy.sock',
): Promise<string> {
  const listenPath = path.join(dir, name);
  const server = await ProxyServer.listen({
    listenPath,
    upstream,
    gate,
    requester: { kind: 'container', id: 'c0ffee', name: 'probe', image: 'x' },
    client,
  });
  cleanups.push(() => server.close(50));
  return listenPath;
}

async function proxyWith(limits: Partial<ClientLimits> = {}, gate?: RequestGate): Promise<string> {
  const dir = await tempDir();
  return proxy(dir, await engineIn(dir), ProxyClients.alone({ ...small, ...limits }), gate);
}

interface Reply {
  text: string;
  /** Milliseconds from connecting to the proxy closing the connection. */
  closedAfterMs: number;
}

/** Sends `bytes` (without closing our side) and collects everything until the proxy closes. */
function send(socketPath: string, bytes: string | Buffer, giveUpMs = 5000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let text = '';
    const socket = net.connect(socketPath, () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs: Infinity });
    }, giveUpMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: performance.now() - started });
    });
    socket.on('error', (error) => (text ? undefined : reject(error)));
  });
}

const statusOf = (reply: Reply): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply.text)?.[1]);
const messageOf = (reply: Reply): string =>
  (JSON.parse(reply.text.slice(reply.text.indexOf('\r\n\r\n') + 4)) as { message: string }).message;

const post = (body: string, extra = ''): string =>
  `POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('sizeWords', () => {
  it.each([
    [1 << 20, '1 MiB'],
    [4 << 20, '4 MiB'],
    [64 << 10, '64 KiB'],
    [1000, '1000 bytes'],
  ])('%i is %s', (bytes, words) => expect(sizeWords(bytes)).toBe(words));
});

describe('proxyLimits', () => {
  it('gives the defaults, with overrides applied part by part', () => {
    const limits = proxyLimits({ container: { maxConnections: 8 } });
    expect(limits.container).toEqual({ ...DEFAULT_PROXY_LIMITS.container, maxConnections: 8 });
    expect(limits.host).toEqual(DEFAULT_PROXY_LIMITS.host);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %s', (value) => {
    expect(() => proxyLimits({ host: { headTimeoutMs: value } })).toThrow(/host\.headTimeoutMs/);
  });
});

describe('deadlines', () => {
  it.each([
    ['half a request line', 'GET /_pi'],
    ['a head without its end', 'GET /_ping HTTP/1.1\r\nHost: d\r\n'],
  ])('a head still unfinished at the deadline (%s) is answered 408 and closed', async (_, bytes) => {
    const reply = await send(await proxyWith(), bytes);
    expect(statusOf(reply)).toBe(408);
    expect(messageOf(reply)).toBe('socket-warden: request head not received within 0.3 s');
    expect(reply.closedAfterMs).toBeGreaterThan(250);
    expect(reply.closedAfterMs).toBeLessThan(2000);
  });

  it('a head sent a byte at a time still has one deadline, from its first byte', async () => {
    const socketPath = await proxyWith();
    const started = performance.now();
    const socket = net.connect(socketPath);
    const drip = setInterval(() => socket.write('X'), 50);
    // Answered at the deadline (then cut after the linger, as it never closes its side).
    const closed = new Promise<number>((resolve) =>
      socket.once('data', () => resolve(performance.now() - started)),
    );
    socket.on('error', () => undefined);
    socket.write('GET /');
    const after = await closed;
    clearInterval(drip);
    socket.destroy();
    expect(after).toBeLessThan(1500);
  });

  it('a judged body still unfinished at the deadline is answered 408 and closed', async () => {
    const reply = await send(await proxyWith(), post('{"Image":"x"}').slice(0, -3));
    expect(statusOf(reply)).toBe(408);
    expect(messageOf(reply)).toBe('socket-warden: request body not received within 0.3 s');
  });

  it('an idle connection is closed quietly after the idle deadline, a served one too', async () => {
    const socketPath = await proxyWith();
    const idle = await send(socketPath, '');
    expect(idle.text).toBe('');
    expect(idle.closedAfterMs).toBeGreaterThan(550);
    expect(idle.closedAfterMs).toBeLessThan(3000);
    const served = await send(socketPath, 'GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n');
    expect(served.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nOK$/);
    expect(served.closedAfterMs).toBeGreaterThan(550);
  });

  it('a request in flight has no deadline (a slow engine answer is waited for)', async () => {
    const reply = await send(await proxyWith({}, judgingGate(700)), post('{}', 'Connection: close\r\n'));
    expect(statusOf(reply)).toBe(200);
  });
});

describe('bodies judged whole', () => {
  it.each([
    ['announced larger by Content-Length (refused unread)', post('x'.repeat(1001))],
    [
      'chunked, found larger as it is read',
      `POST /containers/create HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n${'258\r\n' + 'x'.repeat(600) + '\r\n'}${'258\r\n' + 'x'.repeat(600) + '\r\n'}0\r\n\r\n`,
    ],
  ])('a body over the limit, %s, is answered 413 and closed', async (_, request) => {
    const reply = await send(await proxyWith(), request);
    expect(statusOf(reply)).toBe(413);
    expect(messageOf(reply)).toBe(
      'socket-warden: request body larger than 1000 bytes, the most Socket Warden reads to judge a request',
    );
  });

  it('a client still sending a refused body reads its 413, never a reset', async () => {
    const socketPath = await proxyWith({ maxConnections: 16 });
    const big = Buffer.alloc(4 << 20, 'x');
    const replies = await Promise.all(
      Array.from({ length: 12 }, () =>
        send(
          socketPath,
          Buffer.concat([
            Buffer.from(
              `POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: ${big.length}\r\n\r\n`,
            ),
            big,
          ]),
        ),
      ),
    );
    expect(replies.map(statusOf)).toEqual(Array.from({ length: 12 }, () => 413));
  });

  it('a body of more JSON values than the limit is answered 413 unjudged', async () => {
    const gate = judgingGate();
    const socketPath = await proxyWith({}, gate);
    const reply = await send(socketPath, post(`[${'0,'.repeat(50)}0]`));
    expect(statusOf(reply)).toBe(413);
    expect(messageOf(reply)).toBe(
      'socket-warden: request body holds more than 50 JSON values, the most Socket Warden judges',
    );
    expect(gate.mostAtOnce).toBe(0);
    const fits = await send(socketPath, post(`[${'0,'.repeat(48)}0]`, 'Connection: close\r\n'));
    expect(statusOf(fits)).toBe(200);
  });

  it('a body at the limit is judged and forwarded', async () => {
    const reply = await send(await proxyWith(), post('x'.repeat(1000), 'Connection: close\r\n'));
    expect(statusOf(reply)).toBe(200);
  });

  it('many judged on one keep-alive connection leave nothing behind on it', async () => {
    // A listener left per judged request (Testcontainers creates on one connection) grows without
    // bound; Node warns at the 11th.
    const warnings: string[] = [];
    const onWarning = (warning: Error): number => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    cleanups.push(async () => {
      process.off('warning', onWarning);
    });
    const requests = Array.from({ length: 40 }, (_, i) =>
      post('{}', i === 39 ? 'Connection: close\r\n' : ''),
    );
    const reply = await send(await proxyWith(), requests.join(''));
    expect(reply.text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(40);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });

  it('is judged a few at a time: the others wait their turn and are then served', async () => {
    const gate = judgingGate(100);
    const socketPath = await proxyWith({ maxConcurrentJudgements: 2, maxConnections: 8 }, gate);
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => send(socketPath, post('{}', 'Connection: close\r\n'))),
    );
    expect(replies.map(statusOf)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(gate.mostAtOnce).toBe(2);
  });
});

describe('heads', () => {
  it('a request-target longer than the limit is answered 414 unjudged', async () => {
    const reply = await send(await proxyWith(), `GET /${'a'.repeat(200)} HTTP/1.1\r\nHost: d\r\n\r\n`);
    expect(statusOf(reply)).toBe(414);
    expect(messageOf(reply)).toBe(
      'socket-warden: malformed request: request-target longer than 200 bytes, the most Socket Warden judges',
    );
  });

  it('a request line past the limit is refused 414 before the rest of the head is waited for', async () => {
    const reply = await send(await proxyWith({ headTimeoutMs: 5000 }), `GET /${'a'.repeat(300)}`);
    expect(statusOf(reply)).toBe(414);
    expect(reply.closedAfterMs).toBeLessThan(3000);
  });

  it('a head sent a byte per write is still found whole (its end straddles reads)', async () => {
    const socketPath = await proxyWith();
    const request = Buffer.from('GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n');
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      const writeByteByByte = async (): Promise<void> => {
        for (const byte of request) {
          socket.write(Buffer.from([byte]));
          await new Promise((next) => setImmediate(next));
        }
      };
      const socket = net.connect(socketPath, () => void writeByteByByte());
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
});

describe('long request-targets', () => {
  it('are judged in turns like whole bodies; short ones are not held back', async () => {
    const gate = judgingGate(100);
    const socketPath = await proxyWith({ maxConnections: 16 }, gate);
    const get = (target: string): string => `GET ${target} HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n`;
    const long = await Promise.all(
      Array.from({ length: 4 }, () => send(socketPath, get(`/${'a'.repeat(150)}`))),
    );
    expect(long.map(statusOf)).toEqual([200, 200, 200, 200]);
    expect(gate.mostAtOnce).toBe(1);
    gate.mostAtOnce = 0;
    await Promise.all(Array.from({ length: 4 }, () => send(socketPath, get('/_ping'))));
    expect(gate.mostAtOnce).toBe(4);
  });
});

describe('caps', () => {
  it('a connection past the cap is answered 429 at once; a slot frees when one closes', async () => {
    const socketPath = await proxyWith({ maxConnections: 3, idleTimeoutMs: 10_000 });
    const held = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect(socketPath, () => resolve(socket));
          }),
      ),
    );
    const refused = await send(socketPath, 'GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n');
    expect(statusOf(refused)).toBe(429);
    expect(messageOf(refused)).toMatch(
      /^socket-warden: too many connections from container "probe" \(3 at most/,
    );
    expect(refused.closedAfterMs).toBeLessThan(1000);
    held[0]?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const served = await send(socketPath, 'GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n');
    expect(statusOf(served)).toBe(200);
    for (const socket of held) socket.destroy();
  });

  it('unfinished heads past the bytes a client may hold are answered 429', async () => {
    const socketPath = await proxyWith({ maxHeldBytes: 100_000, headTimeoutMs: 5000, maxConnections: 8 });
    const half = `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(60_000)}`;
    const first = net.connect(socketPath, () => first.write(half));
    first.on('error', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await send(socketPath, half);
    expect(statusOf(second)).toBe(429);
    expect(messageOf(second)).toBe('socket-warden: too many request bytes held for container "probe"');
    first.destroy();
  });

  it('containers share one budget, and the main socket keeps its own', async () => {
    const dir = await tempDir();
    const upstream = await engineIn(dir);
    const clients = new ProxyClients(
      proxyLimits({
        container: { ...small, maxConnections: 3, idleTimeoutMs: 10_000 },
        containers: { maxConnections: 4 },
        host: { ...small, maxConnections: 2 },
      }),
    );
    const a = await proxy(dir, upstream, clients.container(), undefined, 'a.sock');
    const b = await proxy(dir, upstream, clients.container(), undefined, 'b.sock');
    const main = await proxy(dir, upstream, clients.host(), undefined, 'main.sock');
    const open = (socketPath: string): Promise<net.Socket> =>
      new Promise((resolve) => {
        const socket = net.connect(socketPath, () => resolve(socket));
        socket.on('error', () => undefined);
      });
    const held = [await open(a), await open(a), await open(a), await open(b)];
    // b has room of its own, but all containers together are at 4.
    const refused = await send(b, 'GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n');
    expect(statusOf(refused)).toBe(429);
    expect(messageOf(refused)).toBe(
      'socket-warden: too many connections from all containers together; the rest are refused until some close',
    );
    const ping = await send(main, 'GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n');
    expect(statusOf(ping)).toBe(200);
    for (const socket of held) socket.destroy();
  });
});
