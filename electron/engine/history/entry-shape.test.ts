import { describe, expect, it } from 'vitest';
import { historyEntrySchema, type HistoryEntry } from '../../../shared/history-entry.js';
import { isHistoryEntry } from './entry-shape.js';

const valid: HistoryEntry = {
  kind: 'command-blocked',
  requester: { kind: 'container', id: 'c0ffee', name: 'ci', image: 'docker:cli' },
  request: { method: 'POST', uri: '/v1.41/images/app/push' },
  image: 'docker.io/library/docker:cli',
  imageId: 'sha256:abc',
  reason: 'command-blocked',
  message: 'blocked',
  id: 7,
  time: '2025-06-01T12:00:00.000Z',
};

const variants: Array<[string, unknown]> = [
  ['a valid entry', valid],
  ['a host requester', { ...valid, requester: { kind: 'host' } }],
  ['a host requester with stray keys', { ...valid, requester: { kind: 'host', id: 'x' } }],
  ['no image or image id', { ...valid, image: undefined, imageId: undefined }],
  ['unknown keys', { ...valid, extra: 1 }],
  ['a time without milliseconds', { ...valid, time: '2025-06-01T12:00:00Z' }],
  ['a time with microseconds', { ...valid, time: '2025-06-01T12:00:00.123456Z' }],
  ['a time with an offset', { ...valid, time: '2025-06-01T12:00:00.000+02:00' }],
  ['a day that does not exist', { ...valid, time: '2025-02-30T12:00:00.000Z' }],
  ['an extended year', { ...valid, time: new Date(-1e15).toISOString() }],
  ['a date only', { ...valid, time: '2025-06-01' }],
  ['a numeric time', { ...valid, time: 1 }],
  ['id 0', { ...valid, id: 0 }],
  ['a fractional id', { ...valid, id: 1.5 }],
  ['an unsafe id', { ...valid, id: 2 ** 53 }],
  ['a string id', { ...valid, id: '7' }],
  ['an unknown kind', { ...valid, kind: 'other' }],
  ['an unknown reason', { ...valid, reason: 'because' }],
  ['a null image', { ...valid, image: null }],
  ['a numeric image id', { ...valid, imageId: 5 }],
  ['an empty method', { ...valid, request: { method: '', uri: '/' } }],
  ['no uri', { ...valid, request: { method: 'GET' } }],
  ['an array request', { ...valid, request: ['GET', '/'] }],
  [
    'a container without an id',
    { ...valid, requester: { kind: 'container', id: '', name: 'n', image: 'i' } },
  ],
  ['a container without a name', { ...valid, requester: { kind: 'container', id: 'c', image: 'i' } }],
  ['an unknown requester kind', { ...valid, requester: { kind: 'robot' } }],
  ['no message', { ...valid, message: undefined }],
  ['null', null],
  ['an array', [valid]],
];

describe('isHistoryEntry', () => {
  it.each(variants)('agrees with the schema on %s', (_name, value) => {
    expect(isHistoryEntry(value)).toBe(historyEntrySchema.safeParse(value).success);
  });

  it('accepts the entry and refuses the rest where the schema does', () => {
    // Guards the table above against agreeing only because everything passes or everything fails.
    expect(variants.filter(([, value]) => isHistoryEntry(value)).length).toBeGreaterThan(3);
    expect(variants.filter(([, value]) => !isHistoryEntry(value)).length).toBeGreaterThan(10);
  });
});
