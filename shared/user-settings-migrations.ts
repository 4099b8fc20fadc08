// The user's settings file carries a `version`; each change of its shape adds a migration here, so a
// file written by any earlier version is brought forward before it is validated (as Rancher Desktop
// does with its settings). The headless store and the app's electron-store both run this one list
// (electron/core/settings/user-settings-store.ts). Migrations are pure functions of the file's object:
// they must keep every key they do not know about.
import { USER_SETTINGS_VERSION } from './settings.js';

export type SettingsObject = Record<string, unknown>;

/** `userSettingsMigrations[n]` turns a version-n file into a version-(n+1) one (`version` is set after). */
export const userSettingsMigrations: readonly ((settings: SettingsObject) => SettingsObject)[] = [
  // 0 → 1: Socket Warden 0.1 wrote no `version`; the fields are the same.
  (settings) => ({ ...settings }),
];

export type MigrationResult =
  | { ok: true; settings: SettingsObject; from: number }
  | { ok: false; reason: 'future'; version: number; error: string }
  | { ok: false; reason: 'invalid'; error: string };

/** Brings a file's object to USER_SETTINGS_VERSION (pure); the result keeps `version`. */
export function migrateUserSettings(
  raw: unknown,
  migrations: readonly ((settings: SettingsObject) => SettingsObject)[] = userSettingsMigrations,
  current: number = USER_SETTINGS_VERSION,
): MigrationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, reason: 'invalid', error: 'expected a JSON object' };
  const object = raw as SettingsObject;
  const version = object.version ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0)
    return {
      ok: false,
      reason: 'invalid',
      error: `version: expected a whole number, got ${JSON.stringify(version)}`,
    };
  if (version > current)
    return {
      ok: false,
      reason: 'future',
      version,
      error: `version ${version} was written by a newer Socket Warden (this one knows up to ${current})`,
    };
  let settings: SettingsObject = { ...object };
  for (let step = version; step < current; step++) {
    const migrate = migrations[step];
    if (!migrate) return { ok: false, reason: 'invalid', error: `no migration from version ${step}` };
    settings = { ...migrate(settings), version: step + 1 };
  }
  return { ok: true, settings: { ...settings, version: current }, from: version };
}
