// `socket-warden serve`: the headless daemon. Prints where it listens and the DOCKER_HOST line to use;
// stops cleanly on SIGINT/SIGTERM. Every input is checked before anything starts (serve-flags.ts, and
// the few checks that need the file system here); a start that fails undoes itself and exits non-zero
// with one line saying why.
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SHUTDOWN_GRACE_MS, startDaemon } from '../core/daemon.js';
import {
  DEFAULT_ADMIN_SETTINGS,
  defaultListen,
  uiUrlFileIn,
  userPaths,
  type WardenPaths,
} from '../core/default-paths.js';
import { Lifecycle, PartStartError, StartAbortedError } from '../core/lifecycle.js';
import { consoleLog } from '../core/log.js';
import { socketPathProblem } from '../core/socket-path.js';
import { singleListenFd, unsetListenEnv } from '../core/systemd/listen-fds.js';
import { parseServeFlags, type ServeFlags } from './serve-flags.js';
import { ServeShutdown } from './serve-shutdown.js';
import { errorMessage } from '../../shared/error-message.js';

const HELP = `Usage: socket-warden serve [options]

  --upstream <socket>        the Docker Engine socket: a path or unix:///path (default: DOCKER_HOST if it is
                             unix://, /var/run/docker.sock if DOCKER_HOST is unset)
  --listen <socket>          where to listen (default: $XDG_RUNTIME_DIR/socket-warden/docker.sock, else
                             ~/.local/share/socket-warden/run/docker.sock, or <data-dir>/run/docker.sock)
  --data-dir <dir>           settings, history and filtered sockets all under <dir> (default: settings in
                             $XDG_CONFIG_HOME/socket-warden, history in $XDG_STATE_HOME/socket-warden, sockets
                             in $XDG_RUNTIME_DIR/socket-warden; everything in /var/lib/socket-warden as root)
  --admin-settings <file>    admin-settings.json, which must exist (default: $SOCKET_WARDEN_ADMIN_SETTINGS, else
                             ${DEFAULT_ADMIN_SETTINGS}; a missing default means no admin policy)
  --ui                       also serve the settings pane on 127.0.0.1; its address with the token goes to
                             a file only you can read (<runtime dir>/ui-url, printed; also in socket-warden status)
  --ui-port <port>           port for --ui (default: a free one)
  --refresh-interval <sec>   re-check registry digests this often, 30 to 86400 (default: the user setting, 15 min)
  --managed                  managed mode (Socket Warden is the host's Docker socket): host protection is
                             on unless admin-settings.json's socketWarden.hostProtection.enabled is false

Started by systemd's socket activation (LISTEN_FDS, as socket-warden.socket does), it serves the socket
it was passed, and --listen names that socket's path.`;

/** From SIGTERM to exit: the grace for in-flight requests, then a little for the rest to stop. */
const HARD_STOP_MS = SHUTDOWN_GRACE_MS + 2000;

/** A mistake in what the user asked for: said in one line, no stack. */
class ServeInputError extends Error {}

export async function runServeCommand(argv: string[]): Promise<number> {
  const parsed = parseServeFlags(argv, { env: process.env, cwd: process.cwd() });
  if (parsed.kind === 'help') {
    console.log(HELP);
    return 0;
  }
  if (parsed.kind === 'error') return refuse(parsed.message, 2);
  let settings: Awaited<ReturnType<typeof checkedSettings>>;
  try {
    settings = await checkedSettings(parsed.flags);
  } catch (error) {
    if (error instanceof ServeInputError) return refuse(error.message, 2);
    throw error;
  }
  const { flags, paths, listen, listenFd } = settings;

  const life = new Lifecycle({
    onStopError: (part, error) => consoleLog.error(`stopping ${part}: ${String(error)}`),
  });
  const shutdown = new ServeShutdown({ life, hardLimitMs: HARD_STOP_MS, say: (line) => console.log(line) });
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon({
      upstream: flags.upstream.path,
      listen,
      listenFd,
      managed: flags.managed,
      paths,
      adminSettings: flags.adminSettings.path,
      refreshIntervalMs: flags.refreshIntervalMs,
      ui: flags.ui,
      log: consoleLog,
      lifecycle: life,
    });
  } catch (error) {
    // Stopped by a signal while starting: the shutdown exits once what started has stopped.
    if (error instanceof StartAbortedError || shutdown.isRequested)
      return new Promise<number>(() => undefined);
    // Whatever had started has been stopped; a straggling handle must not keep the process alive.
    process.exit(refuse(startFailure(error, flags), 1));
  }
  console.log(`Socket Warden listening on ${daemon.listenPath} (engine: ${daemon.upstreamPath})`);
  console.log(`Point Docker clients at it:  export DOCKER_HOST=unix://${daemon.listenPath}`);
  if (daemon.uiUrl) {
    // The token never goes to the log (a journal others may read): the address with it is in a file
    // only this user can read, for as long as the pane is served.
    const file = uiUrlFileIn(paths);
    await life.start('pane address file', async () => {
      await writePrivateFile(file, `${daemon.uiUrl}\n`);
      return {
        value: undefined,
        stop: () => fs.rm(file, { force: true }),
        abandon: () => rmSync(file, { force: true }),
      };
    });
    const bare = new URL(daemon.uiUrl);
    bare.search = '';
    console.log(
      `UI: ${bare.href} (open the address in ${file}, which holds its token; or: socket-warden status)`,
    );
  }
  // The shutdown exits the process when it is done.
  await shutdown.requested;
  return new Promise<number>(() => undefined);
}

/** What the flags leave to the file system and the environment: the defaults, socket activation. */
async function checkedSettings(flags: ServeFlags): Promise<{
  flags: ServeFlags;
  paths: WardenPaths;
  listen: string;
  listenFd: number | undefined;
}> {
  const paths = userPaths({ dataDir: flags.dataDir });
  // Started by socket-warden.socket: serve the socket systemd holds; --listen names its path.
  const inherited = singleListenFd(process.env, process.pid);
  unsetListenEnv(process.env);
  if (inherited && 'error' in inherited) throw new ServeInputError(inherited.error);
  if (inherited && !flags.listen)
    throw new ServeInputError('socket activation: --listen must name the socket systemd passes');
  const listen = flags.listen ?? defaultListen(paths);
  const tooLong = flags.listen === undefined ? socketPathProblem(listen) : undefined;
  if (tooLong) throw new ServeInputError(`the default listen socket ${listen} ${tooLong}; pass --listen`);
  // An admin's file named on the command line and not there is a mistake, not "no admin policy":
  // starting anyway would silently not apply a locked policy.
  if (flags.adminSettings.explicit) {
    const file = flags.adminSettings.path;
    const missing = await fs.stat(file).then(
      () => false,
      (error: NodeJS.ErrnoException) => error.code === 'ENOENT' || error.code === 'ENOTDIR',
    );
    if (missing)
      throw new ServeInputError(
        `--admin-settings ${file}: no such file (leave the option out to run without an admin policy)`,
      );
  }
  return { flags, paths, listen, listenFd: inherited?.fd };
}

/** One line naming the part that could not start, and where a looping upstream came from. */
function startFailure(error: unknown, flags: ServeFlags): string {
  const message = errorMessage(error);
  if (!(error instanceof PartStartError)) return `cannot start: ${message}`;
  const aboutUpstream = error.part === 'upstream' || error.part === 'loop check';
  if (aboutUpstream && flags.upstream.from.startsWith('DOCKER_HOST='))
    return `cannot start: ${message} (from ${flags.upstream.from}; unset DOCKER_HOST or pass --upstream <the engine's socket>)`;
  return `cannot start: ${message}`;
}

/** Written whole or not at all (temp file + rename), mode 0600 from the start. */
async function writePrivateFile(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await fs.rm(temp, { force: true });
  await fs.writeFile(temp, text, { mode: 0o600, flag: 'wx' });
  await fs.rename(temp, file);
}

function refuse(message: string, code: number): number {
  console.error(`socket-warden serve: ${message}`);
  return code;
}
