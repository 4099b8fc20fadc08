import { describe, expect, it } from 'vitest';
import { cameBack, hopField, hopsOf, newInstanceId } from './hop-header.js';

const head = (...headers: [string, string][]) => ({ headers });

describe('hop fields', () => {
  it.each<[string, ReturnType<typeof head>, string[]]>([
    ['none', head(['Host', 'docker']), []],
    ['one', head(['X-Socket-Warden-Hop', 'aa']), ['aa']],
    ['any spelling of the name', head(['x-socket-warden-hop', 'aa']), ['aa']],
    [
      'one field per hop, in order',
      head(['X-Socket-Warden-Hop', 'aa'], ['X-Socket-Warden-Hop', 'bb']),
      ['aa', 'bb'],
    ],
    ['a comma list (fields joined by a proxy)', head(['X-Socket-Warden-Hop', 'aa, bb,,']), ['aa', 'bb']],
  ])('%s', (_name, request, expected) => {
    expect(hopsOf(request)).toEqual(expected);
  });

  it.each<[string, ReturnType<typeof head>, boolean]>([
    ['our id', head(['X-Socket-Warden-Hop', 'me']), true],
    ['our id after another', head(['X-Socket-Warden-Hop', 'other, me']), true],
    ['another id only', head(['X-Socket-Warden-Hop', 'other']), false],
    ['our id in another field', head(['X-Other', 'me']), false],
    ['a longer id that starts with ours', head(['X-Socket-Warden-Hop', 'me2']), false],
  ])('cameBack: %s', (_name, request, expected) => {
    expect(cameBack(request, 'me')).toBe(expected);
  });

  it('instance ids are random and fit a field', () => {
    const [a, b] = [newInstanceId(), newInstanceId()];
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    expect(hopField(a)).toEqual(['X-Socket-Warden-Hop', a]);
  });
});
