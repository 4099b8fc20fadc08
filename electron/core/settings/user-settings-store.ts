// The user's own settings on disk: `settings.json` in the settings dir, written
// atomically in conf's format (JsonFileStore; the Electron app passes an
// electron-store, which is a conf). The file has a `version`: a file from an earlier version goes
// through the shared migrations (shared/user-settings-migrations.ts) first, and a copy of it is kept as
// `.v<N>`. Validated with the zod schema on every read and write. Nothing is lost:
// - a corrupt or invalid file is never silently replaced: a `.corrupt-<time>` copy is kept, the fields
//   that still validate are kept, and the problem is logged;
// - a file from a newer version is copied aside as `.from-v<N>-<time>` before this version writes it;
// - keys this version does not know stay in the file through every write, and are reported once.
import { copyFileSync, existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import {
  USER_SETTINGS_VERSION,
  formatSettingsError,
  userSettingsSchema,
  type UserSettings,
} from '../../../shared/settings.js';
import { migrateUserSettings, type SettingsObject } from '../../../shared/user-settings-migrations.js';
import { JsonFileStore, type ConfLike } from './json-file-store.js';
import type { SettingsLog } from './settings-log.js';

/** Where the user's settings live; the app passes an electron-store-backed one. */
export interface UserSettingsStorage {
  get(): UserSettings;
  set(next: UserSettings): void;
}

export interface UserSettingsStoreOptions {
  dataDir: string;
  log: SettingsLog;
  /** Builds the backing store; defaults to a JsonFileStore. Electron: `(o) => new Store({ cwd: o.cwd, name: o.configName })`. */
  createStore?: (options: { cwd: string; configName: string }) => ConfLike;
  now?: () => Date;
}

export const USER_SETTINGS_NAME = 'settings';

/** The user's settings were rejected on write; the message names the field and what was expected. */
export class UserSettingsError extends Error {
  override name = 'UserSettingsError';
}

export class UserSettingsStore implements UserSettingsStorage {
  readonly path: string;
  readonly #store: ConfLike;
  readonly #log: SettingsLog;
  readonly #now: () => Date;
  #reportedUnknown = '';

  private constructor(store: ConfLike, log: SettingsLog, now: () => Date) {
    this.#store = store;
    this.path = store.path;
    this.#log = log;
    this.#now = now;
  }

  static open(options: UserSettingsStoreOptions): UserSettingsStore {
    const create =
      options.createStore ??
      ((o: { cwd: string; configName: string }) =>
        new JsonFileStore({ cwd: o.cwd, configName: o.configName, fileMode: 0o600 }));
    const now = options.now ?? (() => new Date());
    const settings = { cwd: options.dataDir, configName: USER_SETTINGS_NAME };
    let store: ConfLike;
    try {
      store = create(settings);
    } catch (error) {
      // The store reads the file in its constructor (conf does too) and throws on broken JSON; move it
      // aside and start empty.
      if (!(error instanceof SyntaxError)) throw error;
      const file = path.resolve(options.dataDir, `${USER_SETTINGS_NAME}.json`);
      const kept = `${file}.corrupt-${stamp(now())}`;
      renameSync(file, kept);
      options.log.error(
        `user settings ${file} are not valid JSON (${error.message}); kept as ${kept} and starting from the defaults`,
      );
      store = create(settings);
    }
    const opened = new UserSettingsStore(store, options.log, now);
    opened.get(); // Validate (and quarantine) now rather than on first use.
    return opened;
  }

  get(): UserSettings {
    let raw: unknown;
    try {
      raw = this.#store.store;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      const kept = this.#keepCopy('corrupt');
      this.#log.error(`user settings ${this.path} are not valid JSON (${error.message}); kept as ${kept}`);
      this.#store.store = {};
      return {};
    }
    if (isEmptyObject(raw)) return {};
    const migrated = migrateUserSettings(raw);
    if (!migrated.ok) {
      // From a newer version, or no version we can read: kept aside, then what this version understands.
      const kept = this.#keepCopy(migrated.reason === 'future' ? `from-v${migrated.version}` : 'corrupt');
      const object = isObject(raw) ? withoutVersion(raw) : {};
      const salvaged = salvage(object);
      this.#log.error(
        `user settings ${this.path}: ${migrated.error}; kept the original as ${kept}; ` +
          `keeping the settings this version understands (${Object.keys(salvaged).join(', ') || 'none'})`,
      );
      this.#write(salvaged, unknownKeys(object));
      return salvaged;
    }
    const { settings, from } = migrated;
    const unknown = unknownKeys(settings);
    this.#reportUnknown(unknown);
    const parsed = userSettingsSchema.safeParse(withoutVersion(settings));
    if (!parsed.success) {
      const salvaged = salvage(withoutVersion(settings));
      const kept = this.#keepCopy('corrupt');
      // One message, one line: the log writes one record per message.
      this.#log.error(
        `${formatSettingsError(this.path, parsed.error).replace(/\n\s*/g, '; ')}; kept the original as ${kept}; ` +
          `keeping only the settings that are still valid (${Object.keys(salvaged).join(', ') || 'none'})`,
      );
      this.#write(salvaged, unknown);
      return salvaged;
    }
    if (from !== USER_SETTINGS_VERSION) {
      const kept = this.#keepCopy(`v${from}`, false);
      this.#write(parsed.data, unknown);
      this.#log.info(
        `user settings ${this.path} migrated from version ${from} to ${USER_SETTINGS_VERSION} (the version ${from} file is kept as ${kept})`,
      );
    }
    return parsed.data;
  }

  set(next: UserSettings): void {
    const parsed = userSettingsSchema.safeParse(next);
    if (!parsed.success) throw new UserSettingsError(formatSettingsError('user settings', parsed.error));
    let current: unknown;
    try {
      current = this.#store.store;
    } catch {
      current = {};
    }
    this.#write(parsed.data, isObject(current) ? unknownKeys(current) : {});
  }

  /** The file: its version, what this version understands, and what it does not (kept as it was). */
  #write(settings: UserSettings, unknown: SettingsObject): void {
    this.#store.store = { version: USER_SETTINGS_VERSION, ...unknown, ...settings };
  }

  #reportUnknown(unknown: SettingsObject): void {
    const names = Object.keys(unknown).sort().join(', ');
    if (!names || names === this.#reportedUnknown) return;
    this.#reportedUnknown = names;
    this.#log.warn(
      `user settings ${this.path}: keeping settings this version does not know (${names}); they stay in the file but have no effect`,
    );
  }

  #keepCopy(kind: string, stamped = true): string {
    let kept = `${this.path}.${kind}${stamped ? `-${stamp(this.#now())}` : ''}`;
    if (!stamped && existsSync(kept)) kept = `${kept}-${stamp(this.#now())}`;
    copyFileSync(this.path, kept);
    return kept;
  }
}

const KNOWN_KEYS = new Set([...Object.keys(userSettingsSchema.shape), 'version']);

function unknownKeys(object: SettingsObject): SettingsObject {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !KNOWN_KEYS.has(key)));
}

function withoutVersion(object: SettingsObject): SettingsObject {
  const { version: _version, ...rest } = object;
  return rest;
}

function isObject(value: unknown): value is SettingsObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmptyObject(value: unknown): boolean {
  return isObject(value) && Object.keys(value).length === 0;
}

// Keeps each top-level setting that validates on its own, so one bad field does not cost the others.
function salvage(raw: unknown): UserSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const candidate: Record<string, unknown> = {};
  for (const key of Object.keys(userSettingsSchema.shape)) {
    const value: unknown = (raw as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const field = userSettingsSchema.safeParse({ [key]: value });
    if (field.success) candidate[key] = value;
  }
  return userSettingsSchema.parse(candidate);
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}
