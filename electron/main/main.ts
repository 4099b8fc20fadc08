// The Electron main process: hosts the engine (the same daemon `socket-warden serve` runs), shows its
// state in the tray, and serves the settings window over the typed IPC contract. Starts hidden in the
// tray; one instance only; closing the window keeps the tray. On a managed host (the system daemon
// answers its contract socket) it hosts no proxy: it shows and edits the system daemon's state instead.
import { app, clipboard, session, type BrowserWindow } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HistoryEntry, HistoryId } from '../../shared/history-entry.js';
import type { AppState, ContractEventEmitter, ContractHandlers } from '../../shared/ipc-contract.js';
import { connectSystemDaemon } from '../core/contract/system-daemon.js';
import { DEFAULT_ADMIN_SETTINGS, defaultListen, defaultUpstream, userPaths } from '../core/default-paths.js';
import { startDaemon, type Daemon, type DaemonOptions } from '../core/daemon.js';
import { consoleLog } from '../core/log.js';
import { installAppMenu } from './app-menu.js';
import { serveContractOverIpc } from './ipc-main.js';
import { createDesktopNotifier } from './notifications.js';
import { createElectronSettingsStore } from './settings-store.js';
import { createAppTray } from './tray.js';
import { buildTrayModel, type TrayAction } from './tray-model.js';
import { createSettingsWindow } from './window.js';
import { errorMessage } from '../../shared/error-message.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
// Laid out by the build: dist/electron/main/main.js, dist/electron/preload/preload.cjs, dist/renderer/, build/.
const paths = {
  preload: here('../preload/preload.cjs'),
  page: here('../../renderer/index.html'),
  trayIcons: here('../../../build/tray'),
  appIcon: here('../../../build/icons/256x256.png'),
};
const pageUrl = pathToFileURL(paths.page).href;
const devTools = !app.isPackaged;
const log = consoleLog;

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the tray and the socket; it shows its window (second-instance below).
  app.quit();
} else {
  void run().catch((error: unknown) => {
    log.error(`socket-warden: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    app.exit(1);
  });
}

async function run(): Promise<void> {
  let quitting = false;
  let window: BrowserWindow | undefined;
  let daemon: Daemon | undefined;

  // Deny by default for every web contents: no navigation away, no new windows, no webviews, no permissions.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  // Without a listener Electron quits when the last window closes; the tray keeps us alive.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', () => {
    quitting = true;
  });

  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  installAppMenu(devTools);

  const wardenPaths = userPaths();
  const options: DaemonOptions = {
    upstream: defaultUpstream(),
    listen: defaultListen(wardenPaths),
    paths: wardenPaths,
    adminSettings: process.env.SOCKET_WARDEN_ADMIN_SETTINGS ?? DEFAULT_ADMIN_SETTINGS,
    log,
    createStore: createElectronSettingsStore,
  };
  // Managed mode: the system daemon is the host's Docker socket; a second proxy would only be bypassed.
  const system = await connectSystemDaemon({
    onViolation: (what) => log.warn(`system daemon: ${what} broke the contract`),
  });
  let handlers: ContractHandlers;
  let events: ContractEventEmitter;
  if (system) {
    log.info(
      `managed mode: showing the system daemon (${system.socketPath}${system.canEdit ? '' : ', read-only'})`,
    );
    ({ handlers, events } = system);
  } else {
    daemon = await startDaemon(options);
    ({ handlers, events } = daemon);
  }
  const connection = system ? ({ managed: true, canEdit: system.canEdit } as const) : undefined;

  const showWindow = (view?: string): BrowserWindow => {
    if (!window || window.isDestroyed()) {
      window = createSettingsWindow(
        {
          preload: paths.preload,
          page: paths.page,
          icon: paths.appIcon,
          isQuitting: () => quitting,
          devTools,
        },
        view,
      );
    } else {
      if (view) void window.webContents.executeJavaScript(`location.hash = ${JSON.stringify(view)}`);
      window.show();
    }
    window.focus();
    return window;
  };
  const openHistory = (entryId?: HistoryId) => {
    const target = showWindow('history');
    if (entryId === undefined) return;
    const focus = () => events.emit('focus', { view: 'history', historyEntryId: entryId });
    // A fresh window subscribes once its page has run; an existing one is listening already.
    if (target.webContents.isLoading())
      target.webContents.once('did-finish-load', () => setTimeout(focus, 300));
    else focus();
  };

  const stopIpc = serveContractOverIpc({
    handlers,
    events,
    window: () => (window && !window.isDestroyed() ? window.webContents : undefined),
    pageUrl,
    onInternalError: (request, error) => log.error(`ipc ${request}: ${errorMessage(error)}`),
    onRefused: (why) => log.warn(why),
  });

  // The tray follows the engine's state and the newest denials.
  let state: AppState | undefined;
  let recent: HistoryEntry[] = [];
  const onAction = (action: TrayAction) => {
    switch (action.kind) {
      case 'set-enforcement':
        void handlers
          .setEnforcement({ enforcing: action.enforcing })
          .catch((error: unknown) => log.warn(String(error)));
        return;
      case 'open-settings':
        showWindow();
        return;
      case 'open-history':
        openHistory(action.entryId);
        return;
      case 'copy-text':
        // Electron's writeText resolves once the text is on the clipboard; a failure is only logged.
        void clipboard
          .writeText(action.text)
          .catch((error: unknown) => log.warn(`copy to the clipboard: ${String(error)}`));
        return;
      case 'quit':
        app.quit();
        return;
    }
  };
  const tray = createAppTray(paths.trayIcons, onAction, () => showWindow());
  const render = () => {
    if (!state) return;
    const model = buildTrayModel(state, recent, connection);
    tray.render(model);
    // The Electron e2e test reads the tray from here: Electron offers no way to list trays.
    if (process.env.SOCKET_WARDEN_TEST === '1') Object.assign(globalThis, { socketWardenTrayModel: model });
  };
  const notifier = createDesktopNotifier(paths.appIcon, openHistory);

  events.subscribe((event, payload) => {
    if (event === 'stateChanged') {
      state = payload as AppState;
      render();
    } else if (event === 'denial') {
      const entry = payload as HistoryEntry;
      recent = [entry, ...recent].slice(0, 5);
      render();
      notifier.push(entry);
    }
  });
  state = (await handlers.getState(undefined)) as AppState;
  recent = (await handlers.listHistory({ limit: 5 })) as HistoryEntry[];
  render();

  app.on('second-instance', () => showWindow());
  if (process.argv.includes('--show')) showWindow();

  app.on('will-quit', (event) => {
    if (system) {
      notifier.flush();
      stopIpc();
      tray.destroy();
      system.close();
      return;
    }
    if (!daemon) return;
    event.preventDefault();
    const closing = daemon;
    daemon = undefined;
    notifier.flush();
    stopIpc();
    tray.destroy();
    void closing.close().finally(() => app.quit());
  });
}
