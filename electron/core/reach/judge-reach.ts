// One judgement of what a container can reach, whichever request would make it (a create, a
// service's task template, an exec into it) and whoever asks: the routes to the engine (judged
// against the image list by the policy gate) and what goes beyond the requester's allowance (its
// own host paths and Docker's default powers, for a container acting through its filtered socket
// and, in managed mode, for the host's users). Pure.
import { powersBeyondDefaults, type EngineDefaults, type PowerFinding } from './default-powers.js';
import { engineRoutes, type RouteContext, type RouteFinding } from './engine-routes.js';
import { hostPathsBeyond, type HostPathAllowance } from './host-path-allowance.js';
import type { ResolvedContainer, ResolvedGrant } from './resolve-grant.js';

export interface Allowance {
  /** Who asks, for messages: `container "ryuk"`, `the host`. */
  who: string;
  /** 'any': powers beyond the engine's defaults may be granted (the host in personal mode). */
  powers: 'any' | 'defaults';
  hostPaths: HostPathAllowance;
}

/** The host in personal mode: any power and any path; only the routes to the engine are judged. */
export const unlimitedAllowance: Allowance = { who: 'the host', powers: 'any', hostPaths: 'any' };

export interface ReachJudgement {
  routes: RouteFinding[];
  beyond: PowerFinding[];
}

export interface JudgeContext extends RouteContext {
  defaults: EngineDefaults;
}

export function judgeReach(
  resolved: ResolvedGrant,
  allowance: Allowance,
  ctx: JudgeContext,
  options: { reported?: boolean } = {},
): ReachJudgement {
  const routes = engineRoutes(resolved, ctx);
  const beyond =
    allowance.powers === 'any'
      ? []
      : powersBeyondDefaults(resolved, ctx.defaults, { reported: options.reported });
  // A mount that reaches the engine is judged by the image list (and a bind of the socket file is
  // replaced by a filtered socket): it is not a host path handed on.
  const routed = new Set(routes.map((route) => route.field));
  beyond.push(...hostPathsBeyond(resolved, allowance.hostPaths).filter((found) => !routed.has(found.field)));
  // Joined containers: what they hold beyond the defaults is this container's too (a shared PID
  // namespace with a privileged container, a network namespace that is the host's).
  if (allowance.powers !== 'any')
    for (const join of resolved.joins) {
      if (!join.target) continue;
      for (const found of powersBeyondDefaults(join.target, ctx.defaults, { reported: true }))
        beyond.push({
          field: join.field,
          what: `through container ${join.target.name || join.ref}: ${found.what}`,
        });
    }
  return { routes, beyond };
}

function isOwnFilteredSocket(route: RouteFinding): boolean {
  // A filtered socket is only ever handed out by Socket Warden, in place of an engine socket bind,
  // and it gives its holder no more than the holder's own allowance: the same as the container's.
  return route.guard?.kind === 'filtered-sockets' && route.relation === 'inside' && route.joined !== true;
}

/**
 * What an existing container holds that `allowance` does not: running code in it (exec, attach),
 * or reading and writing it (archive, export, commit), would hand that over. Empty when it holds
 * nothing more: for example the requester's own children, created within the rules.
 */
export function holdsMore(target: ResolvedContainer, allowance: Allowance, ctx: JudgeContext): string[] {
  if (allowance.powers === 'any' && allowance.hostPaths === 'any') return [];
  const { routes, beyond } = judgeReach(target, allowance, ctx, { reported: true });
  return [
    ...routes.filter((route) => !isOwnFilteredSocket(route)).map((route) => describeRoute(route)),
    ...beyond.map((power) => power.what),
  ];
}

export function describeRoute(route: RouteFinding): string {
  return `${route.field}: ${route.reason}`;
}
