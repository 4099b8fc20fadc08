// Image references, normalized the way the docker CLI and engine do it (distribution/reference:
// normalize.go + regexp.go), and the allow-list entry formats built on them. Pure: no I/O.

export interface ImageReference {
  /** 'docker.io' for Docker Hub, otherwise 'host[:port]' exactly as written. */
  registry: string;
  /** Path inside the registry, e.g. 'library/docker'. */
  repository: string;
  /** Absent when the text named no tag; callers that need one use 'latest' unless a digest is given. */
  tag?: string;
  /** 'sha256:' + 64 lowercase hex. */
  digest?: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export type ImageListEntry =
  | { kind: 'any'; text: string }
  | { kind: 'tag'; text: string; registry: string; repository: string; tag: string }
  | { kind: 'anyTag'; text: string; registry: string; repository: string }
  | { kind: 'digest'; text: string; registry: string; repository: string; digest: string };

const DEFAULT_REGISTRY = 'docker.io';
// The registry's old name; the CLI canonicalizes it to docker.io.
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const MAX_REPOSITORY_LENGTH = 255;

// regexp.go, piece by piece.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6Address})(?::[0-9]+)?`;

const REMOTE_NAME = new RegExp(`^${remoteName}$`);
const DOMAIN = new RegExp(`^${domainAndPort}$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const ANY_DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const IMAGE_ID = /^[a-f0-9]{64}$/;

const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** Parses `name[:tag][@digest]` the way `docker pull` does (`docker:cli` → docker.io/library/docker:cli). */
export function parseImageReference(text: string): Parsed<ImageReference> {
  if (text === '') return fail('an image reference cannot be empty');
  if (IMAGE_ID.test(text)) {
    return fail('a 64-character hexadecimal string is an image ID, not a repository name');
  }

  const at = text.indexOf('@');
  const namePart = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? undefined : text.slice(at + 1);
  if (digest !== undefined) {
    const digestError = checkDigest(digest);
    if (digestError) return fail(digestError);
  }

  // A ':' after the last '/' starts the tag; one before it belongs to a registry port.
  const colon = namePart.lastIndexOf(':');
  const hasTag = colon > namePart.lastIndexOf('/');
  const name = hasTag ? namePart.slice(0, colon) : namePart;
  const tag = hasTag ? namePart.slice(colon + 1) : undefined;
  if (name === '') return fail('the repository name is missing');
  if (tag !== undefined && !TAG.test(tag)) {
    return fail(
      tag === ''
        ? 'the tag after ":" is empty'
        : `invalid tag "${tag}": a tag is up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`,
    );
  }

  const { registry, repository } = splitRegistry(name);
  if (!DOMAIN.test(registry)) return fail(`invalid registry host "${registry}"`);
  if (!REMOTE_NAME.test(repository)) {
    if (REMOTE_NAME.test(repository.toLowerCase())) {
      return fail('uppercase letters are not allowed in a repository name');
    }
    return fail(
      `invalid repository name "${repository}": path components are lowercase letters and digits, separated by ".", "_", "__" or "-" and joined by "/"`,
    );
  }
  if (repository.length > MAX_REPOSITORY_LENGTH) {
    return fail(`the repository name is longer than ${MAX_REPOSITORY_LENGTH} characters`);
  }

  const value: ImageReference = { registry, repository };
  if (tag !== undefined) value.tag = tag;
  if (digest !== undefined) value.digest = digest;
  return { ok: true, value };
}

// normalize.go's splitDockerDomain: the first component is a registry host when it looks like one.
function splitRegistry(name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { registry: DEFAULT_REGISTRY, repository: OFFICIAL_PREFIX + name };
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let registry: string;
  let repository: string;
  if (first === LEGACY_DEFAULT_REGISTRY) {
    registry = DEFAULT_REGISTRY;
    repository = rest;
  } else if (
    first === 'localhost' ||
    first.includes('.') ||
    first.includes(':') ||
    // Repository names are lowercase, so the CLI takes an uppercase first component for a host.
    first.toLowerCase() !== first
  ) {
    registry = first;
    repository = rest;
  } else {
    registry = DEFAULT_REGISTRY;
    repository = name;
  }
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = OFFICIAL_PREFIX + repository;
  return { registry, repository };
}

function checkDigest(digest: string): string | undefined {
  if (SHA256_DIGEST.test(digest)) return undefined;
  if (ANY_DIGEST.test(digest) && !digest.startsWith('sha256:')) {
    return 'digest must be sha256:<64 hex> (other algorithms are not supported)';
  }
  return 'digest must be sha256:<64 hex>';
}

/** The fully qualified repository name: 'docker.io/library/docker'. */
export function repositoryName(ref: { registry: string; repository: string }): string {
  return `${ref.registry}/${ref.repository}`;
}

/**
 * A fully qualified repository name as Docker shows it ('docker.io/library/docker' → 'docker',
 * 'docker.io/user/app' → 'user/app', others unchanged): the form its `reference` filter matches.
 */
export function familiarRepository(repository: string): string {
  const hub = `${DEFAULT_REGISTRY}/`;
  if (!repository.startsWith(hub)) return repository;
  const path = repository.slice(hub.length);
  return path.startsWith(OFFICIAL_PREFIX) && !path.slice(OFFICIAL_PREFIX.length).includes('/')
    ? path.slice(OFFICIAL_PREFIX.length)
    : path;
}

/** The fully qualified reference: 'docker.io/library/docker:cli', '...@sha256:...'. */
export function formatReference(ref: ImageReference): string {
  let text = repositoryName(ref);
  if (ref.tag !== undefined) text += `:${ref.tag}`;
  if (ref.digest !== undefined) text += `@${ref.digest}`;
  return text;
}

const WILDCARD_ERROR = 'a wildcard is only allowed as the whole tag (name:*) or the whole entry (*)';

/**
 * Parses one `imageList.images` entry: `*`, `name[:tag]` (no tag means latest), `name:*`, or
 * `name@digest`. `name:tag@digest` pins the digest, as docker does when it pulls such a reference.
 */
export function parseImageListEntry(text: string): Parsed<ImageListEntry> {
  const entry = text.trim();
  if (entry === '') return fail('an image list entry cannot be empty');
  if (entry === '*') return { ok: true, value: { kind: 'any', text: entry } };

  if (entry.includes('*')) {
    const name = entry.slice(0, -2);
    if (!entry.endsWith(':*') || name.includes('*') || name.includes('@')) return fail(WILDCARD_ERROR);
    const parsed = parseImageReference(name);
    if (!parsed.ok) return parsed;
    if (parsed.value.tag !== undefined) return fail(WILDCARD_ERROR);
    const { registry, repository } = parsed.value;
    return { ok: true, value: { kind: 'anyTag', text: entry, registry, repository } };
  }

  const parsed = parseImageReference(entry);
  if (!parsed.ok) return parsed;
  const { registry, repository, tag, digest } = parsed.value;
  if (digest !== undefined)
    return { ok: true, value: { kind: 'digest', text: entry, registry, repository, digest } };
  return { ok: true, value: { kind: 'tag', text: entry, registry, repository, tag: tag ?? 'latest' } };
}
