// The user's settings in the app live in an electron-store (a conf with Electron's paths), in the same
// directory and file the headless daemon uses ($XDG_CONFIG_HOME/socket-warden/settings.json): conf's
// format and its atomic writes (temp file + rename). The core's UserSettingsStore runs the shared
// migrations (shared/user-settings-migrations.ts) and validates every read and write with the one zod
// schema, so the app and `serve` read each other's files, versions included.
import Store from 'electron-store';
import type { ConfLike } from '../core/settings/json-file-store.js';

export function createElectronSettingsStore(options: { cwd: string; configName: string }): ConfLike {
  return new Store<Record<string, unknown>>({
    cwd: options.cwd,
    name: options.configName,
    configFileMode: 0o600,
    // Never wipe a file that is not JSON: the store moves it aside and says so.
    clearInvalidConfig: false,
    // Keys are whole settings ("imageList"), never dotted paths into them.
    accessPropertiesByDotNotation: false,
  });
}
