// The user's settings in the app live in an electron-store (a conf with Electron's paths); the engine's
// UserSettingsStore validates every read and write against the same schema as headless mode.
import Store from 'electron-store';
import type { ConfLike } from '../core/settings/user-settings-store.js';

export function createElectronSettingsStore(options: { cwd: string; configName: string }): ConfLike {
  return new Store<Record<string, unknown>>({
    cwd: options.cwd,
    name: options.configName,
    configFileMode: 0o600,
  });
}
