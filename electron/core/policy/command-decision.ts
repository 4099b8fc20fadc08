// Applies the docker socket command list to one request.
//
// The proxy sees requests, not commands, and one request can serve several commands
// (shared/command-map.ts). The rules, and why:
// - Deny list: a request is blocked when any command it *is* (EndpointEntry.commands) is listed,
//   or the wildcard of its group or of one of those commands' groups. So denying `create` also
//   blocks `run` (and denying `run` blocks `create` and `start`): `POST /containers/create` is the
//   same bytes whichever command sent it, and anything else would let a raw request or the other
//   command walk around the deny. Commands that only *use* a request as a helper step
//   (EndpointEntry.alsoUsedBy) do not block it: denying `logs` must not break `inspect`.
// - Allow list: a request passes when any command listed *is* it or uses it as a helper, so
//   allowing `run` lets its attach, wait, resize and implicit pull through. The price, stated in
//   the settings: an allowed command opens every request it needs (allowing `logs` also opens
//   container inspect data).
// - `/_ping` and `/version` always pass: every command starts with them and they change nothing.
// - Requests the map does not know: an allow list blocks them. A deny list blocks them only when
//   the wildcard of the group their path names is listed (`container*` covers a newer engine's
//   `/containers/{id}/something`), and otherwise lets them through: a deny list is a list of what
//   to stop, and a request matching no route of the engine is answered 404 without doing anything.
import {
  groupOfPath,
  groupsOfCommand,
  isWildcard,
  matchEndpoint,
  type EndpointEntry,
} from '../../../shared/command-map.js';
import { parseRequestTarget, type RequestTarget } from './request-target.js';

export interface CommandList {
  type: 'deny' | 'allow';
  commands: readonly string[];
}

export type CommandDecision =
  | { verdict: 'allow' }
  | { verdict: 'block'; command: string[]; uri: string }
  | { verdict: 'refuse'; status: number; message: string };

/** The error the proxy answers a blocked request with; `uri` is the request-target as sent. */
export function blockedCommandMessage(uri: string): string {
  return `socket-warden: docker command "${uri}" is blocked; if you wish to allow it, configure the docker socket command list in the Socket Warden settings or admin-settings.`;
}

export function decideCommand(list: CommandList, method: string, rawTarget: string): CommandDecision {
  const target = parseRequestTarget(method, rawTarget);
  if (!target.ok) return { verdict: 'refuse', status: target.status, message: target.message };
  return decideRoutedCommand(list, target);
}

/** The same decision for a target already routed by parseRequestTarget (the proxy parses once). */
export function decideRoutedCommand(
  list: CommandList,
  target: Extract<RequestTarget, { ok: true }>,
  /** Commands this request also is on this engine (BuildKit's /grpc is a push on the containerd image store). */
  alsoIs: readonly string[] = [],
): Exclude<CommandDecision, { verdict: 'refuse' }> {
  const rawTarget = target.original;
  const entry = matchEndpoint(target.method, target.path);
  if (entry?.alwaysAllowed) return { verdict: 'allow' };

  const block = (): Exclude<CommandDecision, { verdict: 'refuse' }> => ({
    verdict: 'block',
    command: entry ? [...(entry.commands.length > 0 ? entry.commands : entry.alsoUsedBy)] : [],
    uri: rawTarget,
  });

  if (!entry) {
    if (list.type === 'allow') return block();
    const group = groupOfPath(target.path);
    return group !== undefined && list.commands.includes(`${group}*`) ? block() : { verdict: 'allow' };
  }

  if (list.type === 'deny') {
    return listNames(list, entry, [...entry.commands, ...alsoIs]) ? block() : { verdict: 'allow' };
  }
  const allowed =
    listNames(list, entry, [...entry.commands, ...entry.alsoUsedBy]) &&
    alsoIs.every((command) => listNames(list, entry, [command]));
  return allowed ? { verdict: 'allow' } : block();
}

/** Whether the list names one of `commands`, the wildcard of one of their groups, or of the entry's group. */
function listNames(list: CommandList, entry: EndpointEntry, commands: readonly string[]): boolean {
  // Per request on a filtered socket: the groups are worked out only when the list has a wildcard.
  let groups: Set<string> | null = null;
  return list.commands.some((name) => {
    if (!isWildcard(name)) return commands.includes(name);
    groups ??= new Set<string>([entry.group, ...commands.flatMap(groupsOfCommand)]);
    return groups.has(name.slice(0, -1));
  });
}
