// Which judgement a routed request gets, from its method and decoded path (after the `/vX.Y`
// prefix): the requests that make a container (create, a service), make the engine mount again
// (start, restart, archive), run code in or read and write an existing container (exec, attach,
// archive, export, commit, update, logs), or hand out control (swarm, plugins). Pure.

export type Endpoint =
  | { kind: 'create' }
  | { kind: 'start'; container: string; verb: 'start' | 'restart' }
  | { kind: 'service-write' }
  | { kind: 'volume-create' }
  | { kind: 'exec-create'; container: string }
  | { kind: 'exec-start'; exec: string }
  /** Acts on an existing container: the engine resolves `container` (a name or an ID prefix). */
  | { kind: 'container-action'; container: string; action: string }
  | { kind: 'commit' }
  | { kind: 'build' }
  | { kind: 'swarm-control'; what: string }
  | { kind: 'plugin-install' }
  /** Podman's own API: another container-creation language, not judged. */
  | { kind: 'libpod'; write: boolean }
  | { kind: 'other' };

const CONTAINER = /^\/containers\/([^/]+)\/([a-z]+(?:\/ws)?)$/;

/** Actions on another container that run code in it or read or write it. */
const ACTIONS: Record<string, { methods: readonly string[]; action: string }> = {
  exec: { methods: ['POST'], action: 'exec into' },
  attach: { methods: ['POST'], action: 'attach to' },
  'attach/ws': { methods: ['GET'], action: 'attach to' },
  archive: { methods: ['GET', 'HEAD', 'PUT'], action: 'copy files of' },
  copy: { methods: ['POST'], action: 'copy files of' },
  export: { methods: ['GET'], action: 'export' },
  update: { methods: ['POST'], action: 'update' },
  logs: { methods: ['GET'], action: 'read the logs of' },
};

const SWARM_CONTROL: Record<string, string> = {
  'GET /swarm': 'read the swarm join tokens',
  'GET /swarm/unlockkey': 'read the swarm unlock key',
  'POST /swarm/init': 'initialise a swarm',
  'POST /swarm/join': 'join a swarm',
  'POST /swarm/update': 'change the swarm (tokens, CA, autolock)',
  'POST /swarm/unlock': 'unlock the swarm',
  'POST /swarm/leave': 'leave the swarm',
};

export function classifyEndpoint(method: string, path: string): Endpoint {
  if (path === '/libpod' || path.startsWith('/libpod/'))
    return { kind: 'libpod', write: method !== 'GET' && method !== 'HEAD' };
  if (method === 'POST') {
    if (path === '/containers/create') return { kind: 'create' };
    if (path === '/services/create' || /^\/services\/[^/]+\/update$/.test(path))
      return { kind: 'service-write' };
    if (path === '/commit') return { kind: 'commit' };
    if (path === '/volumes/create') return { kind: 'volume-create' };
    if (path === '/build') return { kind: 'build' };
    const exec = /^\/exec\/([^/]+)\/start$/.exec(path);
    if (exec) return { kind: 'exec-start', exec: exec[1] ?? '' };
    // moby routes /plugins/{name:.*}/…: a plugin's name may hold slashes (vieux/sshfs:latest).
    if (/^\/plugins\/(?:pull|create|.+\/(?:upgrade|set|enable))$/.test(path))
      return { kind: 'plugin-install' };
    if (/^\/nodes\/[^/]+\/update$/.test(path))
      return { kind: 'swarm-control', what: 'change a swarm node (promote it to manager)' };
  }
  const swarm = SWARM_CONTROL[`${method} ${path}`];
  if (swarm) return { kind: 'swarm-control', what: swarm };
  const container = CONTAINER.exec(path);
  if (container) {
    const [, ref = '', verb = ''] = container;
    if (method === 'POST' && (verb === 'start' || verb === 'restart'))
      return { kind: 'start', container: ref, verb };
    if (method === 'POST' && verb === 'exec') return { kind: 'exec-create', container: ref };
    const action = ACTIONS[verb];
    if (action?.methods.includes(method))
      return { kind: 'container-action', container: ref, action: action.action };
  }
  return { kind: 'other' };
}

/**
 * The request-target with the container reference replaced by the full ID the engine resolved it
 * to, so that a rename or a new container of that name cannot change which one the engine acts on.
 */
export function pinContainer(
  target: { apiVersion: string | null; path: string; original: string },
  ref: string,
  id: string,
): string {
  const prefix = `/containers/${ref}/`;
  if (!target.path.startsWith(prefix)) return target.original;
  const query = target.original.indexOf('?');
  const version = target.apiVersion === null ? '' : `/v${target.apiVersion}`;
  return `${version}/containers/${id}/${target.path.slice(prefix.length)}${query === -1 ? '' : target.original.slice(query)}`;
}
