import { describe, expect, it } from 'vitest';
import { compactionSlack, keepNewest, needsCompaction } from './retention.js';

describe('retention', () => {
  it.each([
    [1, 1],
    [5, 1],
    [10, 1],
    [100, 10],
    [10_000, 1_000],
  ])('lets a journal bounded to %i run %i entries over', (max, slack) => {
    expect(compactionSlack(max)).toBe(slack);
    expect(needsCompaction(max + slack, max)).toBe(false);
    expect(needsCompaction(max + slack + 1, max)).toBe(true);
  });

  it.each([
    [[1, 2, 3, 4], 2, [3, 4]],
    [[1, 2], 5, [1, 2]],
    [[1, 2, 3], 3, [1, 2, 3]],
    [[], 3, []],
  ])('keeps the newest of %j up to %i: %j', (list, max, kept) => {
    expect(keepNewest(list, max)).toEqual(kept);
  });
});
