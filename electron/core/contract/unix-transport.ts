// The third transport of the settings contract, for the tray app of a managed host: the system daemon
// (`serve --managed`, as root) serves the contract on two unix sockets, with the HTTP framing of
// `serve --ui` (`POST /api/call/<request>` with `{ input }`, the events as server-sent events at
// `GET /api/events`), so one client (http-bridge.ts) speaks to either.
//
// Who may call is decided by the kernel, not by anything the client says: connect(2) on a unix
// socket needs write permission on the socket file, checked against the caller's own credentials.
//   - contract.sock       0660 root:<the guarded socket's group, docker>: reads (state, history, live
//                         events). Whoever may use Docker may watch what guards it.
//   - contract-edit.sock  0660 root:<the edit group, `socket-warden`>: reads and edits of what the
//                         admin left unlocked.
// A connection's rights are those of the socket that accepted it (as with SO_PEERCRED, they are fixed at
// connect). Locked settings stay locked on both: the handlers refuse them for everyone.
// The sockets are made in a 0700 staging directory, given their mode and group there, and renamed into
// place, so no moment exists in which either is reachable with looser permissions.
import { mkdir, mkdtemp, chmod, chown, lstat, rename, rm, rmdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { ContractEventEmitter, ContractHandlers } from '../../../shared/ipc-contract.js';
import { handlersForAccess, type ConnectionAccess } from './contract-access.js';
import { failure, readJsonBody, sendJson } from './contract-http.js';
import { createDispatcher } from './dispatcher.js';

export const READ_SOCKET_NAME = 'contract.sock';
export const EDIT_SOCKET_NAME = 'contract-edit.sock';
/** Where the system daemon serves the contract (beside, not inside, /run/socket-warden, which is 0700). */
export const MANAGED_CONTRACT_DIR = '/run/socket-warden-contract';

export interface UnixContractOptions {
  handlers: ContractHandlers;
  events: ContractEventEmitter;
  /** The directory for both sockets; made 0755 when missing. */
  dir: string;
  /** Group of the read socket; undefined: the process's own. */
  readGid?: number;
  /** Group of the edit socket; null: no group may edit (the socket is 0600, root's only). */
  editGid?: number | null;
  /** Said to a connection of the read socket that tries to edit. */
  editRefusal: string;
  onInternalError?: (request: string, error: unknown) => void;
}

export interface UnixContractServer {
  readSocket: string;
  editSocket: string;
  close(): Promise<void>;
}

const heartbeatMs = 15_000;

export async function startUnixContractServer(options: UnixContractOptions): Promise<UnixContractServer> {
  await preparePublicDir(options.dir);
  const readSocket = path.join(options.dir, READ_SOCKET_NAME);
  const editSocket = path.join(options.dir, EDIT_SOCKET_NAME);
  await refuseLiveSocket(readSocket);
  await refuseLiveSocket(editSocket);
  const staging = await mkdtemp(path.join(options.dir, '.staging-'));
  const servers: Server[] = [];
  try {
    await chmod(staging, 0o700);
    const read = contractHttpServer(options, { canEdit: false, why: options.editRefusal });
    const edit = contractHttpServer(options, { canEdit: true });
    servers.push(read, edit);
    await listenPrivately(read, path.join(staging, READ_SOCKET_NAME), 0o660, options.readGid, readSocket);
    const editGid = options.editGid === null ? undefined : options.editGid;
    await listenPrivately(
      edit,
      path.join(staging, EDIT_SOCKET_NAME),
      options.editGid === null ? 0o600 : 0o660,
      editGid,
      editSocket,
    );
  } catch (error) {
    await Promise.all(servers.map((server) => closeServer(server)));
    await rm(readSocket, { force: true });
    await rm(editSocket, { force: true });
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return {
    readSocket,
    editSocket,
    async close() {
      await Promise.all(servers.map((server) => closeServer(server)));
      await rm(readSocket, { force: true });
      await rm(editSocket, { force: true });
      await rmdir(options.dir).catch(() => undefined);
    },
  };
}

/** The one HTTP server per socket: its dispatcher holds exactly the rights that socket grants. */
function contractHttpServer(options: UnixContractOptions, access: ConnectionAccess): Server {
  const dispatcher = createDispatcher(handlersForAccess(options.handlers, access), {
    onInternalError: options.onInternalError,
  });
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.onInternalError?.('unix', error);
      if (!response.headersSent) sendJson(response, 500, failure('internal', 'request failed'));
      else response.destroy();
    });
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    const pathname = (request.url ?? '/').split('?')[0];
    if (pathname === '/api/events' && request.method === 'GET') {
      openEventStream(options.events, request, response);
      return;
    }
    const call = /^\/api\/call\/([A-Za-z]+)$/.exec(pathname ?? '');
    if (call?.[1] && request.method === 'POST') {
      const body = await readJsonBody(request);
      if (!body.ok) {
        sendJson(response, 400, failure('invalid-input', body.message));
        return;
      }
      const input =
        typeof body.value === 'object' && body.value !== null
          ? (body.value as { input?: unknown }).input
          : undefined;
      sendJson(response, 200, await dispatcher.dispatch(call[1], input));
      return;
    }
    sendJson(response, 404, failure('not-found', 'no such endpoint'));
  }
  return server;
}

function openEventStream(
  events: ContractEventEmitter,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  response.write('retry: 2000\n\n');
  const unsubscribe = events.subscribe((event, payload) => {
    response.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
  });
  const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), heartbeatMs);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  request.on('close', stop);
  response.on('error', stop);
}

/** The sockets' directory: ours, not writable by anyone else (so nobody else can swap a socket in it). */
async function preparePublicDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const stat = await lstat(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid)
    throw new Error(
      `${dir} belongs to uid ${stat.uid}, not to this process (uid ${uid}); refusing to serve in it`,
    );
  if ((stat.mode & 0o022) !== 0) await chmod(dir, 0o755);
}

async function refuseLiveSocket(socketPath: string): Promise<void> {
  const stat = await lstat(socketPath).catch(() => null);
  if (!stat) return;
  if (!stat.isSocket()) throw new Error(`${socketPath} exists and is not a socket; refusing to replace it`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new Error(`${socketPath} is served by another process already`);
}

/** Listens in the private staging directory, sets mode and group there, then renames into place. */
async function listenPrivately(
  server: Server,
  stagingPath: string,
  mode: number,
  gid: number | undefined,
  finalPath: string,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(stagingPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(stagingPath, mode);
  if (gid !== undefined) await chown(stagingPath, process.getuid?.() ?? 0, gid);
  // rename(2) replaces a stale socket file at once: there is no moment without one or with a loose one.
  await rename(stagingPath, finalPath);
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Event streams never end by themselves.
    server.closeAllConnections();
  });
}
