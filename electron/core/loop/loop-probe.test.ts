import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestHead } from '../proxy/request-head.js';
import { LOOP_STATUS, LoopGuard } from './loop-guard.js';
import { probeForLoop, type ProbeFinding } from './loop-probe.js';

let dir: string;
const servers: http.Server[] = [];

/** An upstream on a unix socket of its own that answers as `answer` says. */
async function upstream(
  name: string,
  answer: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<string> {
  const socketPath = path.join(dir, `${name}.sock`);
  const server = http.createServer(answer);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return socketPath;
}

const headOf = (request: http.IncomingMessage): RequestHead => {
  const headers: [string, string][] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2)
    headers.push([request.rawHeaders[i] ?? '', request.rawHeaders[i + 1] ?? '']);
  return {
    method: request.method ?? 'GET',
    target: request.url ?? '/',
    httpVersion: '1.1',
    headers,
    body: { kind: 'none' },
    keepAlive: false,
    connection: [],
    upgrade: null,
    expectContinue: false,
  };
};

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sw-probe-'));
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await fs.rm(dir, { recursive: true, force: true });
});

describe('probeForLoop', () => {
  it.each<[string, 'engine' | 'back-to-us' | 'loop-elsewhere' | 'silent' | 'absent', ProbeFinding]>([
    ['an engine answers', 'engine', 'no-loop'],
    ['the probe comes back to us (our guard sees it)', 'back-to-us', 'loop'],
    ['another Socket Warden refuses it as its own loop', 'loop-elsewhere', 'unknown'],
    ['an upstream that never answers', 'silent', 'unknown'],
    ['no upstream at all', 'absent', 'unknown'],
  ])('%s', async (name, kind, expected) => {
    const guard = new LoopGuard({ instanceId: 'c'.repeat(32), upstream: 'x', listen: 'y' });
    const gate = guard.gate({ needsBody: () => false, decide: () => ({ kind: 'forward' }) });
    const socketPath =
      kind === 'absent'
        ? path.join(dir, 'absent.sock')
        : await upstream(name.replace(/\W+/g, '-'), (request, response) => {
            if (kind === 'silent') return;
            if (kind === 'back-to-us') void gate.decide(headOf(request), null, { kind: 'host' });
            response.writeHead(kind === 'engine' ? 200 : LOOP_STATUS).end('OK');
          });
    expect(await probeForLoop(socketPath, guard, 200)).toBe(expected);
  });

  it('sends our id in the hop field', async () => {
    let seen: string | undefined;
    const socketPath = await upstream('echo', (request, response) => {
      seen = request.headers['x-socket-warden-hop'] as string | undefined;
      response.end('OK');
    });
    const guard = new LoopGuard({ instanceId: 'd'.repeat(32), upstream: 'x', listen: 'y' });
    await probeForLoop(socketPath, guard);
    expect(seen).toBe('d'.repeat(32));
  });
});
