import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DockerConfigCredentials,
  credentialServerAddress,
  dockerConfigDir,
  helperCredential,
  planCredentialLookup,
  runCredentialHelper,
  type DockerConfig,
  type HelperRunner,
} from './docker-credentials.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('planCredentialLookup follows the docker CLI', () => {
  const config: DockerConfig = {
    auths: {
      'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') },
      'https://registry.lan:5000': { auth: b64('lan:pa:ss') },
      'token.example.com': { identitytoken: 'refresh-me' },
      'legacy.example.com': { username: 'u', password: 'p' },
      'empty.example.com': {},
    },
    credHelpers: { 'gcr.io': 'gcloud', 'registry.lan:5000': 'pass' },
  };
  it.each([
    [
      'docker.io',
      { source: 'inline', credential: { kind: 'basic', username: 'hubuser', password: 'hubpass' } },
    ],
    // Keys may carry a scheme; the password keeps its own colons.
    [
      'registry.lan:5000',
      {
        source: 'helper',
        helper: 'pass',
        serverAddress: 'registry.lan:5000',
        fallback: { kind: 'basic', username: 'lan', password: 'pa:ss' },
      },
    ],
    ['gcr.io', { source: 'helper', helper: 'gcloud', serverAddress: 'gcr.io' }],
    ['token.example.com', { source: 'inline', credential: { kind: 'identity-token', token: 'refresh-me' } }],
    ['legacy.example.com', { source: 'inline', credential: { kind: 'basic', username: 'u', password: 'p' } }],
    ['empty.example.com', { source: 'none' }],
    ['other.example.com', { source: 'none' }],
  ])('%s', (registry, plan) => expect(planCredentialLookup(config, registry)).toEqual(plan));

  it('uses credsStore for every registry without its own helper', () => {
    const store: DockerConfig = { credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' } };
    expect(planCredentialLookup(store, 'docker.io')).toEqual({
      source: 'helper',
      helper: 'desktop',
      serverAddress: 'https://index.docker.io/v1/',
    });
    expect(planCredentialLookup(store, 'gcr.io')).toMatchObject({ helper: 'gcloud' });
  });

  it('names Docker Hub by its legacy index address', () => {
    expect(credentialServerAddress('docker.io')).toBe('https://index.docker.io/v1/');
    expect(credentialServerAddress('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });

  it('finds config.json through DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/etc/dc' }, '/home/me')).toBe('/etc/dc');
    expect(dockerConfigDir({}, '/home/me')).toBe('/home/me/.docker');
  });
});

describe('helperCredential reads the helper protocol', () => {
  it.each([
    [
      { exitCode: 0, stdout: '{"ServerURL":"x","Username":"u","Secret":"s"}', stderr: '' },
      { kind: 'basic', username: 'u', password: 's' },
    ],
    [
      { exitCode: 0, stdout: '{"Username":"<token>","Secret":"tok"}\n', stderr: '' },
      { kind: 'identity-token', token: 'tok' },
    ],
    [{ exitCode: 1, stdout: 'credentials not found in native keychain\n', stderr: '' }, undefined],
  ])('%j', (run, credential) => expect(helperCredential(run)).toEqual(credential));

  it.each([
    [{ exitCode: 1, stdout: 'error getting credentials - dbus down', stderr: '' }, 'dbus down'],
    [{ exitCode: 0, stdout: 'not json', stderr: '' }, 'not JSON'],
    [{ exitCode: 0, stdout: '{"Secret":"s"}', stderr: '' }, 'without Username'],
  ])('fails on %j', (run, message) => expect(() => helperCredential(run)).toThrow(message));
});

describe('DockerConfigCredentials', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sw-creds-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns nothing when there is no config.json', async () => {
    const source = new DockerConfigCredentials({ configDir: join(dir, 'absent') });
    expect(await source.credentialFor('docker.io')).toBeUndefined();
  });

  it('asks the configured helper with the server address and falls back to inline auth', async () => {
    const configDir = join(dir, 'helper');
    await mkdir(configDir);
    await writeFile(
      join(configDir, 'config.json'),
      JSON.stringify({ credsStore: 'fake', auths: { '127.0.0.1:5000': { auth: b64('inline:pw') } } }),
    );
    const calls: [string, string][] = [];
    const runHelper: HelperRunner = async (program, serverAddress) => {
      calls.push([program, serverAddress]);
      if (serverAddress === 'https://index.docker.io/v1/') {
        return { exitCode: 0, stdout: JSON.stringify({ Username: 'hub', Secret: 'pw' }), stderr: '' };
      }
      return { exitCode: 1, stdout: 'credentials not found in native keychain', stderr: '' };
    };
    const source = new DockerConfigCredentials({ configDir, runHelper });
    expect(await source.credentialFor('docker.io')).toEqual({
      kind: 'basic',
      username: 'hub',
      password: 'pw',
    });
    expect(await source.credentialFor('127.0.0.1:5000')).toEqual({
      kind: 'basic',
      username: 'inline',
      password: 'pw',
    });
    expect(await source.credentialFor('ghcr.io')).toBeUndefined();
    expect(calls).toEqual([
      ['docker-credential-fake', 'https://index.docker.io/v1/'],
      ['docker-credential-fake', '127.0.0.1:5000'],
      ['docker-credential-fake', 'ghcr.io'],
    ]);
  });

  it('says which helper failed', async () => {
    const configDir = join(dir, 'missing-helper');
    await mkdir(configDir);
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ credsStore: 'sw-does-not-exist' }));
    const source = new DockerConfigCredentials({ configDir });
    await expect(source.credentialFor('docker.io')).rejects.toThrow(
      'credential helper docker-credential-sw-does-not-exist is not installed',
    );
  });

  it('rejects a config.json that is not JSON', async () => {
    const configDir = join(dir, 'broken');
    await mkdir(configDir);
    await writeFile(join(configDir, 'config.json'), '{ nope');
    await expect(new DockerConfigCredentials({ configDir }).credentialFor('docker.io')).rejects.toThrow(
      'not valid JSON',
    );
  });

  it('runs a real helper program: server address on stdin, JSON on stdout', async () => {
    const program = join(dir, 'docker-credential-echo');
    await writeFile(
      program,
      '#!/bin/sh\nread server\nprintf \'{"ServerURL":"%s","Username":"%s","Secret":"s3"}\' "$server" "$1"\n',
    );
    await chmod(program, 0o755);
    const run = await runCredentialHelper(program, 'registry.lan:5000', 5_000);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ ServerURL: 'registry.lan:5000', Username: 'get', Secret: 's3' });
  });
});
