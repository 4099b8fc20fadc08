import { describe, expect, it } from 'vitest';
import { USER_SETTINGS_VERSION } from './settings.js';
import {
  migrateUserSettings,
  userSettingsMigrations,
  type SettingsObject,
} from './user-settings-migrations.js';

describe('migrateUserSettings (the shipped table)', () => {
  const cases: { name: string; raw: unknown; expected: ReturnType<typeof migrateUserSettings> }[] = [
    {
      name: 'a 0.1 file (no version) becomes version 1, fields unchanged',
      raw: { enforcing: false, imageList: { images: ['docker:cli'] } },
      expected: {
        ok: true,
        from: 0,
        settings: { enforcing: false, imageList: { images: ['docker:cli'] }, version: 1 },
      },
    },
    {
      name: 'a current file is left as it is',
      raw: { version: 1, enforcing: true },
      expected: { ok: true, from: 1, settings: { version: 1, enforcing: true } },
    },
    {
      name: 'unknown keys are carried through',
      raw: { someday: { x: 1 }, enforcing: true },
      expected: { ok: true, from: 0, settings: { someday: { x: 1 }, enforcing: true, version: 1 } },
    },
    {
      name: 'a file from a newer version is refused, saying so',
      raw: { version: 7 },
      expected: {
        ok: false,
        reason: 'future',
        version: 7,
        error: 'version 7 was written by a newer Socket Warden (this one knows up to 1)',
      },
    },
    {
      name: 'a version that is not a whole number',
      raw: { version: '1' },
      expected: { ok: false, reason: 'invalid', error: 'version: expected a whole number, got "1"' },
    },
    {
      name: 'not an object',
      raw: [1],
      expected: { ok: false, reason: 'invalid', error: 'expected a JSON object' },
    },
    { name: 'null', raw: null, expected: { ok: false, reason: 'invalid', error: 'expected a JSON object' } },
  ];
  it.each(cases)('$name', ({ raw, expected }) => {
    expect(migrateUserSettings(raw)).toEqual(expected);
  });

  it('has one migration per version step', () => {
    expect(userSettingsMigrations).toHaveLength(USER_SETTINGS_VERSION);
  });

  it('does not modify its input', () => {
    const raw = { enforcing: true };
    migrateUserSettings(raw);
    expect(raw).toEqual({ enforcing: true });
  });
});

describe('migrateUserSettings (a longer table)', () => {
  // 0 → 1 renames a key, 1 → 2 wraps a value: each step sees the previous step's output.
  const table: ((s: SettingsObject) => SettingsObject)[] = [
    ({ interval, ...rest }) => ({
      ...rest,
      ...(interval !== undefined ? { intervalMinutes: interval } : {}),
    }),
    ({ intervalMinutes, ...rest }) => ({
      ...rest,
      ...(intervalMinutes !== undefined ? { refresher: { intervalMinutes } } : {}),
    }),
  ];
  const cases: { name: string; raw: SettingsObject; expected: SettingsObject; from: number }[] = [
    {
      name: 'from 0',
      raw: { interval: 5, other: 1 },
      expected: { other: 1, refresher: { intervalMinutes: 5 }, version: 2 },
      from: 0,
    },
    {
      name: 'from 1',
      raw: { version: 1, intervalMinutes: 9 },
      expected: { refresher: { intervalMinutes: 9 }, version: 2 },
      from: 1,
    },
    {
      name: 'from 2',
      raw: { version: 2, refresher: { intervalMinutes: 3 } },
      expected: { version: 2, refresher: { intervalMinutes: 3 } },
      from: 2,
    },
  ];
  it.each(cases)('$name', ({ raw, expected, from }) => {
    expect(migrateUserSettings(raw, table, 2)).toEqual({ ok: true, settings: expected, from });
  });

  it('a gap in the table is an error, not a silent skip', () => {
    expect(migrateUserSettings({}, [], 1)).toEqual({
      ok: false,
      reason: 'invalid',
      error: 'no migration from version 0',
    });
  });
});
