// The system daemon's contract sockets (unix-transport.ts), as `serve --managed` under systemd serves
// them: where (SOCKET_WARDEN_CONTRACT_DIR, which socket-warden.service sets), and which group may
// edit (SOCKET_WARDEN_EDIT_GROUP, default `socket-warden`; a name in /etc/group or a gid).
import type { ContractEventEmitter, ContractHandlers } from '../../../shared/ipc-contract.js';
import type { Log } from '../log.js';
import { gidInGroupFile, readGroupFile } from './group-file.js';
import { startUnixContractServer, type UnixContractServer } from './unix-transport.js';

export const DEFAULT_EDIT_GROUP = 'socket-warden';

export interface ContractSocketsOptions {
  dir: string;
  editGroup: string;
}

/** Serve the contract sockets only when the unit (or a test) names their directory. */
export function contractSocketsFromEnv(env: NodeJS.ProcessEnv): ContractSocketsOptions | undefined {
  const dir = env.SOCKET_WARDEN_CONTRACT_DIR;
  if (!dir) return undefined;
  return { dir, editGroup: env.SOCKET_WARDEN_EDIT_GROUP || DEFAULT_EDIT_GROUP };
}

/** The words a read-only connection gets when it tries to edit. */
export function editRefusal(editGroup: string, gid: number | null): string {
  return gid === null
    ? `editing needs the group ${editGroup}, which this host does not have (groupadd --system ${editGroup}); only root may edit now`
    : `editing needs membership in the group ${editGroup} (then log in again, so the tray app connects to the edit socket)`;
}

export async function startContractSockets(options: {
  handlers: ContractHandlers;
  events: ContractEventEmitter;
  sockets: ContractSocketsOptions;
  /** The guarded socket's group: who may use Docker may watch. */
  readGid: number | undefined;
  log: Log;
  groupFile?: string;
}): Promise<UnixContractServer> {
  const { editGroup } = options.sockets;
  const gid = gidInGroupFile(await readGroupFile(options.groupFile), editGroup) ?? null;
  if (gid === null)
    options.log.warn(
      `settings contract: no group ${editGroup} on this host, so only root may edit over ${options.sockets.dir}`,
    );
  return startUnixContractServer({
    handlers: options.handlers,
    events: options.events,
    dir: options.sockets.dir,
    readGid: options.readGid,
    editGid: gid,
    editRefusal: editRefusal(editGroup, gid),
    onInternalError: (request, error) => options.log.error(`contract ${request}: ${String(error)}`),
  });
}
