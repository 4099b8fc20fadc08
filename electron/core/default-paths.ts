// Where Socket Warden looks and listens by default (flags override each of these).
//
// A user's files follow the XDG base directories: settings in $XDG_CONFIG_HOME/socket-warden
// (~/.config/socket-warden), the denial history in $XDG_STATE_HOME/socket-warden
// (~/.local/state/socket-warden), sockets and the pane's URL file in $XDG_RUNTIME_DIR/socket-warden
// (without a runtime dir: <legacy data dir>/run for the listen socket and <legacy data dir>/sockets, as
// before). Root keeps everything in /var/lib/socket-warden, and the admin's file in /etc. `--data-dir`
// puts everything under one directory, as before (the tests rely on it). Versions up to 0.1 kept
// settings and history in $XDG_DATA_HOME/socket-warden (~/.local/share/socket-warden): `legacy-files.ts`
// moves them once.
import os from 'node:os';
import path from 'node:path';

/** The engine socket: DOCKER_HOST when it is a unix socket, else the standard path. */
export function defaultUpstream(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

export const SYSTEM_DATA_DIR = '/var/lib/socket-warden';

export interface WardenPaths {
  /** settings.json */
  settingsDir: string;
  /** history/ */
  stateDir: string;
  /** sockets/ (the filtered sockets) and ui-url (the pane's address with its token). */
  runtimeDir: string;
  /** The listen socket's directory when no --listen is given. */
  listenDir: string;
  /** Where settings and history were kept before (moved from once); absent with --data-dir and for root. */
  legacyDataDir?: string;
}

export interface PathInputs {
  /** `--data-dir`: everything under it. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  home?: string;
}

/** Where each kind of file goes, for this user and these flags (pure given its inputs). */
export function userPaths(inputs: PathInputs = {}): WardenPaths {
  const env = inputs.env ?? process.env;
  const uid = inputs.uid ?? process.getuid?.() ?? -1;
  const home = inputs.home ?? os.homedir();
  const runtime = env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'socket-warden') : undefined;
  if (inputs.dataDir !== undefined) {
    const dir = path.resolve(inputs.dataDir);
    return {
      settingsDir: dir,
      stateDir: dir,
      runtimeDir: dir,
      listenDir: runtime ?? path.join(dir, 'run'),
    };
  }
  const legacy = path.join(xdg(env.XDG_DATA_HOME, home, '.local/share'), 'socket-warden');
  if (uid === 0 && !env.XDG_DATA_HOME) {
    const dir = SYSTEM_DATA_DIR;
    return { settingsDir: dir, stateDir: dir, runtimeDir: dir, listenDir: runtime ?? path.join(dir, 'run') };
  }
  return {
    settingsDir: path.join(xdg(env.XDG_CONFIG_HOME, home, '.config'), 'socket-warden'),
    stateDir: path.join(xdg(env.XDG_STATE_HOME, home, '.local/state'), 'socket-warden'),
    runtimeDir: runtime ?? legacy,
    listenDir: runtime ?? path.join(legacy, 'run'),
    legacyDataDir: legacy,
  };
}

/** The spec: a relative XDG_* value is invalid and ignored. */
function xdg(value: string | undefined, home: string, fallback: string): string {
  return value && path.isAbsolute(value) ? value : path.join(home, fallback);
}

/** The listen socket when --listen is not given. */
export function defaultListen(paths: WardenPaths): string {
  return path.join(paths.listenDir, 'docker.sock');
}

/** The filtered sockets' directory. */
export function socketsDirIn(paths: WardenPaths): string {
  return path.join(paths.runtimeDir, 'sockets');
}

/** The 0600 file holding the settings pane's URL with its token, while `serve --ui` runs. */
export function uiUrlFileIn(paths: WardenPaths): string {
  return path.join(paths.runtimeDir, 'ui-url');
}

export const DEFAULT_ADMIN_SETTINGS = '/etc/socket-warden/admin-settings.json';
