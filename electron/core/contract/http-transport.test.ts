import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoEngine, type DemoEngine } from '../../../test/fixtures/demo-engine.js';
import { startUiServer, type UiServer } from './http-transport.js';

let dir: string;
let engine: DemoEngine;
let server: UiServer;
let base: URL;

beforeAll(async () => {
  // dir/renderer is served; dir/outside.txt sits right beside it and must never be.
  dir = await mkdtemp(join(tmpdir(), 'sw-ui-'));
  await mkdir(join(dir, 'renderer'));
  await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Socket Warden</title>');
  await writeFile(join(dir, 'outside.txt'), 'secret');
  engine = createDemoEngine();
  server = await startUiServer({
    handlers: engine.handlers,
    events: engine.events,
    staticDir: join(dir, 'renderer'),
  });
  base = new URL(server.url);
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so the test controls the Host header the way a rebinding attacker would. */
function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const call = (name: string, input: unknown, headers: Record<string, string> = {}) =>
  send(`/api/call/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, ...headers },
    body: JSON.stringify({ input }),
  });

describe('startUiServer', () => {
  it('prints a loopback URL carrying a long random token', () => {
    expect(base.hostname).toBe('127.0.0.1');
    expect(base.searchParams.get('token')).toBe(server.token);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
  });

  it('answers a contract call in the envelope', async () => {
    const answer = await call('setEnforcement', { enforcing: false });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: true, value: { enforcing: false } });
    expect(engine.state().policy.enforcing).toBe(false);
  });

  it('refuses a call without the token, or with a wrong one, before running it', async () => {
    const before = engine.state().policy.enforcing;
    const none = await send('/api/call/setEnforcement', {
      method: 'POST',
      body: JSON.stringify({ input: { enforcing: !before } }),
    });
    const wrong = await call(
      'setEnforcement',
      { enforcing: !before },
      { Authorization: `Bearer ${'x'.repeat(server.token.length)}` },
    );
    expect(none.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(engine.state().policy.enforcing).toBe(before);
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const answer = await call('getState', undefined, { Host: `evil.example:${base.port}` });
    expect(answer.status).toBe(421);
    const page = await send('/', { headers: { Host: 'evil.example' } });
    expect(page.status).toBe(421);
  });

  it('accepts localhost as well as the bound address', async () => {
    const answer = await call('getStatus', undefined, { Host: `localhost:${base.port}` });
    expect(answer.status).toBe(200);
  });

  it('refuses a call from another origin', async () => {
    const answer = await call('getState', undefined, { Origin: 'http://evil.example' });
    expect(answer.status).toBe(403);
  });

  it('reports invalid input with the contract error, not a crash', async () => {
    const answer = await call('repullImage', { image: '' });
    expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const notJson = await send('/api/call/getState', {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}` },
      body: '{',
    });
    expect(notJson.status).toBe(400);
  });

  it('serves the pane with a strict Content-Security-Policy and no referrer', async () => {
    const page = await send('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Socket Warden');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('does not serve files outside the renderer build', async () => {
    const escaped = await send('/..%2foutside.txt');
    expect(escaped.status).toBe(404);
    expect(escaped.body).not.toContain('secret');
  });

  it('streams pushed events to a subscriber that has the token', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: base.hostname, port: base.port, path: `/api/events?token=${server.token}` },
        (res) => {
          expect(res.headers['content-type']).toContain('text/event-stream');
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (text.includes('event: denial')) {
              req.destroy();
              resolve(text);
            }
          });
          // Once the stream is open, the engine records a denial.
          setTimeout(
            () =>
              engine.deny({
                kind: 'socket-mount-denied',
                requester: { kind: 'host' },
                request: { method: 'POST', uri: '/v1.41/containers/create' },
                image: 'docker.io/library/alpine:latest',
                reason: 'not-allowed',
                message: 'denied',
              }),
            50,
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    const text = await received;
    const data = /event: denial\ndata: (.*)\n/.exec(text)?.[1];
    expect(JSON.parse(data ?? '{}')).toMatchObject({
      image: 'docker.io/library/alpine:latest',
      reason: 'not-allowed',
    });
  });

  it('refuses the event stream without the token', async () => {
    const answer = await send('/api/events');
    expect(answer.status).toBe(401);
  });
});
