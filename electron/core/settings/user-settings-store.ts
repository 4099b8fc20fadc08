// The user's own settings on disk: `settings.json` in the data dir, written
// atomically in conf's format (JsonFileStore; the Electron app passes an
// electron-store, which is a conf). Validated with the zod schema on every read and write. A corrupt or
// invalid file is never silently replaced: a `.corrupt-<time>` copy is kept,
// the fields that still validate are kept, and the problem is logged.
import { copyFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { formatSettingsError, userSettingsSchema, type UserSettings } from '../../../shared/settings.js';
import { JsonFileStore } from './json-file-store.js';
import type { SettingsLog } from './settings-log.js';

/** Where the user's settings live; the app passes an electron-store-backed one. */
export interface UserSettingsStorage {
  get(): UserSettings;
  set(next: UserSettings): void;
}

/** What we need of a conf (or electron-store) instance. */
export interface ConfLike {
  readonly path: string;
  store: Record<string, unknown>;
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
      const kept = this.#keepCorruptCopy();
      this.#log.error(`user settings ${this.path} are not valid JSON (${error.message}); kept as ${kept}`);
      this.#store.store = {};
      return {};
    }
    const parsed = userSettingsSchema.safeParse(raw);
    if (parsed.success) return parsed.data;

    const salvaged = salvage(raw);
    const kept = this.#keepCorruptCopy();
    this.#log.error(
      `${formatSettingsError(this.path, parsed.error)}\nkept the original as ${kept}; ` +
        `keeping only the settings that are still valid (${Object.keys(salvaged).join(', ') || 'none'})`,
    );
    this.#store.store = salvaged;
    return salvaged;
  }

  set(next: UserSettings): void {
    const parsed = userSettingsSchema.safeParse(next);
    if (!parsed.success) throw new UserSettingsError(formatSettingsError('user settings', parsed.error));
    this.#store.store = parsed.data;
  }

  #keepCorruptCopy(): string {
    const kept = `${this.path}.corrupt-${stamp(this.#now())}`;
    copyFileSync(this.path, kept);
    return kept;
  }
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
