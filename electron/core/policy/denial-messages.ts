// The words of every denial the policy gives, in one place: each names what was refused, why, and
// what the user can do about it, in the engine's own error format (the proxy wraps it in
// `{"message": …}`, so the docker CLI prints `Error response from daemon: …`).
import { MESSAGE_PREFIX } from '../proxy/engine-error.js';
import type { PowerFinding } from '../reach/default-powers.js';
import type { RouteFinding } from '../reach/engine-routes.js';

/** Spec §1: `docker socket mount denied for container with image "…"; <detail>; if you wish …`. */
export function socketMountDeniedMessage(repository: string, detail: string): string {
  return `${MESSAGE_PREFIX}docker socket mount denied for container with image "${repository}"; ${detail}; if you wish to allow it, configure the docker socket image list in the Socket Warden settings.`;
}

/** How a container would reach the engine, for routes other than a plain bind of the socket: per field, its first reason. */
export function routeWords(routes: readonly RouteFinding[]): string {
  const byField = new Map<string, RouteFinding[]>();
  for (const route of routes) byField.set(route.field, [...(byField.get(route.field) ?? []), route]);
  const shown = [...byField].slice(0, 3).map(([field, found]) => {
    const others =
      found.length > 1 ? `, and ${found.length - 1} more guarded path${found.length > 2 ? 's' : ''}` : '';
    return `${field} (${found[0]?.reason ?? ''}${others})`;
  });
  const more = byField.size > 3 ? `; and ${byField.size - 3} more` : '';
  return `the container would reach the Docker Engine through ${shown.join('; ')}${more}`;
}

export function unfilterableRouteDetail(route: RouteFinding): string {
  return `the container would reach the Docker Engine through ${route.field} (${route.reason}), which Socket Warden cannot filter; only a bind of the socket file itself can be given a filtered socket`;
}

function powerList(found: readonly PowerFinding[]): string {
  const words = [...new Set(found.map((f) => f.what))];
  const shown = words.slice(0, 5).join(', ');
  return words.length > 5 ? `${shown} and ${words.length - 5} more` : shown;
}

/** A container asking, through its filtered socket, for more of the host than it has. */
export function containmentMessage(who: string, what: string, found: readonly PowerFinding[]): string {
  return `${MESSAGE_PREFIX}${who} may not ${what} with ${powerList(found)} through its Docker socket: a container gets no more of the host than it has itself (its own host paths, Docker's default powers)`;
}

/** A host user, in managed mode with host protection on. */
export function hostProtectionMessage(what: string, found: readonly PowerFinding[]): string {
  return `${MESSAGE_PREFIX}this host's Docker Engine is managed by Socket Warden, which does not let users ${what} with ${powerList(found)}: that would hand out the host, and the engine with it; ask your administrator (admin-settings.json, socketWarden.hostProtection) if you need it`;
}

/** Acting on a container that holds more than the requester. */
export function holdsMoreMessage(
  who: string,
  action: string,
  target: string,
  more: readonly string[],
): string {
  const shown = more.slice(0, 3).join('; ');
  return `${MESSAGE_PREFIX}${who} may not ${action} container ${target}: it holds more of the host than ${who} has (${shown}${more.length > 3 ? `; and ${more.length - 3} more` : ''})`;
}

export function swarmControlMessage(who: string, what: string): string {
  return `${MESSAGE_PREFIX}${who} may not ${what} through its Docker socket: swarm control hands out the engine (a manager runs any service on it)`;
}

export function pluginInstallMessage(): string {
  return `${MESSAGE_PREFIX}installing or configuring plugins through a container's socket is not allowed (plugins choose their own host mounts)`;
}

export function libpodMessage(): string {
  return `${MESSAGE_PREFIX}Podman's own API (/libpod/…) is not judged by Socket Warden; use the Docker API, which is`;
}

export function startRefusedMessage(container: string, detail: string): string {
  return `${MESSAGE_PREFIX}container ${container} may not start: ${detail}; remove it and create it again through Socket Warden`;
}
