// Who may do what over the managed daemon's contract sockets (unix-transport.ts). Every request is
// either a read (state, history, checks that change nothing) or an edit (anything that changes the
// settings, the history or the engine's images). The table is exhaustive over the contract's requests,
// so a new request cannot be added without saying which it is.
import { ContractError, type ContractHandlers, type RequestName } from '../../../shared/ipc-contract.js';

export type RequestAccess = 'read' | 'edit';

export const requestAccess: { readonly [N in RequestName]: RequestAccess } = {
  getState: 'read',
  getStatus: 'read',
  validatePolicy: 'read',
  getCommandCatalog: 'read',
  listHistory: 'read',
  exportHistory: 'read',
  listMismatchedImages: 'read',
  getDefaultStatus: 'read',
  setEnforcement: 'edit',
  updatePolicy: 'edit',
  clearHistory: 'edit',
  // The daemon pulls as root, with root's registry credentials: not for everyone who may watch.
  repullImage: 'edit',
  // Personal mode only (the handlers refuse it in managed mode); still an edit.
  setDefault: 'edit',
};

/** The access a connection has: what the socket it came through grants. */
export type ConnectionAccess = { canEdit: true } | { canEdit: false; why: string };

/**
 * The handlers a connection gets: all of them when it may edit; otherwise the reads, and every edit
 * answered `locked` with `why` (which group may edit, and through which socket).
 */
export function handlersForAccess(handlers: ContractHandlers, access: ConnectionAccess): ContractHandlers {
  if (access.canEdit) return handlers;
  const restricted = { ...handlers } as Record<RequestName, (input: unknown) => Promise<unknown>>;
  for (const name of Object.keys(requestAccess) as RequestName[]) {
    if (requestAccess[name] === 'edit')
      restricted[name] = () => Promise.reject(new ContractError('locked', access.why));
  }
  return restricted as ContractHandlers;
}
