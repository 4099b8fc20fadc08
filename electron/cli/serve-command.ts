// `socket-warden serve`: the headless daemon. Prints where it listens and the DOCKER_HOST line to use;
// stops cleanly on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startDaemon } from '../core/daemon.js';
import { consoleLog } from '../core/log.js';
import { singleListenFd, unsetListenEnv } from '../core/systemd/listen-fds.js';
import {
  DEFAULT_ADMIN_SETTINGS,
  defaultDataDir,
  defaultListen,
  defaultUpstream,
} from '../core/default-paths.js';

const HELP = `Usage: socket-warden serve [options]

  --upstream <socket>        the Docker Engine socket (default: DOCKER_HOST if unix://, else /var/run/docker.sock)
  --listen <socket>          where to listen (default: $XDG_RUNTIME_DIR/socket-warden/docker.sock, else <data-dir>/run/docker.sock)
  --data-dir <dir>           settings, history and filtered sockets (default: ~/.local/share/socket-warden, /var/lib/socket-warden as root)
  --admin-settings <file>    admin-settings.json (default: ${DEFAULT_ADMIN_SETTINGS})
  --ui                       also serve the settings pane on 127.0.0.1 (prints its URL with a token)
  --ui-port <port>           port for --ui (default: a free one)
  --refresh-interval <sec>   re-check registry digests this often (default: the user setting, 15 min)
  --managed                  managed mode (Socket Warden is the host's Docker socket): host protection is
                             on unless admin-settings.json's socketWarden.hostProtection.enabled is false

Started by systemd's socket activation (LISTEN_FDS, as socket-warden.socket does), it serves the socket
it was passed, and --listen names that socket's path.`;

export async function runServeCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      upstream: { type: 'string' },
      listen: { type: 'string' },
      'data-dir': { type: 'string' },
      'admin-settings': { type: 'string' },
      ui: { type: 'boolean', default: false },
      'ui-port': { type: 'string' },
      'refresh-interval': { type: 'string' },
      managed: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  // Started by socket-warden.socket: serve the socket systemd holds; --listen names its path.
  const inherited = singleListenFd(process.env, process.pid);
  unsetListenEnv(process.env);
  if (inherited && 'error' in inherited) throw new Error(inherited.error);
  if (inherited && !values.listen)
    throw new Error('socket activation: --listen must name the socket systemd passes');
  const daemon = await startDaemon({
    upstream: values.upstream ?? defaultUpstream(),
    listen: values.listen ?? defaultListen(dataDir),
    listenFd: inherited?.fd,
    managed: values.managed ?? false,
    dataDir,
    adminSettings: values['admin-settings'] ?? DEFAULT_ADMIN_SETTINGS,
    refreshIntervalMs: values['refresh-interval'] ? Number(values['refresh-interval']) * 1000 : undefined,
    ui: values.ui ? { port: values['ui-port'] ? Number(values['ui-port']) : 0 } : undefined,
    log: consoleLog,
  });
  console.log(`Socket Warden listening on ${daemon.listenPath} (engine: ${daemon.upstreamPath})`);
  console.log(`Point Docker clients at it:  export DOCKER_HOST=unix://${daemon.listenPath}`);
  if (daemon.uiUrl) console.log(`UI: ${daemon.uiUrl}`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      console.log(`Socket Warden: ${signal}, shutting down`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await daemon.close();
  // Everything is closed and flushed; a straggling handle must not keep a stopped daemon alive.
  process.exit(0);
}
