// Asks a registry (HTTP API v2) which digest a tag points at, or whether a digest exists in a
// repository: `HEAD /v2/<repo>/manifests/<tag-or-digest>`, read `Docker-Content-Digest`.
// Authenticates like dockerd: anonymous or credentialed bearer tokens, or Basic auth.
import { createHash } from 'node:crypto';
import {
  DockerConfigCredentials,
  type CredentialSource,
  type RegistryCredential,
} from './docker-credentials.js';
import { manifestUrl } from './registry-endpoint.js';
import {
  registryHttp,
  type RegistryFetch,
  type RegistryRequest,
  type RegistryResponse,
} from './registry-http.js';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate.js';

/**
 * Without these, a registry answers a tag with a converted schema1 manifest whose digest matches
 * nothing the engine recorded (docs/engine-facts.md). Same set dockerd sends when it pulls.
 */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
] as const;

export interface ManifestTarget {
  /** 'docker.io' or 'host[:port]', as in ImageReference. */
  registry: string;
  /** 'library/docker' */
  repository: string;
  /** A tag, or a 'sha256:...' digest. */
  reference: string;
}

export type ManifestDigestResult =
  | { status: 'found'; digest: string }
  | { status: 'not-found' }
  | { status: 'unreachable'; error: string }
  | { status: 'denied'; error: string };

/** What the digest refresher needs from a registry; tests inject their own. */
export interface ManifestDigestClient {
  manifestDigest(target: ManifestTarget, options?: { signal?: AbortSignal }): Promise<ManifestDigestResult>;
}

export interface RegistryClientOptions {
  /** Registries reached over http besides loopback ones: 'host[:port]' names or CIDR ranges. */
  insecureRegistries?: readonly string[];
  /** Per HTTP request (manifest, token); default 10 s. */
  timeoutMs?: number;
  /** Default: the docker CLI's config.json and credential helpers. */
  credentials?: CredentialSource;
  /** Default: node:http(s) (registry-http.ts); tests pass a scripted one, and fetch itself fits. */
  fetch?: RegistryFetch;
  userAgent?: string;
  now?: () => number;
}

class Denied extends Error {}
class Unreachable extends Error {}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DEFAULT_TOKEN_LIFETIME_S = 60; // the token spec's default when expires_in is absent
const TOKEN_EXPIRY_MARGIN_MS = 5_000;

export class RegistryClient implements ManifestDigestClient {
  private readonly insecure: readonly string[];
  private readonly timeoutMs: number;
  private readonly credentials: CredentialSource;
  private readonly fetch: RegistryFetch;
  private readonly userAgent: string;
  private readonly now: () => number;
  /** The last challenge each registry sent, so later requests authenticate up front. */
  private readonly challenges = new Map<string, AuthChallenge>();
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(options: RegistryClientOptions = {}) {
    this.insecure = options.insecureRegistries ?? [];
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.credentials = options.credentials ?? new DockerConfigCredentials();
    this.fetch = options.fetch ?? registryHttp;
    this.userAgent = options.userAgent ?? 'socket-warden';
    this.now = options.now ?? Date.now;
  }

  async manifestDigest(
    target: ManifestTarget,
    options: { signal?: AbortSignal } = {},
  ): Promise<ManifestDigestResult> {
    const url = manifestUrl(target.registry, target.repository, target.reference, this.insecure);
    try {
      let challenge = this.challenges.get(target.registry);
      let response: RegistryResponse | undefined;
      // At most two tries: the first with what we know, the second after a 401 told us more.
      for (let attempt = 0; attempt < 2; attempt++) {
        const authorization = challenge
          ? await this.authorization(challenge, target, attempt > 0, options.signal)
          : undefined;
        response = await this.request(
          url,
          { method: 'HEAD', headers: this.manifestHeaders(authorization) },
          options.signal,
        );
        if (response.status !== 401) break;
        const next = pickChallenge(response.headers.get('www-authenticate'));
        if (!next)
          throw new Denied(`${target.registry} answered 401 without a usable WWW-Authenticate challenge`);
        this.challenges.set(target.registry, next);
        if (attempt === 1) throw new Denied(deniedMessage(target, next));
        challenge = next;
      }
      if (!response) throw new Unreachable('no response');
      return await this.interpret(response, url, target, challenge, options.signal);
    } catch (error) {
      if (error instanceof Denied) return { status: 'denied', error: error.message };
      return { status: 'unreachable', error: `${target.registry}: ${this.describe(error)}` };
    }
  }

  private async interpret(
    response: RegistryResponse,
    url: string,
    target: ManifestTarget,
    challenge: AuthChallenge | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ManifestDigestResult> {
    await response.body?.cancel();
    if (response.status === 404) return { status: 'not-found' };
    if (response.status === 403)
      throw new Denied(`${target.registry} refused access to ${target.repository} (403)`);
    if (response.status === 429) throw new Unreachable('rate limited (HTTP 429); will retry later');
    if (response.status !== 200) throw new Unreachable(`answered HTTP ${response.status}`);
    let digest = response.headers.get('docker-content-digest');
    if (!digest) {
      // Some registries omit the header on HEAD; the digest is the hash of the manifest bytes.
      const authorization = challenge
        ? await this.authorization(challenge, target, false, signal)
        : undefined;
      const full = await this.request(
        url,
        { method: 'GET', headers: this.manifestHeaders(authorization) },
        signal,
      );
      if (full.status === 404) return { status: 'not-found' };
      if (full.status !== 200)
        throw new Unreachable(`answered HTTP ${full.status} to GET ${target.reference}`);
      digest = `sha256:${createHash('sha256')
        .update(Buffer.from(await full.arrayBuffer()))
        .digest('hex')}`;
    }
    if (!DIGEST.test(digest))
      throw new Unreachable(`sent a digest this app does not support: ${digest.slice(0, 80)}`);
    return { status: 'found', digest };
  }

  private manifestHeaders(authorization: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      Accept: MANIFEST_MEDIA_TYPES.join(', '),
      'User-Agent': this.userAgent,
    };
    if (authorization) headers.Authorization = authorization;
    return headers;
  }

  private async authorization(
    challenge: AuthChallenge,
    target: ManifestTarget,
    fresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    if (challenge.scheme === 'basic') {
      const credential = await this.credentials.credentialFor(target.registry).catch((error: unknown) => {
        throw new Denied(this.describe(error));
      });
      if (credential?.kind !== 'basic') {
        throw new Denied(
          `${target.registry} needs a user name and password; run \`docker login ${target.registry}\``,
        );
      }
      return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    }
    return `Bearer ${await this.bearerToken(challenge, target, fresh, signal)}`;
  }

  private async bearerToken(
    challenge: AuthChallenge,
    target: ManifestTarget,
    fresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new Denied(`${target.registry} sent a Bearer challenge without a realm`);
    const service = challenge.params.service;
    const scope = `repository:${target.repository}:pull`;
    // A broken credential helper should not stop anonymous pulls of public images.
    const credential = await this.credentials.credentialFor(target.registry).catch(() => undefined);
    const key = JSON.stringify([realm, service, scope, credentialIdentity(credential)]);
    const cached = this.tokens.get(key);
    if (!fresh && cached && cached.expiresAt > this.now()) return cached.token;

    const response = await this.requestToken(realm, service, scope, credential, signal);
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new Denied(
        `the token server of ${target.registry} refused ${credential ? 'the stored credentials' : 'an anonymous token'} (${response.status})`,
      );
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Unreachable(`token server answered HTTP ${response.status}`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    const token = tokenFrom(body);
    if (!token) throw new Unreachable('token server answered without a token');
    this.tokens.set(key, {
      token: token.value,
      expiresAt: this.now() + token.lifetimeS * 1000 - TOKEN_EXPIRY_MARGIN_MS,
    });
    return token.value;
  }

  private requestToken(
    realm: string,
    service: string | undefined,
    scope: string,
    credential: RegistryCredential | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RegistryResponse> {
    if (credential?.kind === 'identity-token') {
      // OAuth2 refresh-token grant, as dockerd does for identity tokens.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credential.token,
        scope,
        client_id: 'socket-warden',
      });
      if (service) form.set('service', service);
      return this.request(
        realm,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': this.userAgent },
          body: form.toString(),
        },
        signal,
      );
    }
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = { 'User-Agent': this.userAgent };
    if (credential?.kind === 'basic') {
      url.searchParams.set('account', credential.username);
      headers.Authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    }
    return this.request(url.toString(), { method: 'GET', headers }, signal);
  }

  private request(
    url: string,
    init: RegistryRequest,
    signal: AbortSignal | undefined,
  ): Promise<RegistryResponse> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return this.fetch(url, {
      ...init,
      redirect: 'follow',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  }

  private describe(error: unknown): string {
    if (error instanceof Denied || error instanceof Unreachable) return error.message;
    if (error instanceof Error) {
      if (error.name === 'TimeoutError') return `no answer within ${this.timeoutMs} ms`;
      if (error.name === 'AbortError') return 'request cancelled';
      const cause = error.cause;
      if (cause instanceof Error) {
        const code = (cause as NodeJS.ErrnoException).code;
        return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
      }
      return error.message;
    }
    return String(error);
  }
}

/** Prefers Bearer (token auth) over Basic when a registry offers both. */
function pickChallenge(header: string | null): AuthChallenge | undefined {
  const challenges = parseWwwAuthenticate(header ?? '');
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

function deniedMessage(target: ManifestTarget, challenge: AuthChallenge): string {
  const reason = challenge.params.error ? ` (${challenge.params.error})` : '';
  return `${target.registry} denied access to ${target.repository}${reason}: the repository may not exist, or needs \`docker login ${target.registry}\``;
}

function credentialIdentity(credential: RegistryCredential | undefined): string {
  if (!credential) return 'anonymous';
  return credential.kind === 'basic' ? `basic:${credential.username}` : 'identity-token';
}

function tokenFrom(body: unknown): { value: string; lifetimeS: number } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const value = typeof record.token === 'string' && record.token ? record.token : record.access_token;
  if (typeof value !== 'string' || value === '') return undefined;
  const expires = record.expires_in;
  const lifetimeS = typeof expires === 'number' && expires > 0 ? expires : DEFAULT_TOKEN_LIFETIME_S;
  return { value, lifetimeS };
}
