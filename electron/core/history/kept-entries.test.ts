import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../shared/history-entry.js';
import { KeptEntries } from './kept-entries.js';

const entry = (id: number): HistoryEntry => ({
  id,
  time: new Date(0).toISOString(),
  kind: 'command-blocked',
  requester: { kind: 'host' },
  request: { method: 'POST', uri: '/x' },
  reason: 'command-blocked',
  message: 'm',
});

describe('KeptEntries', () => {
  it.each([
    ['within both bounds', [10, 10, 10], { maxEntries: 5, maxBytes: 100 }, [1, 2, 3], 30],
    ['over the count', [10, 10, 10, 10], { maxEntries: 2, maxBytes: 100 }, [3, 4], 20],
    ['over the bytes', [50, 40, 30, 20], { maxEntries: 10, maxBytes: 60 }, [3, 4], 50],
  ])('%s keeps the newest', (_, sizes, limits, ids, bytes) => {
    const kept = new KeptEntries(limits);
    sizes.forEach((size, i) => kept.push(entry(i + 1), size));
    kept.trim();
    expect(kept.list.map((e) => e.id)).toEqual(ids);
    expect(kept.bytes).toBe(bytes);
    expect(kept.count).toBe(ids.length);
  });

  it('is overdue for a trim once twice over a bound', () => {
    const kept = new KeptEntries({ maxEntries: 2, maxBytes: 1000 });
    for (let id = 1; id <= 4; id++) kept.push(entry(id), 1);
    expect(kept.overdue).toBe(false);
    kept.push(entry(5), 1);
    expect(kept.overdue).toBe(true);
  });
});
