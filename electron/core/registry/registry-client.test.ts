import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CredentialSource, RegistryCredential } from './docker-credentials.js';
import { MANIFEST_MEDIA_TYPES, RegistryClient } from './registry-client.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;

interface Seen {
  method: string;
  url: string;
  headers: Headers;
  body?: string;
}

/** A scripted registry: `answer` decides each response; every request is recorded. */
function fakeFetch(answer: (request: Seen) => Response | Promise<Response>): {
  fetch: typeof fetch;
  seen: Seen[];
} {
  const seen: Seen[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request: Seen = {
      method: init?.method ?? 'GET',
      url: String(input),
      headers: new Headers(init?.headers),
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    };
    seen.push(request);
    return answer(request);
  };
  return { fetch: fn as typeof fetch, seen };
}

const noCredentials: CredentialSource = { credentialFor: async () => undefined };
const credentials = (credential: RegistryCredential): CredentialSource => ({
  credentialFor: async () => credential,
});
const found = (digest = DIGEST): Response =>
  new Response(null, { status: 200, headers: { 'Docker-Content-Digest': digest } });
const target = { registry: '127.0.0.1:5000', repository: 'team/app', reference: '1' };

describe('RegistryClient.manifestDigest', () => {
  it('sends HEAD with every manifest media type and returns Docker-Content-Digest', async () => {
    const { fetch, seen } = fakeFetch(() => found());
    const client = new RegistryClient({ fetch, credentials: noCredentials });
    expect(await client.manifestDigest(target)).toEqual({ status: 'found', digest: DIGEST });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('HEAD');
    expect(seen[0]?.url).toBe('http://127.0.0.1:5000/v2/team/app/manifests/1');
    const accept = seen[0]?.headers.get('accept') ?? '';
    for (const type of MANIFEST_MEDIA_TYPES) expect(accept).toContain(type);
  });

  it('talks https to Docker Hub at registry-1.docker.io, http to insecure registries', async () => {
    const { fetch, seen } = fakeFetch(() => found());
    const client = new RegistryClient({
      fetch,
      credentials: noCredentials,
      insecureRegistries: ['registry.lan:5000'],
    });
    await client.manifestDigest({ registry: 'docker.io', repository: 'library/docker', reference: 'cli' });
    await client.manifestDigest({ registry: 'registry.lan:5000', repository: 'a', reference: 'b' });
    await client.manifestDigest({ registry: 'ghcr.io', repository: 'a', reference: 'b' });
    expect(seen.map((s) => s.url)).toEqual([
      'https://registry-1.docker.io/v2/library/docker/manifests/cli',
      'http://registry.lan:5000/v2/a/manifests/b',
      'https://ghcr.io/v2/a/manifests/b',
    ]);
  });

  it.each([
    [404, 'not-found'],
    [403, 'denied'],
    [429, 'unreachable'],
    [500, 'unreachable'],
  ])('maps HTTP %i to %s', async (status, result) => {
    const { fetch } = fakeFetch(() => new Response(null, { status }));
    expect(
      (await new RegistryClient({ fetch, credentials: noCredentials }).manifestDigest(target)).status,
    ).toBe(result);
  });

  it('follows the anonymous bearer flow and reuses the token', async () => {
    const { fetch, seen } = fakeFetch((r) => {
      if (r.url.startsWith('http://auth.test/token')) {
        return Response.json({ token: 'tok-1', expires_in: 300 });
      }
      if (r.headers.get('authorization') !== 'Bearer tok-1') {
        return new Response(null, {
          status: 401,
          headers: { 'WWW-Authenticate': 'Bearer realm="http://auth.test/token",service="reg"' },
        });
      }
      return found();
    });
    const client = new RegistryClient({ fetch, credentials: noCredentials });
    expect(await client.manifestDigest(target)).toEqual({ status: 'found', digest: DIGEST });
    expect(await client.manifestDigest({ ...target, reference: '2' })).toEqual({
      status: 'found',
      digest: DIGEST,
    });
    const token = new URL(seen[1]?.url ?? '');
    expect(token.searchParams.get('service')).toBe('reg');
    expect(token.searchParams.get('scope')).toBe('repository:team/app:pull');
    expect(seen[1]?.headers.get('authorization')).toBeNull();
    // 401, token, retry; then the second lookup authenticates up front with the cached token.
    expect(seen.map((s) => `${s.method} ${s.url.replace(/\?.*/, '')}`)).toEqual([
      'HEAD http://127.0.0.1:5000/v2/team/app/manifests/1',
      'GET http://auth.test/token',
      'HEAD http://127.0.0.1:5000/v2/team/app/manifests/1',
      'HEAD http://127.0.0.1:5000/v2/team/app/manifests/2',
    ]);
  });

  it('sends stored credentials to the token server', async () => {
    const { fetch, seen } = fakeFetch((r) =>
      r.url.startsWith('http://auth.test/')
        ? Response.json({ access_token: 'tok-u' })
        : r.headers.get('authorization') === 'Bearer tok-u'
          ? found()
          : new Response(null, {
              status: 401,
              headers: { 'WWW-Authenticate': 'Bearer realm="http://auth.test/t"' },
            }),
    );
    const client = new RegistryClient({
      fetch,
      credentials: credentials({ kind: 'basic', username: 'me', password: 'pw' }),
    });
    expect(await client.manifestDigest(target)).toEqual({ status: 'found', digest: DIGEST });
    expect(seen[1]?.headers.get('authorization')).toBe(`Basic ${Buffer.from('me:pw').toString('base64')}`);
    expect(new URL(seen[1]?.url ?? '').searchParams.get('account')).toBe('me');
  });

  it('trades an identity token with the OAuth2 refresh-token grant', async () => {
    const { fetch, seen } = fakeFetch((r) =>
      r.url === 'http://auth.test/t'
        ? Response.json({ access_token: 'tok-i' })
        : r.headers.get('authorization') === 'Bearer tok-i'
          ? found()
          : new Response(null, {
              status: 401,
              headers: { 'WWW-Authenticate': 'Bearer realm="http://auth.test/t",service="s"' },
            }),
    );
    const client = new RegistryClient({
      fetch,
      credentials: credentials({ kind: 'identity-token', token: 'refresh' }),
    });
    expect(await client.manifestDigest(target)).toEqual({ status: 'found', digest: DIGEST });
    expect(seen[1]?.method).toBe('POST');
    const form = new URLSearchParams(seen[1]?.body);
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe('refresh');
    expect(form.get('scope')).toBe('repository:team/app:pull');
    expect(form.get('service')).toBe('s');
  });

  it('is denied when the token does not grant access', async () => {
    const { fetch, seen } = fakeFetch((r) =>
      r.url.startsWith('http://auth.test/')
        ? Response.json({ token: 'weak' })
        : new Response(null, {
            status: 401,
            headers: { 'WWW-Authenticate': 'Bearer realm="http://auth.test/t",error="insufficient_scope"' },
          }),
    );
    const result = await new RegistryClient({ fetch, credentials: noCredentials }).manifestDigest(target);
    expect(result).toMatchObject({ status: 'denied' });
    if (result.status === 'denied') expect(result.error).toContain('insufficient_scope');
    expect(seen).toHaveLength(3); // no endless retrying
  });

  it('is denied when the token server refuses the credentials', async () => {
    const { fetch } = fakeFetch((r) =>
      r.url.startsWith('http://auth.test/')
        ? new Response('nope', { status: 401 })
        : new Response(null, {
            status: 401,
            headers: { 'WWW-Authenticate': 'Bearer realm="http://auth.test/t"' },
          }),
    );
    const client = new RegistryClient({
      fetch,
      credentials: credentials({ kind: 'basic', username: 'u', password: 'bad' }),
    });
    expect(await client.manifestDigest(target)).toMatchObject({
      status: 'denied',
      error: expect.stringContaining('stored credentials'),
    });
  });

  it('answers Basic challenges with stored credentials, and is denied without them', async () => {
    const expected = `Basic ${Buffer.from('u:p').toString('base64')}`;
    const { fetch } = fakeFetch((r) =>
      r.headers.get('authorization') === expected
        ? found()
        : new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="reg"' } }),
    );
    const withCreds = new RegistryClient({
      fetch,
      credentials: credentials({ kind: 'basic', username: 'u', password: 'p' }),
    });
    expect(await withCreds.manifestDigest(target)).toEqual({ status: 'found', digest: DIGEST });
    const without = await new RegistryClient({ fetch, credentials: noCredentials }).manifestDigest(target);
    expect(without).toMatchObject({
      status: 'denied',
      error: expect.stringContaining('docker login 127.0.0.1:5000'),
    });
  });

  it('hashes the manifest itself when HEAD carries no digest', async () => {
    const manifest = '{"schemaVersion":2}';
    const { fetch, seen } = fakeFetch((r) =>
      r.method === 'HEAD' ? new Response(null, { status: 200 }) : new Response(manifest, { status: 200 }),
    );
    const result = await new RegistryClient({ fetch, credentials: noCredentials }).manifestDigest(target);
    expect(result).toEqual({
      status: 'found',
      digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    });
    expect(seen.map((s) => s.method)).toEqual(['HEAD', 'GET']);
  });

  it('rejects a malformed digest header', async () => {
    const { fetch } = fakeFetch(() => found('md5:abc'));
    expect(
      await new RegistryClient({ fetch, credentials: noCredentials }).manifestDigest(target),
    ).toMatchObject({
      status: 'unreachable',
    });
  });

  it('reports connection failures and timeouts as unreachable', async () => {
    const refused = fakeFetch(() => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' }),
      });
    });
    expect(
      await new RegistryClient({ fetch: refused.fetch, credentials: noCredentials }).manifestDigest(target),
    ).toEqual({
      status: 'unreachable',
      error: '127.0.0.1:5000: connect ECONNREFUSED 127.0.0.1:5000',
    });

    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const started = Date.now();
    const result = await new RegistryClient({
      fetch: hanging,
      credentials: noCredentials,
      timeoutMs: 50,
    }).manifestDigest(target);
    expect(result).toEqual({ status: 'unreachable', error: '127.0.0.1:5000: no answer within 50 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
