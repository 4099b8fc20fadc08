import { describe, expect, it } from 'vitest';
import { emptyMismatchReason, noNextRunReason, type PaneFacts } from './explain.js';

const idle: PaneFacts['refresher'] = {
  running: false,
  lastRunAt: '2026-01-01T00:00:00Z',
  nextRunAt: null,
  imagesChecked: 0,
  errors: [],
};
const facts = (over: Partial<PaneFacts>): PaneFacts => ({
  images: ['docker:cli'],
  engineReachable: true,
  refresher: idle,
  ...over,
});

describe('emptyMismatchReason: the empty Mismatched images list says why', () => {
  it.each<[string, PaneFacts, boolean, string, RegExp]>([
    ['no allowed images', facts({ images: [] }), false, 'no-images', /No image is allowed/],
    ['engine unreachable', facts({ engineReachable: false }), true, 'engine-unreachable', /unreachable/],
    [
      'engine unreachable, empty list',
      facts({ images: [], engineReachable: false }),
      false,
      'engine-unreachable',
      /unreachable/,
    ],
    ['* allows everything', facts({ images: ['*'] }), false, 'nothing-to-compare', /every image/],
    [
      'only name:* and digests',
      facts({ images: ['alpine:*', `alpine@sha256:${'a'.repeat(64)}`] }),
      false,
      'nothing-to-compare',
      /names a tag/,
    ],
    [
      'registry failures',
      facts({ refresher: { ...idle, errors: ['docker:cli: 429'] } }),
      false,
      'unchecked',
      /1 entry could not be checked/,
    ],
    ['list not readable', facts({}), true, 'unchecked', /could not be read/],
    ['all match', facts({}), false, 'all-match', /matches the digest/],
  ])('%s', (_name, input, loadFailed, kind, text) => {
    const reason = emptyMismatchReason(input, loadFailed);
    expect(reason.kind).toBe(kind);
    expect(reason.text).toMatch(text);
  });
});

describe('noNextRunReason: "Next run" never stands alone', () => {
  it.each<[string, PaneFacts, RegExp | undefined]>([
    ['scheduled', facts({ refresher: { ...idle, nextRunAt: '2026-01-01T00:10:00Z' } }), undefined],
    ['running', facts({ refresher: { ...idle, running: true } }), undefined],
    ['no images', facts({ images: [] }), /no allowed images/],
    ['*', facts({ images: ['*', 'docker:cli'] }), /every image is allowed/],
    ['no name:tag entries', facts({ images: ['alpine:*'] }), /no name:tag entries/],
    ['tags but nothing scheduled', facts({}), /refresher is off/],
  ])('%s', (_name, input, expected) => {
    const reason = noNextRunReason(input);
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  });
});
