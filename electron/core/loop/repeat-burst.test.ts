import { describe, expect, it } from 'vitest';
import { RepeatBurst } from './repeat-burst.js';

describe('RepeatBurst', () => {
  it.each<[string, [key: string, at: number][], boolean[]]>([
    [
      'three of the same quickly',
      [
        ['a', 0],
        ['a', 10],
        ['a', 20],
      ],
      [false, false, true],
    ],
    [
      'spread out past the window',
      [
        ['a', 0],
        ['a', 60],
        ['a', 120],
      ],
      [false, false, false],
    ],
    [
      'different requests',
      [
        ['a', 0],
        ['b', 1],
        ['c', 2],
      ],
      [false, false, false],
    ],
    [
      'the tally starts again after a burst',
      [
        ['a', 0],
        ['a', 1],
        ['a', 2],
        ['a', 3],
        ['a', 4],
      ],
      [false, false, true, false, false],
    ],
    [
      'others in between do not hide a repeat',
      [
        ['a', 0],
        ['b', 1],
        ['a', 2],
        ['c', 3],
        ['a', 4],
      ],
      [false, false, false, false, true],
    ],
  ])('%s', (_name, notes, expected) => {
    const burst = new RepeatBurst({ count: 3, windowMs: 50 });
    expect(notes.map(([key, at]) => burst.note(key, at))).toEqual(expected);
  });

  it('forgets what it tracks past its bound, without growing', () => {
    const burst = new RepeatBurst({ count: 2, windowMs: 1000 });
    for (let i = 0; i < 10_000; i++) burst.note(`k${i}`, i % 100);
    expect(burst.note('k9999', 100)).toBe(true);
  });
});
