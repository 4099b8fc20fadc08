import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../shared/history-entry.js';
import { EntryColumns } from './entry-columns.js';

function entry(id: number, overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  const image = `docker.io/library/app-${id % 3}:1`;
  return {
    kind: 'socket-mount-denied',
    requester: { kind: 'container', id: `c${id % 5}`, name: `job-${id}`, image: `app-${id % 3}:1` },
    request: { method: 'POST', uri: `/v1.41/containers/create?name=job-${id}` },
    image,
    imageId: `sha256:${id}`,
    reason: 'not-allowed',
    message: `socket-warden: docker socket mount denied for container with image "${image}"`,
    id,
    ...overrides,
    time: overrides.time ?? new Date(Date.UTC(2025, 0, 1, 0, 0, id)).toISOString(),
  };
}

function withoutImage(e: HistoryEntry): HistoryEntry {
  const copy = { ...e };
  delete copy.image;
  delete copy.imageId;
  return copy;
}

const all = (columns: EntryColumns): HistoryEntry[] =>
  Array.from({ length: columns.length }, (_, i) => columns.entryAt(i));

describe('EntryColumns', () => {
  it('gives back exactly the entries pushed, key order included', () => {
    const columns = new EntryColumns(100);
    const pushed = [
      entry(1),
      withoutImage(entry(2, { requester: { kind: 'host' } })),
      entry(3, { kind: 'command-blocked', reason: 'command-blocked', message: 'odd \u0001 message' }),
      entry(4, { time: '2025-06-01T12:00:00Z' }),
      entry(5, { time: '2025-06-01T12:00:00.123456Z', message: 'ünïcode ✓ "quoted"\nline' }),
      entry(Number.MAX_SAFE_INTEGER, {
        request: { method: 'GET', uri: '' },
        time: '2025-06-02T00:00:00.000Z',
      }),
    ];
    for (const e of pushed) columns.push(e);
    expect(all(columns)).toStrictEqual(pushed);
    expect(all(columns).map((e) => JSON.stringify(e))).toEqual(pushed.map((e) => JSON.stringify(e)));
    expect(columns.indexOf(4)).toBe(3);
    expect(columns.indexOf(6)).toBe(-1);
    expect(columns.kindAt(2)).toBe('command-blocked');
    expect(columns.reasonAt(2)).toBe('command-blocked');
  });

  it('keeps the newest maxEntries, oldest first, through growth, wrap-around and repacking', () => {
    const columns = new EntryColumns(150);
    for (let id = 1; id <= 1000; id++) columns.push(entry(id));
    const newest = Array.from({ length: 150 }, (_, i) => entry(851 + i));
    expect(all(columns)).toStrictEqual(newest);
    columns.repack(true);
    expect(all(columns)).toStrictEqual(newest);
    expect(columns.indexOf(851)).toBe(0);
    expect(columns.indexOf(850)).toBe(-1);
    columns.push(entry(1001));
    expect(columns.idAt(0)).toBe(852);
    expect(columns.idAt(149)).toBe(1001);
  });

  it('never hands out an entry that fails the schema', () => {
    const columns = new EntryColumns(10);
    columns.push(entry(1));
    columns.push(entry(2, { request: { method: '', uri: '/' } }));
    columns.push(entry(3, { time: '2025-02-30T00:00:00Z' }));
    expect(columns.checkedEntryAt(0)).toStrictEqual(entry(1));
    expect(columns.checkedEntryAt(1)).toBeUndefined();
    expect(columns.checkedEntryAt(2)).toBeUndefined();
    // The verdict is kept, and survives repacking.
    expect(columns.checkedEntryAt(1)).toBeUndefined();
    for (let id = 4; id <= 11; id++) columns.push(entry(id));
    columns.repack(true);
    expect(columns.checkedEntryAt(0)).toBeUndefined();
    expect(columns.checkedEntryAt(1)).toBeUndefined();
    expect(columns.checkedEntryAt(2)).toStrictEqual(entry(4));
  });

  it('forgets everything on clear and takes new entries after', () => {
    const columns = new EntryColumns(10);
    for (let id = 1; id <= 20; id++) columns.push(entry(id));
    columns.clear();
    expect(columns.length).toBe(0);
    expect(columns.indexOf(20)).toBe(-1);
    columns.push(entry(21));
    expect(all(columns)).toStrictEqual([entry(21)]);
  });
});
