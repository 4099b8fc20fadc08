import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, registryHttp } from './registry-http.js';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

/** A local server whose routes script the answers; every request is recorded. */
function scriptedServer(
  routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>,
): { start(): Promise<string>; stop(): Promise<void>; seen: Seen[] } {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const route = routes[(req.url ?? '').split('?')[0] ?? ''];
      if (route) route(req, res);
      else res.writeHead(404).end();
    });
  });
  return {
    seen,
    start: () =>
      new Promise((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A self-signed certificate for 127.0.0.1 (valid until 2125), trusted by nobody. */
const SELF_SIGNED = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg9tjvUKNIIr74tLjV
QuGhUqosi8fOIshOqyiHOhZ5KqKhRANCAAQX1wP2udQh3SG2XHoxPsbhlfdXesSq
6dAsqRhS7M8tW5Tc6rRaX3H2rcl8wDtz7PBIIq51eN9W+dDuaRj4nT/h
-----END PRIVATE KEY-----\n`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUZG6ulqcNryUFSFglvkxtl813TlEwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyOTExMTkyMloYDzIxMjYxMTA1
MTExOTIyWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQX1wP2udQh3SG2XHoxPsbhlfdXesSq6dAsqRhS7M8tW5Tc6rRaX3H2
rcl8wDtz7PBIIq51eN9W+dDuaRj4nT/ho2QwYjAdBgNVHQ4EFgQUuDwfFOzycUeu
8wQ1+bEFHPc3kYkwHwYDVR0jBBgwFoAUuDwfFOzycUeu8wQ1+bEFHPc3kYkwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IFW/UM2LD4mCKUj8fW4csb5yy9M2/mTJNRRpwQNl4LBFAiEAqgahg5rbyBeqDiLU
E0JEIEbmZlINL0fda75wkTvKcyE=
-----END CERTIFICATE-----\n`,
};

describe('registryHttp', () => {
  let base = '';
  let other = '';
  const main = scriptedServer({
    '/digest': (_req, res) => res.writeHead(200, { 'Docker-Content-Digest': 'sha256:abc' }).end(),
    '/json': (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"t"}'),
    '/moved': (_req, res) => res.writeHead(307, { Location: '/json' }).end(),
    '/see-other': (_req, res) => res.writeHead(303, { Location: '/json' }).end(),
    '/elsewhere': (_req, res) => res.writeHead(302, { Location: `${other}/landing` }).end(),
    '/loop': (_req, res) => res.writeHead(302, { Location: '/loop' }).end(),
    '/huge': (_req, res) => res.writeHead(200).end(Buffer.alloc(MAX_BODY_BYTES + 1)),
    '/slow': () => undefined,
  });
  const elsewhere = scriptedServer({ '/landing': (_req, res) => res.writeHead(200).end('landed') });

  beforeAll(async () => {
    base = await main.start();
    other = await elsewhere.start();
  });
  afterAll(async () => {
    await main.stop();
    await elsewhere.stop();
  });

  it('answers HEAD with status and headers, case-insensitively, and sends the headers given', async () => {
    const response = await registryHttp(`${base}/digest`, {
      method: 'HEAD',
      headers: { Authorization: 'Bearer x' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-content-digest')).toBe('sha256:abc');
    expect(response.headers.get('Docker-Content-Digest')).toBe('sha256:abc');
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(main.seen.at(-1)).toMatchObject({ method: 'HEAD', authorization: 'Bearer x' });
  });

  it('reads JSON and bytes bodies', async () => {
    expect(await (await registryHttp(`${base}/json`, { method: 'GET', headers: {} })).json()).toEqual({
      token: 't',
    });
    const bytes = await (await registryHttp(`${base}/json`, { method: 'GET', headers: {} })).arrayBuffer();
    expect(Buffer.from(bytes).toString('utf8')).toBe('{"token":"t"}');
  });

  it('follows a 307 keeping method and body, and a 303 as a GET without the body', async () => {
    await registryHttp(`${base}/moved`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(main.seen.at(-1)).toMatchObject({ method: 'POST', url: '/json', body: 'a=1' });
    const response = await registryHttp(`${base}/see-other`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(response.status).toBe(200);
    expect(main.seen.at(-1)).toMatchObject({ method: 'GET', url: '/json', body: '', contentType: undefined });
  });

  it('does not carry Authorization to another origin on a redirect', async () => {
    const response = await registryHttp(`${base}/elsewhere`, {
      method: 'GET',
      headers: { Authorization: 'Basic c2VjcmV0' },
    });
    expect(response.status).toBe(200);
    expect(main.seen.at(-1)?.authorization).toBe('Basic c2VjcmV0');
    expect(elsewhere.seen.at(-1)).toMatchObject({ url: '/landing', authorization: undefined });
  });

  it('gives up on a redirect loop as fetch does', async () => {
    await expect(registryHttp(`${base}/loop`, { method: 'GET', headers: {} })).rejects.toMatchObject({
      message: 'fetch failed',
      cause: { message: 'redirect count exceeded' },
    });
  });

  it('refuses to read a body past the bound, but still reports the status', async () => {
    const response = await registryHttp(`${base}/huge`, { method: 'GET', headers: {} });
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow(/larger than/);
  });

  it('rejects with the signal reason when aborted (a timeout says TimeoutError)', async () => {
    await expect(
      registryHttp(`${base}/slow`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(50) }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('rejects a refused connection as fetch does, the system error as the cause', async () => {
    const closed = scriptedServer({});
    const url = await closed.start();
    await closed.stop();
    await expect(registryHttp(`${url}/`, { method: 'HEAD', headers: {} })).rejects.toMatchObject({
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('speaks TLS to https registries and checks their certificate', async () => {
    const server = https.createServer(SELF_SIGNED, (_req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      await expect(
        registryHttp(`https://127.0.0.1:${port}/v2/`, { method: 'HEAD', headers: {} }),
      ).rejects.toMatchObject({ message: 'fetch failed', cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
