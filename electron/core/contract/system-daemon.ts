// The tray app's side of managed mode: finds the system daemon's contract sockets (unix-transport.ts)
// and turns the connection into the same handlers and event emitter an in-process daemon gives, so the
// app's IPC transport, tray and notifications work unchanged and no second proxy starts.
import { lstat } from 'node:fs/promises';
import {
  ContractError,
  contractEvents,
  contractRequests,
  createContractClient,
  createContractEventEmitter,
  type ContractClient,
  type ContractEventEmitter,
  type ContractHandlers,
  type EventName,
  type RequestName,
} from '../../../shared/ipc-contract.js';
import { createHttpBridge, type HttpBridgeOptions } from './http-bridge.js';
import { EDIT_SOCKET_NAME, MANAGED_CONTRACT_DIR, READ_SOCKET_NAME } from './unix-transport.js';

export interface SystemDaemon {
  socketPath: string;
  /** Connected to the edit socket: the user is in its group. */
  canEdit: boolean;
  handlers: ContractHandlers;
  /** The daemon's events, and the app's own (`focus`) emitted into it. */
  events: ContractEventEmitter;
  close(): void;
}

/** What a probe of one socket found. */
export type SocketProbe = { socket: 'edit' | 'read'; answered: boolean; error?: string };

/**
 * Which socket to use: the edit socket when it answers (the kernel let us in: we are in its group),
 * else the read socket; undefined when neither answers (no system daemon: personal mode).
 */
export function chooseContractSocket(probes: readonly SocketProbe[]): 'edit' | 'read' | undefined {
  if (probes.some((probe) => probe.socket === 'edit' && probe.answered)) return 'edit';
  if (probes.some((probe) => probe.socket === 'read' && probe.answered)) return 'read';
  return undefined;
}

export async function connectSystemDaemon(
  options: {
    dir?: string;
    bridge?: HttpBridgeOptions;
    onViolation?: (what: string) => void;
    /** Which sockets to try, in order (tests: as a user the edit socket refuses). */
    probeOnly?: readonly ('edit' | 'read')[];
    /**
     * How long to keep asking while a contract socket file is there but nothing answers (the system
     * daemon restarting, systemd holding its socket): a managed host must not fall back to personal
     * mode, whose proxy would only be gone around. Default 20 s.
     */
    waitMs?: number;
  } = {},
): Promise<SystemDaemon | undefined> {
  const dir = options.dir ?? MANAGED_CONTRACT_DIR;
  const paths = { edit: `${dir}/${EDIT_SOCKET_NAME}`, read: `${dir}/${READ_SOCKET_NAME}` };
  const clients = {
    edit: createContractClient(createHttpBridge({ socketPath: paths.edit }, options.bridge), {
      onViolation: (what) => options.onViolation?.(what),
    }),
    read: createContractClient(createHttpBridge({ socketPath: paths.read }, options.bridge), {
      onViolation: (what) => options.onViolation?.(what),
    }),
  };
  const order = options.probeOnly ?? (['edit', 'read'] as const);
  const probe = async (): Promise<'edit' | 'read' | undefined> => {
    const probes: SocketProbe[] = [];
    for (const socket of order) {
      const answer = await clients[socket].call('getStatus', undefined);
      probes.push({ socket, answered: answer.ok, ...(answer.ok ? {} : { error: answer.error.message }) });
      if (answer.ok) break;
    }
    return chooseContractSocket(probes);
  };
  const deadline = Date.now() + (options.waitMs ?? 20_000);
  let chosen = await probe();
  while (!chosen && Date.now() < deadline && (await anySocketFile(order.map((s) => paths[s])))) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    chosen = await probe();
  }
  if (!chosen) return undefined;
  const client = clients[chosen];
  const events = createContractEventEmitter();
  const stops = (Object.keys(contractEvents) as EventName[]).map((name) =>
    client.on(name, (payload) => {
      try {
        events.emit(name, payload as never);
      } catch {
        // Validated by the client already; an emitter that refuses it drops it.
      }
    }),
  );
  return {
    socketPath: paths[chosen],
    canEdit: chosen === 'edit',
    handlers: remoteHandlers(client),
    events,
    close: () => {
      for (const stop of stops) stop();
    },
  };
}

/** Handlers that ask the daemon: an error answer is thrown as the same ContractError. */
export function remoteHandlers(client: ContractClient): ContractHandlers {
  const handlers = {} as Record<RequestName, (input: unknown) => Promise<unknown>>;
  for (const name of Object.keys(contractRequests) as RequestName[]) {
    handlers[name] = async (input) => {
      const answer = await client.call(name, input as never);
      if (!answer.ok) throw new ContractError(answer.error.code, answer.error.message, answer.error.issues);
      return answer.value;
    };
  }
  return handlers as ContractHandlers;
}

/** Whether a contract socket file is there: a system daemon is installed, whether or not it answers. */
export async function contractSocketPresent(file: string): Promise<boolean> {
  const stat = await lstat(file).catch(() => undefined);
  return stat?.isSocket() === true;
}

async function anySocketFile(paths: readonly string[]): Promise<boolean> {
  for (const file of paths) if (await contractSocketPresent(file)) return true;
  return false;
}
