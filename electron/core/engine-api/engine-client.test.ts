import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialSource, RegistryCredential } from '../registry/docker-credentials.js';
// engine-client first: a test below checks that importing it puts dockerode's unused parts off.
import { EngineApiError, EngineClient } from './engine-client.js';
import { deferredPartFiles } from './dockerode-loader.js';

/** A stand-in engine on a unix socket: records each request and answers with `answer`. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let dir: string;
let socketPath: string;
let server: Server;
const seen: Seen[] = [];
let answer: { status: number; body: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-engine-client-'));
  socketPath = join(dir, 'engine.sock');
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      response.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterEach(() => {
  seen.length = 0;
  answer = { status: 200, body: '{}' };
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const noCredentials: CredentialSource = { credentialFor: async () => undefined };
const client = (credentials: CredentialSource = noCredentials): EngineClient =>
  new EngineClient(socketPath, { credentials });

describe('EngineClient paths', () => {
  it.each([
    ['inspectImage', 'sw-test/busybox', 'GET', '/images/sw-test/busybox/json'],
    ['inspectImage', '127.0.0.1:5000/team/app:1', 'GET', '/images/127.0.0.1:5000/team/app:1/json'],
    [
      'inspectImage',
      `busybox@sha256:${'a'.repeat(64)}`,
      'GET',
      `/images/busybox@sha256:${'a'.repeat(64)}/json`,
    ],
    // A name spelling a query, a fragment or another path is asked as that name, not as what it spells.
    ['inspectImage', 'sw-test/busybox/json?', 'GET', '/images/sw-test/busybox/json%3F/json'],
    ['inspectImage', 'sw-test/busybox#x', 'GET', '/images/sw-test/busybox%23x/json'],
    ['inspectImage', 'sw-test/busybox%2Fjson', 'GET', '/images/sw-test/busybox%252Fjson/json'],
    ['inspectContainer', 'c1', 'GET', '/containers/c1/json'],
    ['inspectContainerJson', 'c 1', 'GET', '/containers/c%201/json'],
    ['inspectVolume', 'v1', 'GET', '/volumes/v1'],
    ['inspectNetwork', 'n1', 'GET', '/networks/n1'],
    ['inspectExec', 'e1', 'GET', '/exec/e1/json'],
    ['removeContainer', 'c1', 'DELETE', '/containers/c1?force=true&v=true'],
    ['killContainer', 'c1', 'POST', '/containers/c1/kill'],
    ['removeImage', 'sha256:abc', 'DELETE', '/images/sha256:abc?noprune=false'],
  ] as const)('%s(%j) asks %s %s', async (method, name, verb, url) => {
    const engine = client();
    await engine[method](name);
    engine.close();
    expect(seen).toMatchObject([{ method: verb, url }]);
  });

  it.each([
    ['info', '/info'],
    ['version', '/version'],
    ['listImages', '/images/json'],
  ] as const)('%s() asks GET %s', async (method, url) => {
    answer = { status: 200, body: method === 'listImages' ? '[]' : '{}' };
    const engine = client();
    await engine[method]();
    engine.close();
    expect(seen).toMatchObject([{ method: 'GET', url }]);
  });

  it('sends a restart policy update as a JSON body', async () => {
    const engine = client();
    await engine.updateRestartPolicy('c1', 'no');
    engine.close();
    expect(seen).toMatchObject([{ method: 'POST', url: '/containers/c1/update' }]);
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ RestartPolicy: { Name: 'no' } });
  });

  it('sends event filters as JSON and hands the stream on', async () => {
    answer = { status: 200, body: '{"Action":"tag"}\n' };
    const engine = client();
    const stream = await engine.events({ type: ['image'] });
    let text = '';
    for await (const chunk of stream) text += (chunk as Buffer).toString('utf8');
    engine.close();
    expect(text).toBe('{"Action":"tag"}\n');
    const url = new URL(seen[0]?.url ?? '', 'http://engine');
    expect(url.pathname).toBe('/events');
    expect(JSON.parse(url.searchParams.get('filters') ?? '')).toEqual({ type: ['image'] });
  });
});

describe('EngineClient errors', () => {
  it.each([
    ['an inspect', (engine: EngineClient) => engine.inspectImage('x')],
    ['a removal', (engine: EngineClient) => engine.removeImage('x')],
    ['a pull (streamed)', (engine: EngineClient) => engine.pull('docker.io/library/x', 'latest')],
    ['an event stream', (engine: EngineClient) => engine.events({})],
  ])('%s answered 404 is an EngineApiError with status 404 and the engine message', async (_, call) => {
    answer = { status: 404, body: '{"message":"No such image: x"}' };
    const engine = client();
    const error = await call(engine).then(
      () => undefined,
      (e: unknown) => e,
    );
    engine.close();
    expect(error).toBeInstanceOf(EngineApiError);
    expect(error).toMatchObject({ statusCode: 404, message: '(HTTP code 404) No such image: x' });
  });

  it('a conflict keeps its status (409) and message', async () => {
    answer = { status: 409, body: '{"message":"conflict: unable to delete 1234 (must be forced)"}' };
    const engine = client();
    await expect(engine.removeImage('1234')).rejects.toMatchObject({
      statusCode: 409,
      message: '(HTTP code 409) conflict: unable to delete 1234 (must be forced)',
    });
    engine.close();
  });

  it('a socket nobody listens on is a failure with its code, not an engine answer', async () => {
    const engine = new EngineClient(join(dir, 'nothing.sock'), { credentials: noCredentials });
    const error = await engine.version().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).not.toBeInstanceOf(EngineApiError);
    expect(error).toMatchObject({ code: 'ENOENT' });
  });
});

describe('EngineClient pull', () => {
  const decodedAuth = (): unknown => {
    const header = seen[0]?.headers['x-registry-auth'];
    if (typeof header !== 'string') return undefined;
    // dockerd 20.10 decodes it with base64.URLEncoding only: no '+' or '/' may be in it.
    expect(header).toMatch(/^[A-Za-z0-9_=-]+$/);
    return JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  };
  const from = (credential: RegistryCredential | undefined, asked: string[]): CredentialSource => ({
    credentialFor: async (registry) => {
      asked.push(registry);
      return credential;
    },
  });

  it.each<[string, string, RegistryCredential | undefined, unknown]>([
    [
      'a loopback registry with a password',
      '127.0.0.1:5000/team/app',
      { kind: 'basic', username: 'warden', password: 'p+ss/w?rd ü' },
      { username: 'warden', password: 'p+ss/w?rd ü', serveraddress: '127.0.0.1:5000' },
    ],
    [
      'Docker Hub with an identity token',
      'docker.io/library/docker',
      { kind: 'identity-token', token: 'refresh-token' },
      { identitytoken: 'refresh-token', serveraddress: 'https://index.docker.io/v1/' },
    ],
    ['a registry without credentials', 'registry.example:443/x/y', undefined, undefined],
  ])('%s: X-Registry-Auth for its registry', async (_, repository, credential, expected) => {
    const asked: string[] = [];
    const engine = client(from(credential, asked));
    const stream = await engine.pull(repository, '1');
    stream.resume();
    engine.close();
    expect(asked).toEqual([repository.slice(0, repository.indexOf('/'))]);
    const url = new URL(seen[0]?.url ?? '', 'http://engine');
    expect(url.pathname).toBe('/images/create');
    expect(Object.fromEntries(url.searchParams)).toEqual({ fromImage: repository, tag: '1' });
    expect(url.search).not.toContain('warden');
    expect(decodedAuth()).toEqual(expected);
  });

  it('a credential helper that fails fails the pull, naming it', async () => {
    const engine = client({
      credentialFor: async () => {
        throw new Error('credential helper docker-credential-pass is not installed');
      },
    });
    await expect(engine.pull('127.0.0.1:5000/team/app', '1')).rejects.toThrow('docker-credential-pass');
    engine.close();
    expect(seen).toEqual([]);
  });
});

describe('EngineClient transport', () => {
  it.each(['tcp://127.0.0.1:1', 'ssh://user@127.0.0.1', 'unix:///nonexistent.sock'])(
    'talks to the socket it was given whatever DOCKER_HOST says (%s)',
    async (dockerHost) => {
      const saved = { host: process.env.DOCKER_HOST, tls: process.env.DOCKER_TLS_VERIFY };
      process.env.DOCKER_HOST = dockerHost;
      process.env.DOCKER_TLS_VERIFY = '1';
      try {
        const engine = client();
        await engine.version();
        engine.close();
      } finally {
        if (saved.host === undefined) delete process.env.DOCKER_HOST;
        else process.env.DOCKER_HOST = saved.host;
        if (saved.tls === undefined) delete process.env.DOCKER_TLS_VERIFY;
        else process.env.DOCKER_TLS_VERIFY = saved.tls;
      }
      expect(seen).toMatchObject([{ url: '/version' }]);
    },
  );

  it('keeps one connection for consecutive calls', async () => {
    const engine = client();
    const connections = new Set<unknown>();
    const count = (socket: unknown): void => void connections.add(socket);
    server.on('connection', count);
    await engine.version();
    await engine.version();
    await engine.info();
    engine.close();
    server.off('connection', count);
    expect(seen).toHaveLength(3);
    expect(connections.size).toBe(1);
  });

  it('has not loaded ssh2 or gRPC: dockerode parts a unix socket never calls wait until called', () => {
    const require = createRequire(import.meta.url);
    const loaded = Object.keys(require.cache);
    expect(loaded.some((file) => file.includes('/node_modules/dockerode/'))).toBe(true);
    expect(loaded.filter((file) => /\/node_modules\/(ssh2|@grpc|protobufjs)\//.test(file))).toEqual([]);
    // dockerode still has the files it is told about (a new layout would load them at import again).
    for (const file of deferredPartFiles()) {
      expect(require.cache[file]?.exports).toBeTypeOf('function');
      expect((require.cache[file]?.exports as { name?: string }).name).toBe('deferred');
    }
  });

  it('the ssh transport still works when called: its stand-in loads it then', () => {
    const require = createRequire(import.meta.url);
    const [sshFile] = deferredPartFiles();
    const sshAgent = require(sshFile ?? '') as (options: object) => unknown;
    expect(sshAgent({ host: '127.0.0.1' })).toBeInstanceOf(Agent);
    expect(Object.keys(require.cache).some((file) => file.includes('/node_modules/ssh2/'))).toBe(true);
  });
});
