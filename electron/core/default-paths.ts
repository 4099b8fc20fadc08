// Where Socket Warden looks and listens by default (flags override each of these).
import os from 'node:os';
import path from 'node:path';

/** The engine socket: DOCKER_HOST when it is a unix socket, else the standard path. */
export function defaultUpstream(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() === 0 && !env.XDG_DATA_HOME) return '/var/lib/socket-warden';
  const base = env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'socket-warden');
}

/** Under $XDG_RUNTIME_DIR (a per-user tmpfs) when there is one, else in the data dir. */
export function defaultListen(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'socket-warden', 'docker.sock');
  return path.join(dataDir, 'run', 'docker.sock');
}

export const DEFAULT_ADMIN_SETTINGS = '/etc/socket-warden/admin-settings.json';
