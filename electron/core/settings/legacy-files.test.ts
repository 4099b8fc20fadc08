import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { legacyMoves, moveLegacyFiles } from './legacy-files.js';

const dirs = { settingsDir: '/c/sw', stateDir: '/s/sw' };

describe('legacyMoves', () => {
  const cases: { name: string; entries: string[]; expected: [string, string][] }[] = [
    { name: 'nothing there', entries: [], expected: [] },
    {
      name: 'settings, a kept-aside copy and history; sockets and run stay',
      entries: ['sockets', 'run', 'history', 'settings.json', 'settings.json.corrupt-2025'],
      expected: [
        ['/old/history', '/s/sw/history'],
        ['/old/settings.json', '/c/sw/settings.json'],
        ['/old/settings.json.corrupt-2025', '/c/sw/settings.json.corrupt-2025'],
      ],
    },
    {
      name: 'a file left behind earlier is not moved again',
      entries: ['settings.json.not-moved-x'],
      expected: [],
    },
    { name: 'unknown files stay', entries: ['notes.txt', 'settings.json.tmp'], expected: [] },
  ];
  it.each(cases)('$name', ({ entries, expected }) => {
    expect(legacyMoves('/old', entries, dirs).map((m) => [m.from, m.to])).toEqual(expected);
  });

  it('moves nothing when the new place is the old one', () => {
    expect(legacyMoves('/d', ['settings.json'], { settingsDir: '/d', stateDir: '/d' })).toEqual([]);
  });
});

describe('moveLegacyFiles', () => {
  function setUp() {
    const root = mkdtempSync(path.join(os.tmpdir(), 'sw-legacy-'));
    const legacyDir = path.join(root, 'share');
    mkdirSync(path.join(legacyDir, 'history'), { recursive: true });
    writeFileSync(path.join(legacyDir, 'settings.json'), '{"enforcing":false}');
    writeFileSync(path.join(legacyDir, 'history', 'journal'), 'entries');
    const lines: string[] = [];
    const log = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
    };
    return {
      root,
      legacyDir,
      lines,
      options: { legacyDir, settingsDir: path.join(root, 'config'), stateDir: path.join(root, 'state'), log },
    };
  }

  it('moves settings and history once, logs each move once, and then does nothing', async () => {
    const { root, lines, options, legacyDir } = setUp();
    expect(await moveLegacyFiles(options)).toHaveLength(2);
    expect(readFileSync(path.join(root, 'config', 'settings.json'), 'utf8')).toBe('{"enforcing":false}');
    expect(readFileSync(path.join(root, 'state', 'history', 'journal'), 'utf8')).toBe('entries');
    expect(readdirSync(legacyDir)).toEqual([]);
    expect(lines).toHaveLength(2);
    expect(await moveLegacyFiles(options)).toEqual([]);
    expect(lines).toHaveLength(2);
  });

  it('never overwrites: an existing destination keeps, the old file is kept aside, logged once', async () => {
    const { root, lines, options, legacyDir } = setUp();
    mkdirSync(path.join(root, 'config'), { recursive: true });
    writeFileSync(path.join(root, 'config', 'settings.json'), '{"enforcing":true}');
    await moveLegacyFiles({ ...options, now: () => new Date('2026-01-02T03:04:05Z') });
    expect(readFileSync(path.join(root, 'config', 'settings.json'), 'utf8')).toBe('{"enforcing":true}');
    const kept = path.join(legacyDir, 'settings.json.not-moved-2026-01-02T03-04-05-000Z');
    expect(readFileSync(kept, 'utf8')).toBe('{"enforcing":false}');
    expect(lines.filter((l) => l.includes('not moved'))).toHaveLength(1);
    await moveLegacyFiles(options);
    expect(lines.filter((l) => l.includes('not moved'))).toHaveLength(1);
    expect(existsSync(kept)).toBe(true);
  });

  it('does nothing without an old directory', async () => {
    const { options, root } = setUp();
    expect(await moveLegacyFiles({ ...options, legacyDir: path.join(root, 'none') })).toEqual([]);
    expect(await moveLegacyFiles({ ...options, legacyDir: undefined })).toEqual([]);
  });
});
