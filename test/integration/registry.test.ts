// The registry client and digest refresher against real registries: the stack's docker-registry,
// plus two of our own on loopback (htpasswd Basic auth, and token auth with a token server of ours),
// with images pushed by the real docker CLI through the real engine.
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageListEntry } from '../../shared/image-reference.js';
import { DigestRefresher } from '../../electron/core/registry/digest-refresher.js';
import { DockerConfigCredentials } from '../../electron/core/registry/docker-credentials.js';
import { RegistryClient } from '../../electron/core/registry/registry-client.js';
import { docker, execFileAsync, isPodman, loadStack } from './stack.js';

const stack = loadStack();
const ID = randomBytes(4).toString('hex');
const REPO = `sw-registry-${ID}/app`; // in the stack's registry
const noCredentials = { credentialFor: async () => undefined };

let work: string;
const localTags: string[] = [];
const children: ChildProcess[] = [];
const servers: Server[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function cli(args: string[], input?: string): Promise<string> {
  const result = await docker(stack.dockerHost, args, input === undefined ? {} : { input });
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * Tags a local test image as `ref`, pushes it, and returns the digest the push reported, once the
 * engine records it as a RepoDigest of the repository. Podman records the digest of its local manifest,
 * not of the one it pushed (it recompresses the layers): there the tag is pulled back, which adds the
 * registry's digest, as scripts/test-stack.sh does for the stack's images.
 */
async function push(image: string, ref: string, config?: string): Promise<string> {
  const configArgs = config ? ['--config', config] : [];
  await cli(['tag', image, ref]);
  localTags.push(ref);
  const pushed = await cli([...configArgs, 'push', ref]);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
  if (!digest) throw new Error(`docker push ${ref} reported no digest: ${pushed}`);
  if (isPodman()) await cli([...configArgs, 'pull', '-q', ref]);
  const repo = ref.slice(0, ref.lastIndexOf(':'));
  const digests = JSON.parse(
    await cli(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]),
  ) as string[];
  if (!digests.includes(`${repo}@${digest}`))
    throw new Error(`${repo}@${digest} is not a RepoDigest of ${ref}: ${digests.join(', ')}`);
  return digest;
}

async function startRegistry(name: string, auth: string): Promise<string> {
  const port = await freePort();
  const dir = join(work, name);
  const config = join(work, `${name}.yml`);
  await writeFile(
    config,
    `version: 0.1\nlog: { level: warn }\nstorage:\n  filesystem: { rootdirectory: ${dir} }\n` +
      `http:\n  addr: 127.0.0.1:${port}\nauth:\n${auth}`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v2/`);
      // Podman's login (/auth) speaks plain HTTP to localhost only, whatever registries.conf says of
      // 127.0.0.1: its registries are named localhost (which is 127.0.0.1 here).
      if (response.status === 401) return `${isPodman() ? 'localhost' : '127.0.0.1'}:${port}`;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`registry ${name} did not start: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A `docker --config` directory logged in to `registry` through the real CLI and engine. */
async function loggedInConfig(
  name: string,
  registry: string,
  user: string,
  password: string,
): Promise<string> {
  const config = join(work, name);
  await cli(['--config', config, 'login', registry, '-u', user, '--password-stdin'], password);
  return config;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sw-registry-'));
});

afterAll(async () => {
  for (const child of children) child.kill();
  for (const server of servers) server.close();
  if (localTags.length) await docker(stack.dockerHost, ['rmi', ...localTags]);
  // Our repository in the stack's registry: delete its manifests (per repository, so shared
  // repositories holding the same digests keep them).
  for (const tag of ['v1', 'v2']) {
    const client = new RegistryClient({ credentials: noCredentials });
    const result = await client.manifestDigest({
      registry: stack.registry,
      repository: REPO,
      reference: tag,
    });
    if (result.status === 'found') {
      await fetch(`http://${stack.registry}/v2/${REPO}/manifests/${result.digest}`, { method: 'DELETE' });
    }
  }
  await rm(work, { recursive: true, force: true });
});

describe('against the stack registry', () => {
  const client = new RegistryClient({ credentials: noCredentials, timeoutMs: 5_000 });

  it('returns the digest the engine recorded as RepoDigest after docker push', async () => {
    const digest = await push('sw-test/busybox:latest', `${stack.registry}/${REPO}:v1`);
    expect(
      await client.manifestDigest({ registry: stack.registry, repository: REPO, reference: 'v1' }),
    ).toEqual({
      status: 'found',
      digest,
    });
    // A digest reference answers with itself: "does this digest exist in this repository?"
    expect(
      await client.manifestDigest({ registry: stack.registry, repository: REPO, reference: digest }),
    ).toEqual({
      status: 'found',
      digest,
    });
    // The stack's docker:cli stand-in, pushed by scripts/test-stack.sh, matches too.
    const recorded = JSON.parse(
      await cli(['image', 'inspect', '--format', '{{json .RepoDigests}}', 'sw-test/docker-cli:latest']),
    ) as string[];
    const found = await client.manifestDigest({
      registry: stack.registry,
      repository: 'library/docker',
      reference: 'cli',
    });
    expect(found).toMatchObject({ status: 'found', digest: expect.stringMatching(/^sha256:/) });
    // Podman also lists its local manifest's digest; the registry's is among them on every engine.
    expect(recorded).toContain(
      `${stack.registry}/library/docker@${found.status === 'found' ? found.digest : ''}`,
    );
  });

  it('says not-found for an unknown tag, repository or digest', async () => {
    const unknown = [
      { repository: REPO, reference: 'no-such-tag' },
      { repository: `sw-registry-${ID}/nothing`, reference: 'latest' },
      { repository: 'library/busybox', reference: `sha256:${'0'.repeat(64)}` },
    ];
    for (const target of unknown) {
      expect(await client.manifestDigest({ registry: stack.registry, ...target })).toEqual({
        status: 'not-found',
      });
    }
  });

  it('sees a moved tag on refreshNow and keeps the old digest', async () => {
    const first = await push('sw-test/busybox:latest', `${stack.registry}/${REPO}:v2`);
    const parsed = parseImageListEntry(`${stack.registry}/${REPO}:v2`);
    if (!parsed.ok || parsed.value.kind !== 'tag') throw new Error('bad entry');
    const entry = parsed.value;
    const refresher = new DigestRefresher({ client, intervalMs: 60_000, concurrency: 2, timeoutMs: 5_000 });
    refresher.setEntries([entry]);
    expect((await refresher.refreshNow()).ok).toBe(true);
    expect(await refresher.tagDigest(entry)).toMatchObject({ status: 'verified', digest: first });

    const second = await push('sw-test/docker-cli:latest', `${stack.registry}/${REPO}:v2`);
    expect(second).not.toBe(first);
    const summary = await refresher.refreshNow();
    expect(summary.moved).toEqual([
      { name: `${stack.registry}/${REPO}:v2`, previousDigest: first, digest: second },
    ]);
    expect(await refresher.tagDigest(entry)).toMatchObject({
      status: 'verified',
      digest: second,
      previousDigests: [first],
    });
  });

  it('says unreachable quickly for a closed loopback port', async () => {
    const port = await freePort();
    const started = Date.now();
    const result = await client.manifestDigest({
      registry: `127.0.0.1:${port}`,
      repository: 'x',
      reference: 'y',
    });
    expect(result).toMatchObject({ status: 'unreachable', error: expect.stringContaining('ECONNREFUSED') });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('a registry with htpasswd Basic auth', () => {
  // bcrypt of 'warden-pass' (precomputed: Node has no bcrypt, and the hash need not be fresh).
  const HTPASSWD = 'warden:$2b$12$yFba9m8bRhBuApRwomfENutzHDgvisEtIJrlLCbIR4J9.Odi9LyR6\n';
  let registry: string;
  let config: string;
  let digest: string;

  beforeAll(async () => {
    await writeFile(join(work, 'htpasswd'), HTPASSWD);
    registry = await startRegistry(
      'basic',
      `  htpasswd:\n    realm: sw-basic\n    path: ${join(work, 'htpasswd')}\n`,
    );
    config = await loggedInConfig('basic-config', registry, 'warden', 'warden-pass');
    digest = await push('sw-test/busybox:latest', `${registry}/team/app:1`, config);
  });

  it('uses the credentials docker login stored in config.json', async () => {
    const stored = JSON.parse(await readFile(join(config, 'config.json'), 'utf8')) as {
      auths: Record<string, unknown>;
    };
    expect(Object.keys(stored.auths)).toContain(registry);
    const client = new RegistryClient({ credentials: new DockerConfigCredentials({ configDir: config }) });
    expect(await client.manifestDigest({ registry, repository: 'team/app', reference: '1' })).toEqual({
      status: 'found',
      digest,
    });
  });

  it('is denied without credentials, or with wrong ones', async () => {
    const anonymous = new RegistryClient({ credentials: noCredentials });
    expect(
      await anonymous.manifestDigest({ registry, repository: 'team/app', reference: '1' }),
    ).toMatchObject({
      status: 'denied',
      error: expect.stringContaining(`docker login ${registry}`),
    });
    const wrong = new RegistryClient({
      credentials: { credentialFor: async () => ({ kind: 'basic', username: 'warden', password: 'nope' }) },
    });
    expect(await wrong.manifestDigest({ registry, repository: 'team/app', reference: '1' })).toMatchObject({
      status: 'denied',
    });
  });
});

describe('a registry with token auth', () => {
  let registry: string;
  let digest: string;
  const tokenRequests: { scope: string | null; user: string | undefined }[] = [];

  beforeAll(async () => {
    const keyPath = join(work, 'token.key');
    const certPath = join(work, 'token.crt');
    await execFileAsync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=sw-token-issuer',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ]);
    const key = createPrivateKey(await readFile(keyPath));
    const certDer = Buffer.from(
      (await readFile(certPath, 'utf8')).replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''),
      'base64',
    );
    const tokenPort = await freePort();
    servers.push(await startTokenServer(tokenPort, key, certDer, tokenRequests));
    registry = await startRegistry(
      'token',
      `  token:\n    realm: http://127.0.0.1:${tokenPort}/token\n    service: sw-test-registry\n` +
        `    issuer: sw-test-issuer\n    rootcertbundle: ${certPath}\n`,
    );
    const config = await loggedInConfig('token-config', registry, 'warden', 'warden-pass');
    digest = await push('sw-test/busybox:latest', `${registry}/public/app:1`, config);
    await push('sw-test/busybox:latest', `${registry}/private/app:1`, config);
  });

  it('follows the anonymous bearer flow to the right digest', async () => {
    tokenRequests.length = 0;
    const client = new RegistryClient({ credentials: noCredentials });
    expect(await client.manifestDigest({ registry, repository: 'public/app', reference: '1' })).toEqual({
      status: 'found',
      digest,
    });
    expect(await client.manifestDigest({ registry, repository: 'public/app', reference: 'missing' })).toEqual(
      {
        status: 'not-found',
      },
    );
    // One anonymous token for the repository, reused for the second question.
    expect(tokenRequests).toEqual([{ scope: 'repository:public/app:pull', user: undefined }]);
  });

  it('is denied a private repository anonymously, and gets it with the stored login', async () => {
    const anonymous = new RegistryClient({ credentials: noCredentials });
    expect(
      await anonymous.manifestDigest({ registry, repository: 'private/app', reference: '1' }),
    ).toMatchObject({
      status: 'denied',
      error: expect.stringContaining('insufficient_scope'),
    });
    const client = new RegistryClient({
      credentials: new DockerConfigCredentials({ configDir: join(work, 'token-config') }),
    });
    expect(await client.manifestDigest({ registry, repository: 'private/app', reference: '1' })).toEqual({
      status: 'found',
      digest,
    });
  });
});

/**
 * A minimal token server (distribution's token auth): everyone may pull `public/*`; 'warden' with
 * 'warden-pass' may do anything. Tokens are RS256 JWTs carrying the signing cert in `x5c`.
 */
async function startTokenServer(
  port: number,
  key: KeyObject,
  certDer: Buffer,
  seen: { scope: string | null; user: string | undefined }[],
): Promise<Server> {
  const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');
  const server = createServer((request, response) => {
    let form = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (form += chunk));
    request.on('end', () => answer(request, response, new URLSearchParams(form)));
  });
  // GET with Basic auth (the docker engine's flow), or an OAuth2 POST form with grant_type=password
  // (the containerd image store's), which expects the token as access_token.
  const answer = (request: IncomingMessage, response: ServerResponse, form: URLSearchParams): void => {
    const url = new URL(request.url ?? '/', 'http://token');
    for (const [key, value] of form) if (key !== 'password') url.searchParams.set(key, value);
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const [user, password] = basic
      ? Buffer.from(basic, 'base64').toString().split(':')
      : form.get('grant_type') === 'password'
        ? [form.get('username') ?? '', form.get('password') ?? '']
        : [];
    if (user !== undefined && !(user === 'warden' && password === 'warden-pass')) {
      response.writeHead(401).end();
      return;
    }
    const scope = url.searchParams.get('scope');
    seen.push({ scope, user });
    const access = (scope ? scope.split(' ') : []).flatMap((item) => {
      const [type, name = '', actions = ''] = item.split(':');
      const granted = user ? actions.split(',') : name.startsWith('public/') ? ['pull'] : [];
      return granted.length ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] }));
    const claims = b64url(
      JSON.stringify({
        iss: 'sw-test-issuer',
        sub: user ?? '',
        aud: url.searchParams.get('service'),
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString('hex'),
        access,
      }),
    );
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), key));
    const token = `${header}.${claims}.${signature}`;
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  };
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}
