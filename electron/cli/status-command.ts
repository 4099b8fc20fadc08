// `socket-warden status [--json]`: what the engine, the guarded socket, the policy and the filtered
// sockets are doing.
//
// A `serve --ui` that is running left its pane's address (with the token) in a 0600 file in the
// runtime directory; when that answers, its settings contract gives the daemon's own view (getState).
// On a managed host the system daemon answers the same call on its read-only contract socket
// (/run/socket-warden-contract/contract.sock, open to the docker group). Otherwise status reads what
// it can itself: the engine's /version, a /_ping on the guarded socket, the admin file and the user's
// settings (read only, never rewritten), the filtered sockets' files; what it could not know that way
// is listed under "unknown".
//
// Exit codes: 0 the guarded socket answers and the engine is reachable; 1 the guarded socket does not
// answer (Socket Warden is not running there); 2 a usage error; 3 the guarded socket answers but the
// engine is unreachable, or the admin file is invalid.
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createContractClient, type AppState } from '../../shared/ipc-contract.js';
import { resolvePolicy, userSettingsSchema, type Policy } from '../../shared/settings.js';
import { migrateUserSettings } from '../../shared/user-settings-migrations.js';
import {
  DEFAULT_ADMIN_SETTINGS,
  defaultListen,
  defaultUpstream,
  socketsDirIn,
  uiUrlFileIn,
  userPaths,
} from '../core/default-paths.js';
import { createHttpBridge, type HttpBridgeTarget } from '../core/contract/http-bridge.js';
import { contractSocketPresent } from '../core/contract/system-daemon.js';
import { MANAGED_CONTRACT_DIR, READ_SOCKET_NAME } from '../core/contract/unix-transport.js';
import { readAdminSettingsFile } from '../core/settings/admin-settings-file.js';
import { USER_SETTINGS_NAME } from '../core/settings/user-settings-store.js';
import { packageVersion } from './package-version.js';
import { errorMessage } from '../../shared/error-message.js';

const HELP = `Usage: socket-warden status [--json] [--data-dir <dir>] [--listen <socket>] [--upstream <socket>]
                            [--admin-settings <file>]

Asks a running "socket-warden serve --ui" (its address is in <runtime dir>/ui-url, readable only by its
owner), or the system daemon of managed mode (its contract socket); without either, reads what it can
from the engine and the files, and says what it could not know.
The flags name the same places as serve's (same defaults).

Exit codes: 0 all is well; 1 the guarded socket does not answer; 2 usage error;
            3 the guarded socket answers but the engine is unreachable, or the admin file is invalid.`;

export interface StatusReport {
  socketWardenVersion: string;
  /** Where the answers come from: the running daemon's contract, or this command's own look. */
  source: 'daemon' | 'local';
  /** Which daemon answered: a `serve --ui` (its address file) or managed mode's system daemon. */
  daemon?: { kind: 'serve --ui' | 'system'; at: string };
  engine: { socket: string; reachable: boolean; version?: string; apiVersion?: string; error?: string };
  guardedSocket: { path: string; answering: boolean; error?: string };
  /** The settings pane of a running `serve --ui`, with its token (the file is the owner's only). */
  ui?: { url: string; file: string };
  policy: {
    enforcing: boolean;
    from: Policy['source'];
    locked: boolean;
    adminFile: { path: string; state: 'absent' | 'valid' | 'invalid' | 'unknown'; error?: string };
    userSettings: { path: string; state: 'absent' | 'valid' | 'invalid' | 'unknown'; error?: string };
    images: number;
    commands: { type: string; count: number };
  };
  filteredSockets: {
    count: number;
    containers?: {
      containerId: string;
      name: string;
      image: string;
      socket: string;
      needsRestart?: string;
    }[];
  };
  /** What could not be known, in words. */
  unknown: string[];
}

export async function runStatusCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        listen: { type: 'string' },
        upstream: { type: 'string' },
        'admin-settings': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`socket-warden status: ${errorMessage(error)}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const paths = userPaths({ dataDir: values['data-dir'] });
  const report = await gatherStatus({
    listen: path.resolve(values.listen ?? defaultListen(paths)),
    upstream: path.resolve(stripUnix(values.upstream) ?? defaultUpstream()),
    adminFile: path.resolve(
      values['admin-settings'] ?? process.env.SOCKET_WARDEN_ADMIN_SETTINGS ?? DEFAULT_ADMIN_SETTINGS,
    ),
    userSettingsFile: path.join(paths.settingsDir, `${USER_SETTINGS_NAME}.json`),
    socketsDir: socketsDirIn(paths),
    uiUrlFile: uiUrlFileIn(paths),
    contractSocket: path.join(
      process.env.SOCKET_WARDEN_CONTRACT_DIR ?? MANAGED_CONTRACT_DIR,
      READ_SOCKET_NAME,
    ),
  });
  console.log(values.json ? JSON.stringify(report, undefined, 2) : formatStatus(report));
  return statusExitCode(report);
}

export function statusExitCode(report: StatusReport): number {
  if (!report.guardedSocket.answering) return 1;
  if (!report.engine.reachable || report.policy.adminFile.state === 'invalid') return 3;
  return 0;
}

export interface StatusInputs {
  listen: string;
  upstream: string;
  adminFile: string;
  userSettingsFile: string;
  socketsDir: string;
  uiUrlFile: string;
  /** Managed mode's read-only contract socket; none there means no system daemon. */
  contractSocket?: string;
  timeoutMs?: number;
}

export async function gatherStatus(inputs: StatusInputs): Promise<StatusReport> {
  const timeoutMs = inputs.timeoutMs ?? 3000;
  const unknown: string[] = [];
  const uiUrl = (await readFile(inputs.uiUrlFile, 'utf8').catch(() => '')).trim();
  if (uiUrl) {
    const state = await askDaemon(paneTarget(uiUrl), timeoutMs);
    if ('state' in state)
      return fromDaemon(state.state, inputs, { kind: 'serve --ui', at: inputs.uiUrlFile }, timeoutMs, uiUrl);
    unknown.push(
      `the daemon at ${inputs.uiUrlFile}'s address did not answer (${state.error}); looked myself`,
    );
  }
  const system = inputs.contractSocket;
  if (system && (await contractSocketPresent(system))) {
    const state = await askDaemon({ socketPath: system }, timeoutMs);
    if ('state' in state) return fromDaemon(state.state, inputs, { kind: 'system', at: system }, timeoutMs);
    unknown.push(
      `the system daemon's contract socket ${system} did not answer (${state.error}); looked myself`,
    );
  }
  const [engine, guarded, admin, user, sockets] = await Promise.all([
    engineVersion(inputs.upstream, timeoutMs),
    ping(inputs.listen, timeoutMs),
    readAdminSettingsFile(inputs.adminFile),
    readUserSettings(inputs.userSettingsFile),
    socketFiles(inputs.socketsDir),
  ]);
  const policy = resolvePolicy(
    admin.kind === 'valid' ? admin.eci : undefined,
    user.settings,
    admin.kind === 'valid' ? { adminFile: admin.path, socketWarden: admin.socketWarden } : {},
  );
  unknown.push(
    'which container holds each filtered socket (the count is of socket files, spares made ahead included)',
  );
  if (!uiUrl)
    unknown.push(
      'the policy the daemon really enforces: no `serve --ui` left its address to ask, so it is resolved from the files (managed mode and --refresh-interval not included)',
    );
  return {
    socketWardenVersion: packageVersion(),
    source: 'local',
    engine: { socket: inputs.upstream, ...engine },
    guardedSocket: {
      path: inputs.listen,
      answering: guarded.ok,
      ...(guarded.ok ? {} : { error: guarded.error }),
    },
    policy: {
      ...policySummary(policy),
      adminFile: {
        path: inputs.adminFile,
        state: admin.kind,
        ...(admin.kind === 'invalid' ? { error: admin.error } : {}),
      },
      userSettings: {
        path: inputs.userSettingsFile,
        state: user.state,
        ...(user.error ? { error: user.error } : {}),
      },
    },
    filteredSockets: { count: sockets },
    unknown,
  };
}

async function fromDaemon(
  state: AppState,
  inputs: StatusInputs,
  daemon: NonNullable<StatusReport['daemon']>,
  timeoutMs: number,
  uiUrl?: string,
): Promise<StatusReport> {
  const { status, policy } = state;
  const guarded = await ping(status.listen.socket, timeoutMs);
  const containers = status.containers.map((c) => ({
    containerId: c.containerId,
    name: c.name,
    image: c.image,
    socket: c.socket,
    ...(c.needsRestart ? { needsRestart: c.needsRestart } : {}),
  }));
  return {
    socketWardenVersion: packageVersion(),
    source: 'daemon',
    daemon,
    engine: {
      socket: status.engine.upstreamSocket,
      reachable: status.engine.reachable,
      ...(status.engine.version ? { version: status.engine.version } : {}),
      ...(status.engine.apiVersion ? { apiVersion: status.engine.apiVersion } : {}),
      ...(status.engine.error ? { error: status.engine.error } : {}),
    },
    guardedSocket: {
      path: status.listen.socket,
      answering: guarded.ok,
      ...(guarded.ok ? {} : { error: guarded.error }),
    },
    ...(uiUrl ? { ui: { url: uiUrl, file: inputs.uiUrlFile } } : {}),
    policy: {
      ...policySummary(policy),
      adminFile: {
        path: policy.adminFile ?? inputs.adminFile,
        state: policy.adminFile ? 'valid' : 'unknown',
      },
      userSettings: { path: inputs.userSettingsFile, state: 'unknown' },
    },
    filteredSockets: { count: containers.length, containers },
    unknown: policy.adminFile
      ? []
      : [
          'whether the daemon reads an admin file: its policy names none (no file, or one without an enhancedContainerIsolation section)',
        ],
  };
}

function policySummary(policy: Policy) {
  return {
    enforcing: policy.enforcing,
    from: policy.source,
    locked: policy.locked,
    images: policy.imageList.images.length,
    commands: { type: policy.commandList.type, count: policy.commandList.commands.length },
  };
}

/** The report as lines for a person (pure). */
export function formatStatus(report: StatusReport): string {
  const { engine, guardedSocket, policy, filteredSockets } = report;
  const lines: string[] = [];
  lines.push(
    `Socket Warden ${report.socketWardenVersion} (${
      report.source === 'local'
        ? 'looked up locally; no daemon answered'
        : report.daemon?.kind === 'system'
          ? `as the system daemon reports it, on ${report.daemon.at}`
          : 'as the running daemon reports it'
    })`,
  );
  lines.push(
    `Engine:         ${engine.socket}: ${
      engine.reachable
        ? `reachable, version ${engine.version ?? '?'}, API ${engine.apiVersion ?? '?'}`
        : `unreachable${engine.error ? ` (${engine.error})` : ''}`
    }`,
  );
  lines.push(
    `Guarded socket: ${guardedSocket.path}: ${guardedSocket.answering ? 'answering' : `not answering${guardedSocket.error ? ` (${guardedSocket.error})` : ''}`}`,
  );
  if (report.ui) lines.push(`Settings pane:  ${report.ui.url}   (from ${report.ui.file})`);
  const admin = policy.adminFile;
  const adminWords =
    admin.state === 'absent'
      ? 'none'
      : admin.state === 'invalid'
        ? `INVALID (${admin.error ?? ''})`
        : admin.state === 'unknown'
          ? 'unknown'
          : policy.locked
            ? 'locked'
            : 'unlocked';
  lines.push(
    `Policy:         enforcement ${policy.enforcing ? 'on' : 'off'}, from ${policy.from === 'default' ? 'the defaults' : policy.from === 'admin' ? 'the admin file' : 'the user settings'}; ${policy.images} allowed image(s), ${policy.commands.type} list of ${policy.commands.count} command(s)`,
  );
  lines.push(`  admin file:    ${admin.path}: ${adminWords}`);
  const user = policy.userSettings;
  lines.push(
    `  user settings: ${user.path}: ${user.state === 'invalid' ? `INVALID (${user.error ?? ''})` : user.state}`,
  );
  lines.push(`Filtered sockets: ${filteredSockets.count}`);
  for (const c of filteredSockets.containers ?? [])
    lines.push(
      `  ${c.name || c.containerId.slice(0, 12)} (${c.image}): ${c.socket}${c.needsRestart ? ` (needs restart: ${c.needsRestart})` : ''}`,
    );
  for (const what of report.unknown) lines.push(`Unknown: ${what}`);
  return lines.join('\n');
}

function stripUnix(value: string | undefined): string | undefined {
  return value?.startsWith('unix://') ? value.slice('unix://'.length) : value;
}

/** Where a daemon's contract answers: the pane's address (with its token), or a unix contract socket. */
type DaemonTarget = HttpBridgeTarget | { error: string };

function paneTarget(url: string): DaemonTarget {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { error: 'the file holds no URL' };
  }
  return {
    host: target.hostname.replace(/^\[|\]$/g, ''),
    port: Number(target.port),
    token: target.searchParams.get('token') ?? '',
  };
}

/** The daemon's getState, through the contract client every other transport uses (answers checked). */
async function askDaemon(
  daemon: DaemonTarget,
  timeoutMs: number,
): Promise<{ state: AppState } | { error: string }> {
  if ('error' in daemon) return daemon;
  let violation = false;
  const client = createContractClient(createHttpBridge(daemon, { timeoutMs }), {
    onViolation: () => (violation = true),
  });
  const answer = await client.call('getState', undefined);
  if (answer.ok) return { state: answer.value };
  return { error: violation ? 'an answer this version does not understand' : answer.error.message };
}

async function engineVersion(
  socket: string,
  timeoutMs: number,
): Promise<{ reachable: boolean; version?: string; apiVersion?: string; error?: string }> {
  const answer = await request({ socketPath: socket, path: '/version', method: 'GET' }, undefined, timeoutMs);
  if ('error' in answer) return { reachable: false, error: answer.error };
  try {
    const body = JSON.parse(answer.body) as { Version?: string; ApiVersion?: string };
    if (answer.status !== 200) return { reachable: false, error: `HTTP ${answer.status}` };
    return {
      reachable: true,
      ...(body.Version ? { version: body.Version } : {}),
      ...(body.ApiVersion ? { apiVersion: body.ApiVersion } : {}),
    };
  } catch {
    return { reachable: false, error: 'answered something other than the Engine API' };
  }
}

async function ping(socket: string, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string }> {
  const answer = await request({ socketPath: socket, path: '/_ping', method: 'GET' }, undefined, timeoutMs);
  if ('error' in answer) return { ok: false, error: answer.error };
  // A 502 is Socket Warden answering without its engine: the socket itself answers.
  return answer.status < 600 ? { ok: true } : { ok: false, error: `HTTP ${answer.status}` };
}

function request(
  options: http.RequestOptions,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.request({ ...options, timeout: timeoutMs, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.on('error', (error) => resolve({ error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({
        error:
          error.code === 'ENOENT'
            ? 'no socket there'
            : error.code === 'ECONNREFUSED'
              ? 'nothing listens'
              : error.message,
      }),
    );
    req.end(body);
  });
}

async function readUserSettings(file: string): Promise<{
  state: 'absent' | 'valid' | 'invalid';
  settings?: ReturnType<typeof userSettingsSchema.parse>;
  error?: string;
}> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return { state: 'invalid', error: (error as Error).message };
  }
  try {
    const migrated = migrateUserSettings(JSON.parse(text) as unknown);
    if (!migrated.ok) return { state: 'invalid', error: migrated.error };
    const parsed = userSettingsSchema.safeParse(migrated.settings);
    if (!parsed.success) return { state: 'invalid', error: parsed.error.issues[0]?.message ?? 'invalid' };
    return { state: 'valid', settings: parsed.data };
  } catch (error) {
    return { state: 'invalid', error: `not JSON (${(error as Error).message})` };
  }
}

async function socketFiles(dir: string): Promise<number> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.filter((entry) => entry.endsWith('.sock')).length;
}
