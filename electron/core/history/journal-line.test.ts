import { describe, expect, it } from 'vitest';
import {
  decodeJournal,
  decodeJournalLine,
  JournalScanner,
  encodeJournalLine,
  JOURNAL_FORMAT,
  type JournalRecord,
} from './journal-line.js';
import type { HistoryEntry } from '../../../shared/history-entry.js';

function recorded(id: number, overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id,
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, id)).toISOString(),
    kind: 'socket-mount-denied',
    requester: { kind: 'container', id: 'c0ffee', name: 'probe', image: 'docker:cli' },
    request: { method: 'POST', uri: '/v1.41/containers/create' },
    image: 'docker.io/library/docker:cli',
    reason: 'not-allowed',
    message: 'socket mount denied',
    ...overrides,
  };
}

const header: JournalRecord = { header: { format: JOURNAL_FORMAT, version: 1, nextId: 7 } };
const records: JournalRecord[] = [
  header,
  { entry: recorded(7) },
  { entry: recorded(8, { message: 'ünïcode ✓ "quoted"\nline' }) },
];
const journal = Buffer.concat(records.map(encodeJournalLine));

describe('journal lines', () => {
  it('decode what they encode, header and entries alike', () => {
    expect(decodeJournal(journal)).toEqual({
      records,
      intactBytes: journal.length,
      tornTailBytes: 0,
      corruptLines: 0,
    });
  });

  it('are one line each, even when the message has line breaks', () => {
    const line = encodeJournalLine(records[2]!);
    expect(line.indexOf(0x0a)).toBe(line.length - 1);
  });

  it('drop a last line torn at any byte and keep every line before it', () => {
    const lastStart = journal.length - encodeJournalLine(records[2]!).length;
    for (let cut = lastStart + 1; cut < journal.length; cut++) {
      const decoded = decodeJournal(journal.subarray(0, cut));
      expect(decoded.records, `cut at ${cut}`).toEqual(records.slice(0, 2));
      expect(decoded.intactBytes).toBe(lastStart);
      expect(decoded.tornTailBytes).toBe(cut - lastStart);
      expect(decoded.corruptLines).toBe(0);
    }
  });

  it('skip a damaged line in the middle and keep the lines after it', () => {
    const damaged = Buffer.from(journal);
    const secondLineStart = encodeJournalLine(header).length;
    damaged.writeUInt8(damaged.readUInt8(secondLineStart + 20) ^ 0x01, secondLineStart + 20);
    const decoded = decodeJournal(damaged);
    expect(decoded.records).toEqual([records[0], records[2]]);
    expect(decoded.corruptLines).toBe(1);
    expect(decoded.tornTailBytes).toBe(0);
  });

  it('treat damaged complete lines after the last good one as the tail', () => {
    const withGarbage = Buffer.concat([journal, Buffer.from('deadbeef {"entry":1}\n\0\0\0\n')]);
    const decoded = decodeJournal(withGarbage);
    expect(decoded.records).toEqual(records);
    expect(decoded.intactBytes).toBe(journal.length);
    expect(decoded.corruptLines).toBe(0);
  });

  const entryJson = JSON.stringify({ entry: recorded(1) });
  it.each([
    ['empty', ''],
    ['no checksum', entryJson],
    ['wrong checksum', `00000000 ${entryJson}`],
    [
      'checksum without separator',
      `${encodeJournalLine({ entry: recorded(1) })
        .toString()
        .slice(0, 8)}${entryJson}`,
    ],
    [
      'valid checksum, not JSON',
      (() => {
        const line = encodeJournalLine({ entry: recorded(1) }).toString();
        return line.slice(0, 9) + line.slice(9, -2);
      })(),
    ],
  ])('reject a line with %s', (_name, text) => {
    expect(decodeJournalLine(Buffer.from(text))).toBeUndefined();
  });

  it('reject a checksummed line whose record has the wrong shape', () => {
    const line = encodeJournalLine({
      entry: { ...recorded(1), reason: 'bogus' },
    } as unknown as JournalRecord);
    expect(decodeJournalLine(line.subarray(0, -1))).toBeUndefined();
  });

  it('decide the same lines fed in chunks of any size as all at once', () => {
    const torn = Buffer.concat([
      journal,
      Buffer.from('00000000 bad\n'),
      journal,
      Buffer.from('1a2b3c4d {"en'),
    ]);
    const whole = decodeJournal(torn);
    for (const size of [1, 2, 7, 64, 1000, torn.length]) {
      const seen: string[] = [];
      const scanner = new JournalScanner((line) => {
        seen.push(Buffer.from(line).toString());
        return decodeJournalLine(line) !== undefined;
      });
      for (let start = 0; start < torn.length; start += size)
        scanner.feed(torn.subarray(start, start + size));
      const { records: _records, ...accounting } = whole;
      expect(scanner.finish(), `chunks of ${size}`).toEqual(accounting);
      expect(seen).toHaveLength(7);
    }
  });

  it('skip a line longer than the bound without holding it, in chunks of any size', () => {
    const long = encodeJournalLine({ entry: recorded(9, { message: 'x'.repeat(1000) }) });
    const fed = Buffer.concat([journal, long, encodeJournalLine({ entry: recorded(10) }), long]);
    for (const size of [1, 7, 64, 100, fed.length]) {
      const kept: number[] = [];
      const scanner = new JournalScanner((line) => {
        const record = decodeJournalLine(line);
        if (record && 'entry' in record) kept.push(record.entry.id);
        return record !== undefined;
      }, 600);
      for (let start = 0; start < fed.length; start += size) scanner.feed(fed.subarray(start, start + size));
      expect(kept, `chunks of ${size}`).toEqual([7, 8, 10]);
      // The long line between good ones is damage; the long last one is the tail.
      expect(scanner.finish()).toEqual({
        intactBytes: fed.length - long.length,
        tornTailBytes: long.length,
        corruptLines: 1,
      });
    }
  });
});
