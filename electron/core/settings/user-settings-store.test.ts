import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserSettingsError, UserSettingsStore } from './user-settings-store.js';
import type { SettingsLog } from './settings-log.js';

function recordingLog(): SettingsLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

const NOW = new Date('2025-01-02T03:04:05.678Z');
const CORRUPT = 'settings.json.corrupt-2025-01-02T03-04-05-678Z';

describe('UserSettingsStore', () => {
  let dataDir: string;
  let file: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'sw-user-settings-'));
    file = path.join(dataDir, 'settings.json');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const open = (log = recordingLog()) => UserSettingsStore.open({ dataDir, log, now: () => NOW });

  it('starts empty without creating anything, then persists what is set (readable by a new instance)', () => {
    const store = open();
    expect(store.path).toBe(file);
    expect(store.get()).toEqual({});
    store.set({
      enforcing: false,
      imageList: { images: ['docker:cli'] },
      refresher: { intervalMinutes: 30 },
    });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      enforcing: false,
      imageList: { images: ['docker:cli'] },
      refresher: { intervalMinutes: 30 },
    });
    expect(open().get()).toEqual({
      enforcing: false,
      imageList: { images: ['docker:cli'] },
      refresher: { intervalMinutes: 30 },
    });
  });

  it('keeps the file private to the user (0600)', () => {
    open().set({ enforcing: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses an invalid write, names the field, and leaves the stored settings alone', () => {
    const store = open();
    store.set({ imageList: { images: ['docker:cli'] } });
    expect(() => store.set({ imageList: { images: ['docker:cli', 'no*good'] } })).toThrow(UserSettingsError);
    expect(() => store.set({ imageList: { images: ['docker:cli', 'no*good'] } })).toThrow(
      /imageList\.images\[1\]/,
    );
    expect(store.get()).toEqual({ imageList: { images: ['docker:cli'] } });
  });

  it('a file that is not JSON at start is moved aside (not lost) and reported', () => {
    writeFileSync(file, '{"enforcing": false,');
    const log = recordingLog();
    const store = open(log);
    expect(store.get()).toEqual({});
    expect(readFileSync(path.join(dataDir, CORRUPT), 'utf8')).toBe('{"enforcing": false,');
    expect(log.lines.join('\n')).toMatch(
      /^error: user settings .*settings\.json are not valid JSON .*kept as .*corrupt-2025/m,
    );
  });

  it('a file corrupted while running is copied aside and reported on the next read', () => {
    const log = recordingLog();
    const store = open(log);
    store.set({ enforcing: false });
    writeFileSync(file, 'garbage');
    expect(store.get()).toEqual({});
    expect(readFileSync(path.join(dataDir, CORRUPT), 'utf8')).toBe('garbage');
    expect(log.lines.some((l) => l.startsWith('error: ') && l.includes('not valid JSON'))).toBe(true);
  });

  it('a schema-invalid file keeps a copy, keeps every field that is still valid, and names the bad field', () => {
    const original = JSON.stringify({
      enforcing: false,
      imageList: { images: ['docker:cli', 'BAD*'] },
      commandList: { type: 'allow', commands: ['ps'] },
      refresher: { intervalMinutes: 10 },
    });
    writeFileSync(file, original);
    const log = recordingLog();
    const store = open(log);
    expect(store.get()).toEqual({
      enforcing: false,
      commandList: { type: 'allow', commands: ['ps'] },
      refresher: { intervalMinutes: 10 },
    });
    expect(readFileSync(path.join(dataDir, CORRUPT), 'utf8')).toBe(original);
    const error = log.lines.find((l) => l.startsWith('error: '));
    expect(error).toContain(`invalid settings in ${file}`);
    expect(error).toContain('imageList.images[1]');
    expect(error).toContain(
      'keeping only the settings that are still valid (enforcing, commandList, refresher)',
    );
    // Repaired on disk, so the next start is quiet.
    const again = recordingLog();
    expect(open(again).get()).toEqual(store.get());
    expect(again.lines).toEqual([]);
  });

  it('a file from 0.1 (no version) is migrated once, its original kept as .v0, said once', () => {
    writeFileSync(file, JSON.stringify({ enforcing: false }));
    const log = recordingLog();
    expect(open(log).get()).toEqual({ enforcing: false });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, enforcing: false });
    expect(JSON.parse(readFileSync(`${file}.v0`, 'utf8'))).toEqual({ enforcing: false });
    expect(log.lines).toEqual([
      expect.stringMatching(/^info: user settings .* migrated from version 0 to 1/),
    ]);
    const again = recordingLog();
    open(again).get();
    expect(again.lines).toEqual([]);
  });

  it('a file from a newer version is kept aside before anything is written over it', () => {
    const future = JSON.stringify({ version: 9, enforcing: false, newThing: { a: 1 } });
    writeFileSync(file, future);
    const log = recordingLog();
    const store = open(log);
    expect(store.get()).toEqual({ enforcing: false });
    expect(readFileSync(`${file}.from-v9-2025-01-02T03-04-05-678Z`, 'utf8')).toBe(future);
    expect(log.lines[0]).toMatch(
      /^error: .*version 9 was written by a newer Socket Warden.*kept the original/,
    );
    // The unknown key survives in the rewritten file.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      enforcing: false,
      newThing: { a: 1 },
    });
  });

  it('keys it does not know stay in the file through writes, and are reported once', () => {
    writeFileSync(file, JSON.stringify({ version: 1, enforcing: true, theme: 'dark', zoom: 2 }));
    const log = recordingLog();
    const store = open(log);
    expect(store.get()).toEqual({ enforcing: true });
    store.set({ enforcing: false });
    store.get();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      enforcing: false,
      theme: 'dark',
      zoom: 2,
    });
    expect(log.lines).toEqual([
      expect.stringMatching(/^warn: user settings .*does not know \(theme, zoom\); they stay in the file/),
    ]);
  });

  it('a version that cannot be read is kept as a corrupt copy; the valid settings stay', () => {
    writeFileSync(file, JSON.stringify({ version: 'one', enforcing: false }));
    const log = recordingLog();
    expect(open(log).get()).toEqual({ enforcing: false });
    expect(existsSync(path.join(dataDir, CORRUPT))).toBe(true);
    expect(log.lines[0]).toMatch(/^error: .*version: expected a whole number/);
  });

  it('a healthy file never produces a corrupt copy', () => {
    open().set({ enforcing: true });
    open().get();
    expect(readdirSync(dataDir)).toEqual(['settings.json']);
    expect(existsSync(path.join(dataDir, CORRUPT))).toBe(false);
  });
});
