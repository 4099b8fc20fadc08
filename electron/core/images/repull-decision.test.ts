import { describe, expect, it } from 'vitest';
import type { ManifestDigestResult } from '../registry/registry-client.js';
import {
  decideAfterPull,
  decideBeforePull,
  originDigests,
  type AfterPull,
  type BeforePull,
  type LocalCopy,
  type RepullRefusal,
} from './repull-decision.js';

const D = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const OLD = 'sha256:' + 'a'.repeat(64);
const NEW = 'sha256:' + 'b'.repeat(64);
const target = {
  name: '127.0.0.1:5000/team/app:1',
  registry: '127.0.0.1:5000',
  repository: '127.0.0.1:5000/team/app',
  path: 'team/app',
  tag: '1',
};
const local = (...digests: string[]): LocalCopy => ({ id: OLD, digests });
const found = (digest: string): ManifestDigestResult => ({ status: 'found', digest });
const notFound: ManifestDigestResult = { status: 'not-found' };
const unreachable: ManifestDigestResult = { status: 'unreachable', error: 'connect ECONNREFUSED' };
const denied: ManifestDigestResult = {
  status: 'denied',
  error: '127.0.0.1:5000 denied access to team/app: … needs `docker login 127.0.0.1:5000`',
};

describe('originDigests: which local digests to ask the registry about', () => {
  it.each<[string, LocalCopy | undefined, ManifestDigestResult, string[]]>([
    ['no local image', undefined, found(D(1)), []],
    ['the tag matches a local digest', local(D(1), D(2)), found(D(2)), []],
    ['the tag moved', local(D(1), D(2)), found(D(3)), [D(1), D(2)]],
    ['no local digest', local(), found(D(3)), []],
    ['the registry has no such tag', local(D(1)), notFound, []],
    ['the registry is down', local(D(1)), unreachable, []],
  ])('%s', (_, copy, tag, expected) => {
    expect(originDigests(copy, tag)).toEqual(expected);
  });
});

describe('decideBeforePull', () => {
  type Expected = { pull: string } | { refuse: RepullRefusal; saying: string };
  it.each<[string, LocalCopy | undefined, ManifestDigestResult, ManifestDigestResult | undefined, Expected]>([
    [
      'no local image: nothing to re-pull',
      undefined,
      found(D(1)),
      undefined,
      { refuse: 'absent', saying: 'there is no local image 127.0.0.1:5000/team/app:1' },
    ],
    [
      'the local copy has the registry digest: refused, nothing pulled',
      local(D(1)),
      found(D(1)),
      undefined,
      { refuse: 'up-to-date', saying: `already has the registry's digest ${D(1)}` },
    ],
    [
      'one of several local digests is the registry digest',
      local(D(2), D(1)),
      found(D(1)),
      undefined,
      { refuse: 'up-to-date', saying: 'nothing to re-pull' },
    ],
    [
      'the registry has no such tag: local-only',
      local(D(1)),
      notFound,
      undefined,
      { refuse: 'local-only', saying: 'has no tag 1 in 127.0.0.1:5000/team/app' },
    ],
    [
      'no local digest at all (built or tagged here): local-only',
      local(),
      found(D(1)),
      undefined,
      { refuse: 'local-only', saying: 'was built or tagged here' },
    ],
    [
      'local digests the registry does not hold (containerd store, Podman): local-only',
      local(D(2)),
      found(D(1)),
      notFound,
      { refuse: 'local-only', saying: `none of the digests of ${target.name}` },
    ],
    [
      'the tag moved from a digest the registry still holds: pull',
      local(D(2)),
      found(D(1)),
      found(D(2)),
      { pull: D(1) },
    ],
    [
      'registry down: refused, the image left as it is',
      local(D(2)),
      unreachable,
      undefined,
      { refuse: 'registry-unreachable', saying: 'ECONNREFUSED' },
    ],
    [
      'registry denies the tag: refused, naming docker login',
      local(D(2)),
      denied,
      undefined,
      { refuse: 'registry-denied', saying: 'docker login 127.0.0.1:5000' },
    ],
    [
      'registry down when asked about the local digest',
      local(D(2)),
      found(D(1)),
      unreachable,
      { refuse: 'registry-unreachable', saying: 'whether it holds' },
    ],
    [
      'registry denies the local digest',
      local(D(2)),
      found(D(1)),
      denied,
      { refuse: 'registry-denied', saying: 'whether it holds' },
    ],
  ])('%s', (_, copy, tag, origin, expected) => {
    const plan: BeforePull = decideBeforePull({
      target,
      local: copy,
      tag,
      ...(origin ? { origin } : {}),
    });
    if ('pull' in expected) {
      expect(plan).toEqual({ action: 'pull', previous: copy, registryDigest: expected.pull });
    } else {
      expect(plan).toMatchObject({ action: 'refuse', reason: expected.refuse });
      expect(plan.action === 'refuse' && plan.message).toContain(expected.saying);
    }
    // Every refusal that had an image says it is left as it is (or that nothing changes).
    if (plan.action === 'refuse' && copy) expect(plan.message).toMatch(/left as it is|nothing to re-pull/);
  });

  it('insists on the origin question when the digests differ (the caller must ask)', () => {
    expect(() => decideBeforePull({ target, local: local(D(2)), tag: found(D(1)) })).toThrow(/origin/);
  });
});

describe('decideAfterPull', () => {
  const previous = local(D(2));
  it.each([
    ['the registry went down', 'Get "http://127.0.0.1:5000/v2/": connection refused'],
    ['the engine was denied', 'unauthorized: authentication required'],
  ])('a failed pull (%s) removes nothing and says the image is unchanged', (_, error) => {
    const plan = decideAfterPull({ target, previous, pull: 'failed', error });
    expect(plan).toEqual({
      action: 'fail',
      message: `pull of ${target.name} failed: ${error}; ${target.name} is still image aaaaaaaaaaaa, nothing was removed`,
    });
  });

  it.each<[string, LocalCopy | undefined, { repoTags: string[] } | undefined, AfterPull['action'], string?]>([
    ['the engine shows no image by the name', undefined, { repoTags: [] }, 'fail'],
    [
      'same image ID (only the digest was new): nothing to remove',
      { id: OLD, digests: [D(2), D(1)] },
      { repoTags: [target.name] },
      'done',
      'same-image',
    ],
    [
      'new image; previous one dangling: remove it (without force)',
      { id: NEW, digests: [D(1)] },
      { repoTags: [] },
      'remove-previous',
    ],
    [
      'new image; previous listed as <none>:<none> (Podman): dangling',
      { id: NEW, digests: [D(1)] },
      { repoTags: ['<none>:<none>'] },
      'remove-previous',
    ],
    [
      'new image; previous still tagged elsewhere: kept',
      { id: NEW, digests: [D(1)] },
      { repoTags: ['team/app:backup'] },
      'done',
      'kept',
    ],
    ['new image; previous gone already', { id: NEW, digests: [D(1)] }, undefined, 'done', 'gone'],
    [
      'new image without a digest of the repository: previous kept',
      { id: NEW, digests: [] },
      { repoTags: [] },
      'done',
      'kept',
    ],
  ])('%s', (_, pulled, previousNow, action, old) => {
    const plan = decideAfterPull({ target, previous, pull: 'succeeded', pulled, previousNow });
    expect(plan.action).toBe(action);
    if (plan.action === 'done') expect(plan.old).toBe(old);
    if (plan.action === 'remove-previous') expect(plan.id).toBe(OLD);
    if (plan.action === 'done' && old === 'kept' && previousNow?.repoTags.length)
      expect(plan.message).toContain('team/app:backup');
  });
});
