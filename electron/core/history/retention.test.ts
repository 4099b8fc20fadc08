import { describe, expect, it } from 'vitest';
import { compactionSlack, needsCompaction, oldestToDrop, validateLimits } from './retention.js';

describe('retention', () => {
  it.each([
    [1, 1],
    [5, 1],
    [10, 1],
    [100, 10],
    [10_000, 1_000],
  ])('lets a journal bounded to %i entries run %i over', (max, slack) => {
    expect(compactionSlack(max)).toBe(slack);
    const limits = { maxEntries: max, maxBytes: 1 << 30 };
    expect(needsCompaction({ entryLines: max + slack, bytes: 0 }, limits)).toBe(false);
    expect(needsCompaction({ entryLines: max + slack + 1, bytes: 0 }, limits)).toBe(true);
  });

  it.each([
    [1000, 1100, false],
    [1000, 1101, true],
    [16 << 20, (16 << 20) + Math.floor((16 << 20) / 10), false],
    [16 << 20, (16 << 20) + Math.floor((16 << 20) / 10) + 1, true],
  ])('lets a journal bounded to %i bytes hold %i: compact %s', (maxBytes, bytes, compact) => {
    expect(needsCompaction({ entryLines: 1, bytes }, { maxEntries: 10, maxBytes })).toBe(compact);
  });

  it.each([
    ['within both bounds', [1, 2, 3], 5, 100, 0],
    ['over the count', [1, 2, 3, 4], 2, 100, 2],
    ['over the bytes', [40, 30, 20, 10], 10, 35, 2],
    ['over both: whichever drops more', [40, 30, 20, 10], 3, 25, 3],
    ['an entry alone larger than the bytes', [5, 500], 10, 100, 2],
    ['nothing', [], 3, 10, 0],
  ])('%s: drops the oldest %#', (_, sizes, maxEntries, maxBytes, drop) => {
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(oldestToDrop(sizes, total, { maxEntries, maxBytes })).toBe(drop);
  });

  it.each([
    [{ maxEntries: 0, maxBytes: 10 }],
    [{ maxEntries: 10, maxBytes: 0 }],
    [{ maxEntries: 1.5, maxBytes: 10 }],
  ])('refuses limits %j', (limits) => {
    expect(() => validateLimits(limits)).toThrow(RangeError);
  });
});
