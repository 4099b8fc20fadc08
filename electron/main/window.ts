// The settings window: sandboxed, isolated, no Node, its own page only. Closing it hides it; the app
// keeps running in the tray.
import { BrowserWindow, nativeTheme } from 'electron';

export interface SettingsWindowOptions {
  preload: string;
  /** Path of dist/renderer/index.html. */
  page: string;
  icon?: string;
  /** True while the app is quitting, so close really closes. */
  isQuitting: () => boolean;
  devTools: boolean;
}

export function createSettingsWindow(options: SettingsWindowOptions, view?: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1120,
    height: 780,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Socket Warden',
    autoHideMenuBar: true,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1b1d22' : '#f6f7f9',
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: options.devTools,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.on('close', (event) => {
    if (options.isQuitting()) return;
    event.preventDefault();
    window.hide();
  });
  void window.loadFile(options.page, view ? { hash: view } : {});
  return window;
}
