import { describe, expect, it } from 'vitest';
import {
  familiarRepository,
  formatReference,
  parseImageListEntry,
  parseImageReference,
  repositoryName,
  type ImageListEntry,
  type ImageReference,
} from './image-reference.js';

const D = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseImageReference normalizes like the docker CLI', () => {
  const valid: [string, ImageReference][] = [
    ['docker:cli', { registry: 'docker.io', repository: 'library/docker', tag: 'cli' }],
    ['busybox', { registry: 'docker.io', repository: 'library/busybox' }],
    ['busybox:latest', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    [
      'testcontainers/ryuk:0.11.0',
      { registry: 'docker.io', repository: 'testcontainers/ryuk', tag: '0.11.0' },
    ],
    ['docker.io/ubuntu', { registry: 'docker.io', repository: 'library/ubuntu' }],
    ['docker.io/library/ubuntu:22.04', { registry: 'docker.io', repository: 'library/ubuntu', tag: '22.04' }],
    ['index.docker.io/ubuntu', { registry: 'docker.io', repository: 'library/ubuntu' }],
    ['index.docker.io/foo/bar', { registry: 'docker.io', repository: 'foo/bar' }],
    ['localhost/x', { registry: 'localhost', repository: 'x' }],
    ['localhost:5000/x', { registry: 'localhost:5000', repository: 'x' }],
    ['127.0.0.1:5000/team/app:1', { registry: '127.0.0.1:5000', repository: 'team/app', tag: '1' }],
    ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app' }],
    [
      'ghcr.io/org/sub/app:v1.2.3-rc_1',
      { registry: 'ghcr.io', repository: 'org/sub/app', tag: 'v1.2.3-rc_1' },
    ],
    ['registry:5000/app', { registry: 'registry:5000', repository: 'app' }],
    // A first component without '.', ':' or uppercase is a Hub namespace, even if it could be a host.
    ['registry/app', { registry: 'docker.io', repository: 'registry/app' }],
    // Repository names are lowercase, so the CLI reads an uppercase first component as a host.
    ['MyHost/app', { registry: 'MyHost', repository: 'app' }],
    // The CLI's own quirk: a lone 'localhost:5000' is Hub's library/localhost at tag 5000.
    ['localhost:5000', { registry: 'docker.io', repository: 'library/localhost', tag: '5000' }],
    ['a__b_c-d---e/f.g', { registry: 'docker.io', repository: 'a__b_c-d---e/f.g' }],
    [
      'busybox:Tag_With.Caps-1',
      { registry: 'docker.io', repository: 'library/busybox', tag: 'Tag_With.Caps-1' },
    ],
    [`busybox@${D}`, { registry: 'docker.io', repository: 'library/busybox', digest: D }],
    [`busybox:1.36@${D2}`, { registry: 'docker.io', repository: 'library/busybox', tag: '1.36', digest: D2 }],
    [`localhost:5000/a/b@${D}`, { registry: 'localhost:5000', repository: 'a/b', digest: D }],
    [`x:${'t'.repeat(128)}`, { registry: 'docker.io', repository: 'library/x', tag: 't'.repeat(128) }],
  ];
  it.each(valid)('%s', (text, expected) => {
    expect(parseImageReference(text)).toEqual({ ok: true, value: expected });
  });

  const invalid: [string, string][] = [
    ['', 'cannot be empty'],
    ['a'.repeat(64), 'image ID'],
    ['Docker:cli', 'uppercase letters are not allowed in a repository name'],
    ['docker.io/Library/docker', 'uppercase letters are not allowed in a repository name'],
    ['ghcr.io/Org/app', 'uppercase letters are not allowed in a repository name'],
    ['busybox:', 'tag after ":" is empty'],
    ['busybox:.hidden', 'invalid tag'],
    ['busybox:-x', 'invalid tag'],
    [`busybox:${'t'.repeat(129)}`, 'invalid tag'],
    ['busybox:a/b', 'invalid'],
    ['busybox@sha256:abc', 'digest must be sha256:<64 hex>'],
    [`busybox@sha256:${'A'.repeat(64)}`, 'digest must be sha256:<64 hex>'],
    [`busybox@sha256:${'a'.repeat(65)}`, 'digest must be sha256:<64 hex>'],
    [`busybox@sha512:${'a'.repeat(128)}`, 'other algorithms are not supported'],
    ['busybox@', 'digest must be sha256:<64 hex>'],
    [`a@b@${D}`, 'digest must be sha256:<64 hex>'],
    ['/busybox', 'invalid repository name'],
    ['busybox/', 'invalid repository name'],
    ['a//b', 'invalid repository name'],
    ['-a/b', 'invalid repository name'],
    ['a_/b', 'invalid repository name'],
    ['a___b', 'invalid repository name'],
    ['a b', 'invalid repository name'],
    [':tag', 'repository name is missing'],
    ['exa_mple.com/app', 'invalid registry host'],
    // A '.' makes the first component a host, and hosts have no '_'.
    ['a__b.c/d', 'invalid registry host'],
    ['-bad.com/app', 'invalid registry host'],
    ['host.com:port/app', 'invalid registry host'],
    ['localhost:5000/', 'invalid repository name'],
    [`example.com/${'a'.repeat(256)}`, 'longer than 255'],
  ];
  it.each(invalid)('rejects %j', (text, message) => {
    const parsed = parseImageReference(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

describe('formatting', () => {
  it.each([
    ['docker:cli', 'docker.io/library/docker:cli', 'docker.io/library/docker'],
    ['busybox', 'docker.io/library/busybox', 'docker.io/library/busybox'],
    ['127.0.0.1:5000/team/app:1', '127.0.0.1:5000/team/app:1', '127.0.0.1:5000/team/app'],
    [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`, 'docker.io/library/busybox'],
  ])('%s → %s', (text, full, repo) => {
    const parsed = parseImageReference(text);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(formatReference(parsed.value)).toBe(full);
    expect(repositoryName(parsed.value)).toBe(repo);
    // The fully qualified form parses back to the same reference.
    expect(parseImageReference(full)).toEqual(parsed);
  });
});

describe("familiarRepository: the name Docker's reference filter matches", () => {
  it.each([
    ['docker.io/library/docker', 'docker'],
    ['docker.io/paketobuildpacks/builder', 'paketobuildpacks/builder'],
    ['docker.io/library/team/app', 'library/team/app'],
    ['127.0.0.1:5000/library/docker', '127.0.0.1:5000/library/docker'],
    ['ghcr.io/org/app', 'ghcr.io/org/app'],
  ])('%s → %s', (repository, familiar) => {
    expect(familiarRepository(repository)).toBe(familiar);
  });
});

describe('parseImageListEntry reads the spec formats', () => {
  const valid: [string, ImageListEntry][] = [
    ['*', { kind: 'any', text: '*' }],
    [' * ', { kind: 'any', text: '*' }],
    [
      'docker:cli',
      { kind: 'tag', text: 'docker:cli', registry: 'docker.io', repository: 'library/docker', tag: 'cli' },
    ],
    [
      'busybox',
      { kind: 'tag', text: 'busybox', registry: 'docker.io', repository: 'library/busybox', tag: 'latest' },
    ],
    [
      'docker.io/localstack/localstack:*',
      {
        kind: 'anyTag',
        text: 'docker.io/localstack/localstack:*',
        registry: 'docker.io',
        repository: 'localstack/localstack',
      },
    ],
    [
      'testcontainers/ryuk:*',
      {
        kind: 'anyTag',
        text: 'testcontainers/ryuk:*',
        registry: 'docker.io',
        repository: 'testcontainers/ryuk',
      },
    ],
    [
      'localhost:5000/app:*',
      { kind: 'anyTag', text: 'localhost:5000/app:*', registry: 'localhost:5000', repository: 'app' },
    ],
    [
      '127.0.0.1:5000/team/app:1',
      {
        kind: 'tag',
        text: '127.0.0.1:5000/team/app:1',
        registry: '127.0.0.1:5000',
        repository: 'team/app',
        tag: '1',
      },
    ],
    [
      `busybox@${D}`,
      {
        kind: 'digest',
        text: `busybox@${D}`,
        registry: 'docker.io',
        repository: 'library/busybox',
        digest: D,
      },
    ],
    // Docker pulls name:tag@digest by the digest alone.
    [
      `busybox:1@${D}`,
      {
        kind: 'digest',
        text: `busybox:1@${D}`,
        registry: 'docker.io',
        repository: 'library/busybox',
        digest: D,
      },
    ],
  ];
  it.each(valid)('%s', (text, expected) => {
    expect(parseImageListEntry(text)).toEqual({ ok: true, value: expected });
  });

  const wildcard = 'a wildcard is only allowed as the whole tag (name:*) or the whole entry (*)';
  const invalid: [string, string][] = [
    ['', 'cannot be empty'],
    ['   ', 'cannot be empty'],
    ['**', wildcard],
    ['docker:cli*', wildcard],
    ['docker:c*', wildcard],
    ['docker*', wildcard],
    ['*/docker:cli', wildcard],
    ['docker.io/*', wildcard],
    ['docker:*:*', wildcard],
    ['docker:cli:*', wildcard],
    [`docker@${D}:*`, wildcard],
    ['Docker:*', 'uppercase letters are not allowed in a repository name'],
    ['Docker:cli', 'uppercase letters are not allowed in a repository name'],
    ['docker@sha256:1234', 'digest must be sha256:<64 hex>'],
    ['docker:', 'tag after ":" is empty'],
  ];
  it.each(invalid)('rejects %j', (text, message) => {
    const parsed = parseImageListEntry(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});
