import { describe, expect, it } from 'vitest';
import type { NewHistoryEntry } from '../../../shared/history-entry.js';
import { boundHistoryEntry, cutMiddle, HISTORY_TEXT_LIMITS } from './entry-bounds.js';

const entry: NewHistoryEntry = {
  kind: 'command-blocked',
  requester: { kind: 'container', id: 'c0ffee', name: 'ci', image: 'docker:cli' },
  request: { method: 'POST', uri: '/v1.41/images/app/push' },
  image: 'docker.io/library/docker:cli',
  reason: 'command-blocked',
  message: 'blocked',
};

describe('cutMiddle', () => {
  it.each([
    ['short text', 'abc', 5, 'abc'],
    ['text of exactly the limit', 'abcde', 5, 'abcde'],
    ['longer text: start and end around ...', 'abcdefghijkl', 7, 'abc...l'],
    ['a limit of 11', '0123456789abcdef', 11, '012345...ef'],
    ['a surrogate pair at the head cut', 'ab🐳cdefghij', 7, 'ab...j'],
    ['a surrogate pair at the tail cut', 'abcdefghi🐳', 7, 'abc...'],
    ['a limit with room for one character', 'abcdefgh', 4, 'a...'],
    ['a limit with room for the mark alone', 'abcdefgh', 3, '...'],
    ['a limit shorter than the mark', 'abcdefg🐳', 1, '.'],
  ])('%s', (_, text, limit, cut) => {
    expect(cutMiddle(text, limit)).toBe(cut);
    expect(cutMiddle(text, limit).length).toBeLessThanOrEqual(limit);
  });
});

describe('boundHistoryEntry', () => {
  it('keeps a cut Latin-1 target Latin-1, so V8 holds it in a byte per character, not two', () => {
    // A request target is read as Latin-1; a non-Latin-1 mark would double every cut entry's memory.
    const uri = `/v1.41/plugins/pull?remote=${'a'.repeat(70_000)}\u00ff`;
    const bounded = boundHistoryEntry({ ...entry, request: { method: 'POST', uri }, message: uri });
    for (const text of [bounded.request.uri, bounded.message]) {
      expect(text.length).toBeLessThanOrEqual(HISTORY_TEXT_LIMITS.uri);
      expect(text).toMatch(/^\/v1\.41\/plugins\/pull\?remote=a+\.\.\.a+\u00ff$/);
      expect([...text].every((c) => c.charCodeAt(0) <= 0xff)).toBe(true);
    }
  });

  it('returns an entry within the limits as it is', () => {
    expect(boundHistoryEntry(entry)).toBe(entry);
  });

  const long = (n: number): string => 'x'.repeat(n + 1);
  it.each<[string, NewHistoryEntry, NewHistoryEntry['truncated']]>([
    ['uri', { ...entry, request: { method: 'GET', uri: long(HISTORY_TEXT_LIMITS.uri) } }, { uri: 4097 }],
    ['message', { ...entry, message: long(HISTORY_TEXT_LIMITS.message) }, { message: 4097 }],
    ['image', { ...entry, image: long(HISTORY_TEXT_LIMITS.image) }, { image: 1025 }],
    ['imageId', { ...entry, imageId: long(1024) }, { imageId: 1025 }],
    [
      'requester',
      { ...entry, requester: { kind: 'container', id: long(1024), name: long(2000), image: long(1024) } },
      { requesterId: 1025, requesterName: 2001, requesterImage: 1025 },
    ],
  ])('cuts a long %s and says so', (_, input, truncated) => {
    const bound = boundHistoryEntry(input);
    expect(bound.truncated).toEqual(truncated);
    const texts = [bound.request.uri, bound.message, bound.image ?? '', bound.imageId ?? ''];
    if (bound.requester.kind === 'container')
      texts.push(bound.requester.id, bound.requester.name, bound.requester.image);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(HISTORY_TEXT_LIMITS.uri);
    // Bounding again changes nothing: what was read back from the journal stays as it was written.
    expect(boundHistoryEntry(bound)).toBe(bound);
  });

  it('keeps the fields it did not cut', () => {
    const bound = boundHistoryEntry({ ...entry, message: long(5000) });
    expect({ ...bound, message: undefined, truncated: undefined }).toEqual({
      ...entry,
      message: undefined,
      truncated: undefined,
    });
  });
});
