// `socket-warden serve`'s flags, read and checked before anything starts (pure over argv, the
// environment and the working directory). Every mistake is one line that names the flag, so a bad value
// can never reach the daemon and half-start it (`--ui-port abc` once listened on the proxy socket
// before failing; `--refresh-interval abc` broke the pane's dates and then the shutdown).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_ADMIN_SETTINGS } from '../core/default-paths.js';
import { socketPathProblem } from '../core/socket-path.js';
import { parseUpstreamAddress, upstreamFromEnvironment } from '../core/upstream-address.js';

/** Registries are not asked more often than this: each check is a request per image entry. */
export const MIN_REFRESH_SECONDS = 30;
/** The user setting's own ceiling (24 h); far beyond it, timers overflow and fire at once. */
export const MAX_REFRESH_SECONDS = 24 * 60 * 60;

export interface ServeFlags {
  /** The engine socket, and where that came from (quoted in errors about it). */
  upstream: { path: string; from: string };
  listen?: string;
  dataDir?: string;
  /** `explicit`: named by --admin-settings, so it must exist. */
  adminSettings: { path: string; explicit: boolean };
  ui?: { port: number };
  refreshIntervalMs?: number;
  managed: boolean;
}

export type ServeFlagsParse =
  { kind: 'help' } | { kind: 'flags'; flags: ServeFlags } | { kind: 'error'; message: string };

export interface FlagContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const OPTIONS = {
  upstream: { type: 'string' },
  listen: { type: 'string' },
  'data-dir': { type: 'string' },
  'admin-settings': { type: 'string' },
  ui: { type: 'boolean' },
  'ui-port': { type: 'string' },
  'refresh-interval': { type: 'string' },
  managed: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, { type: 'string' | 'boolean'; short?: string }>;

type OptionName = keyof typeof OPTIONS;

const isOptionName = (name: string): name is OptionName => Object.hasOwn(OPTIONS, name);

const DECIMAL = /^[0-9]+$/;
const SIGNED_DECIMAL = /^-?[0-9]+$/;

class FlagError extends Error {}

export function parseServeFlags(argv: readonly string[], context: FlagContext): ServeFlagsParse {
  try {
    const values = readOptions(argv);
    if (values.help === true) return { kind: 'help' };
    return { kind: 'flags', flags: checkFlags(values, context) };
  } catch (error) {
    if (error instanceof FlagError) return { kind: 'error', message: error.message };
    throw error;
  }
}

/** Every option once, each with a value of its type; nothing else on the command line. */
function readOptions(argv: readonly string[]): Partial<Record<OptionName, string | boolean>> {
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Partial<Record<OptionName, string | boolean>> = {};
  for (const token of tokens) {
    if (token.kind === 'positional')
      throw new FlagError(`unexpected argument ${JSON.stringify(token.value)} (serve takes only options)`);
    if (token.kind === 'option-terminator') continue;
    const { name, rawName } = token;
    if (!isOptionName(name))
      throw new FlagError(`unknown option ${rawName} (socket-warden serve --help lists them)`);
    const flag = `--${name}`;
    if (values[name] !== undefined) throw new FlagError(`${flag} is given more than once`);
    if (OPTIONS[name].type === 'boolean') {
      if (token.value !== undefined) throw new FlagError(`${flag} takes no value`);
      values[name] = true;
      continue;
    }
    // `--upstream --listen x` means the value was forgotten, not that it is "--listen".
    if (token.value === undefined || (!token.inlineValue && looksLikeOption(token.value)))
      throw new FlagError(`${flag} needs a value`);
    values[name] = token.value;
  }
  return values;
}

function looksLikeOption(value: string): boolean {
  return value.startsWith('--') || /^-[A-Za-z]/.test(value);
}

function checkFlags(values: Partial<Record<OptionName, string | boolean>>, context: FlagContext): ServeFlags {
  const text = (name: OptionName): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const flags: ServeFlags = {
    upstream: upstreamFlag(text('upstream'), context),
    adminSettings: adminSettingsFlag(text('admin-settings'), context),
    managed: values.managed === true,
  };
  const listen = text('listen');
  if (listen !== undefined) flags.listen = socketFlag('--listen', listen, context.cwd);
  const dataDir = text('data-dir');
  if (dataDir !== undefined) {
    if (dataDir === '') throw new FlagError('--data-dir is empty; it names a directory');
    flags.dataDir = path.resolve(context.cwd, dataDir);
  }
  const uiPort = text('ui-port');
  if (uiPort !== undefined && values.ui !== true)
    throw new FlagError(`--ui-port ${uiPort}: only with --ui (the settings pane's port)`);
  if (values.ui === true) flags.ui = { port: uiPort === undefined ? 0 : portFlag(uiPort) };
  const interval = text('refresh-interval');
  if (interval !== undefined) flags.refreshIntervalMs = refreshFlag(interval, context.env) * 1000;
  return flags;
}

function upstreamFlag(value: string | undefined, context: FlagContext): ServeFlags['upstream'] {
  if (value === undefined) {
    const host = context.env.DOCKER_HOST;
    const fromEnv = upstreamFromEnvironment(context.env, context.cwd);
    if (!fromEnv.ok)
      throw new FlagError(
        `DOCKER_HOST=${host ?? ''} ${fromEnv.reason}; pass --upstream <engine socket> (e.g. --upstream /var/run/docker.sock)`,
      );
    const from = host ? `DOCKER_HOST=${host}` : `the default engine socket ${fromEnv.path}`;
    return { path: checkedSocketPath(from, fromEnv.path), from };
  }
  const parsed = parseUpstreamAddress(value, context.cwd);
  if (!parsed.ok) throw new FlagError(`--upstream${value === '' ? '' : ` ${value}`} ${parsed.reason}`);
  return { path: checkedSocketPath(`--upstream ${value}`, parsed.path), from: `--upstream ${value}` };
}

function socketFlag(flag: string, value: string, cwd: string): string {
  if (value === '') throw new FlagError(`${flag} is empty; it names a socket path`);
  return checkedSocketPath(`${flag} ${value}`, path.resolve(cwd, value));
}

function checkedSocketPath(what: string, socketPath: string): string {
  const problem = socketPathProblem(socketPath);
  if (problem) throw new FlagError(`${what}: ${socketPath} ${problem}`);
  return socketPath;
}

function adminSettingsFlag(value: string | undefined, context: FlagContext): ServeFlags['adminSettings'] {
  if (value === '') throw new FlagError('--admin-settings is empty; it names admin-settings.json');
  if (value !== undefined) return { path: path.resolve(context.cwd, value), explicit: true };
  // The app reads the same variable; like the standard path, it may name a file not written yet.
  const fromEnv = context.env.SOCKET_WARDEN_ADMIN_SETTINGS;
  return { path: fromEnv ? path.resolve(context.cwd, fromEnv) : DEFAULT_ADMIN_SETTINGS, explicit: false };
}

function portFlag(value: string): number {
  const port = DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!(port <= 65535))
    throw new FlagError(`--ui-port ${value}: not a TCP port (0 to 65535; 0 picks a free one)`);
  return port;
}

function refreshFlag(value: string, env: NodeJS.ProcessEnv): number {
  const floor = refreshFloor(env);
  const seconds = SIGNED_DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (Number.isNaN(seconds))
    throw new FlagError(`--refresh-interval ${value}: not a whole number of seconds`);
  if (seconds < floor)
    throw new FlagError(
      `--refresh-interval ${value}: at least ${floor} seconds (each refresh asks the registries about every image entry)`,
    );
  if (seconds > MAX_REFRESH_SECONDS)
    throw new FlagError(`--refresh-interval ${value}: at most ${MAX_REFRESH_SECONDS} seconds (24 hours)`);
  return seconds;
}

/**
 * The integration tests watch a registry tag move within seconds; only they lower the floor, through
 * SOCKET_WARDEN_MIN_REFRESH_SECONDS, and never below one second.
 */
function refreshFloor(env: NodeJS.ProcessEnv): number {
  const text = env.SOCKET_WARDEN_MIN_REFRESH_SECONDS;
  if (text === undefined || !DECIMAL.test(text)) return MIN_REFRESH_SECONDS;
  return Math.min(MIN_REFRESH_SECONDS, Math.max(1, Number(text)));
}
