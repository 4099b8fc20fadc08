import { describe, expect, it } from 'vitest';
import { isJournalStream, logRecord, type LogLevel } from './log.js';

describe('logRecord', () => {
  const cases: { level: LogLevel; message: string; journal: boolean; expected: string }[] = [
    { level: 'info', message: 'engine reachable again', journal: false, expected: 'engine reachable again' },
    { level: 'warn', message: 'slow', journal: false, expected: 'WARNING: slow' },
    { level: 'error', message: 'boom', journal: false, expected: 'ERROR: boom' },
    { level: 'info', message: 'started', journal: true, expected: '<6>started' },
    { level: 'warn', message: 'slow', journal: true, expected: '<4>slow' },
    { level: 'error', message: 'boom', journal: true, expected: '<3>boom' },
    {
      level: 'error',
      message: 'proxy: Error: x\n    at a (f.js:1)\r\n    at b (g.js:2)\n',
      journal: true,
      expected: '<3>proxy: Error: x |     at a (f.js:1) |     at b (g.js:2)',
    },
    { level: 'warn', message: 'two\n\n\nlines  ', journal: false, expected: 'WARNING: two | lines' },
  ];
  it.each(cases)('$level $journal $message', ({ level, message, journal, expected }) => {
    const record = logRecord(level, message, journal);
    expect(record).toBe(expected);
    expect(record).not.toMatch(/[\r\n]/);
  });
});

describe('isJournalStream', () => {
  const cases: { stream: string | undefined; stat?: { dev: number; ino: number }; expected: boolean }[] = [
    { stream: undefined, stat: { dev: 1, ino: 2 }, expected: false },
    { stream: '1:2', stat: { dev: 1, ino: 2 }, expected: true },
    { stream: '1:3', stat: { dev: 1, ino: 2 }, expected: false },
    { stream: '1:2', stat: undefined, expected: false },
    { stream: 'garbage', stat: { dev: 1, ino: 2 }, expected: false },
  ];
  it.each(cases)('$stream', ({ stream, stat, expected }) => {
    expect(isJournalStream(stream, stat)).toBe(expected);
  });
});
