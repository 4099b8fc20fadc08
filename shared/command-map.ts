// Which `docker` CLI commands send which Docker Engine API request.
//
// The proxy sees requests, not commands: this table is how a command list written in
// `docker --help` names is applied to raw HTTP. Sources: moby's routers (v20.10.24 and master,
// api/server/router/* and daemon/server/router/*), the docker CLI 28 command tree and its client
// calls, and the requests measured through a logging proxy (docs/engine-facts.md).

/** Every group an endpoint can belong to; the first six are the wildcards a command list may use. */
export const commandGroups = [
  'container',
  'image',
  'volume',
  'network',
  'build',
  'system',
  'checkpoint',
  'plugin',
  'swarm',
  'node',
  'service',
  'stack',
  'secret',
  'config',
  'registry',
] as const;
export type CommandGroup = (typeof commandGroups)[number];

/** Groups a command list may name as `<group>*`. */
export const wildcardGroups = ['container', 'image', 'volume', 'network', 'build', 'system'] as const;
export type WildcardGroup = (typeof wildcardGroups)[number];

/** First words that name no enforceable command; `context` and `logout` send nothing to the engine. */
export const unsupportedCommandNames = [
  'compose',
  'dev',
  'extension',
  'feedback',
  'init',
  'manifest',
  'plugin',
  'sbom',
  'scout',
  'trust',
  'context',
  'logout',
] as const;

/** Whole names that are otherwise valid words but send nothing to the engine. */
const unsupportedFullNames = ['stack config'] as const;

interface CommandDef {
  /** Management form, as `docker <group> --help` lists it (or the bare name for top-level-only commands). */
  name: string;
  /** Every other spelling `docker <cmd> --help` lists under "Aliases". */
  aliases: readonly string[];
  groups: readonly CommandGroup[];
}

const def = (groups: CommandGroup | CommandGroup[], name: string, aliases: string[] = []): CommandDef => ({
  name,
  aliases,
  groups: Array.isArray(groups) ? groups : [groups],
});

// Aliases as the docker CLI 28.2 prints them (`docker container ls --help` → "Aliases: ...").
const commandDefs: readonly CommandDef[] = [
  def('container', 'container attach', ['attach']),
  def('container', 'container commit', ['commit']),
  def('container', 'container cp', ['cp']),
  def('container', 'container create', ['create']),
  def('container', 'container diff', ['diff']),
  def('container', 'container exec', ['exec']),
  def('container', 'container export', ['export']),
  def('container', 'container inspect'),
  def('container', 'container kill', ['kill']),
  def('container', 'container logs', ['logs']),
  def('container', 'container ls', ['container list', 'container ps', 'ps']),
  def('container', 'container pause', ['pause']),
  def('container', 'container port', ['port']),
  def('container', 'container prune'),
  def('container', 'container rename', ['rename']),
  def('container', 'container restart', ['restart']),
  def('container', 'container rm', ['container remove', 'rm']),
  def('container', 'container run', ['run']),
  def('container', 'container start', ['start']),
  def('container', 'container stats', ['stats']),
  def('container', 'container stop', ['stop']),
  def('container', 'container top', ['top']),
  def('container', 'container unpause', ['unpause']),
  def('container', 'container update', ['update']),
  def('container', 'container wait', ['wait']),
  // `docker build` is `docker image build` and `docker builder build` at once.
  def(['image', 'build'], 'image build', ['build', 'builder build']),
  def('image', 'image history', ['history']),
  def('image', 'image import', ['import']),
  def('image', 'image inspect'),
  def('image', 'image load', ['load']),
  def('image', 'image ls', ['image list', 'images']),
  def('image', 'image prune'),
  def('image', 'image pull', ['pull']),
  def('image', 'image push', ['push']),
  def('image', 'image rm', ['image remove', 'rmi']),
  def('image', 'image save', ['save']),
  def('image', 'image tag', ['tag']),
  def('build', 'builder prune'),
  // buildx (a CLI plugin) drives the engine's BuildKit through /session and /grpc.
  def('build', 'buildx build'),
  def('build', 'buildx bake'),
  def('build', 'buildx prune'),
  def('build', 'buildx du'),
  def('volume', 'volume create'),
  def('volume', 'volume inspect'),
  def('volume', 'volume ls', ['volume list']),
  def('volume', 'volume prune'),
  def('volume', 'volume rm', ['volume remove']),
  def('volume', 'volume update'),
  def('network', 'network connect'),
  def('network', 'network create'),
  def('network', 'network disconnect'),
  def('network', 'network inspect'),
  def('network', 'network ls', ['network list']),
  def('network', 'network prune'),
  def('network', 'network rm', ['network remove']),
  def('system', 'system df'),
  def('system', 'system events', ['events']),
  def('system', 'system info', ['info']),
  def('system', 'system prune'),
  def('checkpoint', 'checkpoint create'),
  def('checkpoint', 'checkpoint ls', ['checkpoint list']),
  def('checkpoint', 'checkpoint rm', ['checkpoint remove']),
  def('config', 'config create'),
  def('config', 'config inspect'),
  def('config', 'config ls', ['config list']),
  def('config', 'config rm', ['config remove']),
  def('node', 'node demote'),
  def('node', 'node inspect'),
  def('node', 'node ls', ['node list']),
  def('node', 'node promote'),
  def('node', 'node ps'),
  def('node', 'node rm', ['node remove']),
  def('node', 'node update'),
  def('secret', 'secret create'),
  def('secret', 'secret inspect'),
  def('secret', 'secret ls', ['secret list']),
  def('secret', 'secret rm', ['secret remove']),
  def('service', 'service create'),
  def('service', 'service inspect'),
  def('service', 'service logs'),
  def('service', 'service ls', ['service list']),
  def('service', 'service ps'),
  def('service', 'service rm', ['service remove']),
  def('service', 'service rollback'),
  def('service', 'service scale'),
  def('service', 'service update'),
  def('stack', 'stack deploy', ['stack up']),
  def('stack', 'stack ls', ['stack list']),
  def('stack', 'stack ps'),
  def('stack', 'stack rm', ['stack remove', 'stack down']),
  def('stack', 'stack services'),
  def('swarm', 'swarm ca'),
  def('swarm', 'swarm init'),
  def('swarm', 'swarm join'),
  def('swarm', 'swarm join-token'),
  def('swarm', 'swarm leave'),
  def('swarm', 'swarm unlock'),
  def('swarm', 'swarm unlock-key'),
  def('swarm', 'swarm update'),
  // Top-level commands with no management form: no wildcard covers them.
  def([], 'inspect'),
  def('registry', 'login'),
  def('image', 'search'),
  def([], 'version'),
  // Plugins have an API, but, as in Docker Desktop, the command list does not take plugin names.
  def('plugin', 'plugin create'),
  def('plugin', 'plugin disable'),
  def('plugin', 'plugin enable'),
  def('plugin', 'plugin inspect'),
  def('plugin', 'plugin install'),
  def('plugin', 'plugin ls', ['plugin list']),
  def('plugin', 'plugin push'),
  def('plugin', 'plugin rm', ['plugin remove']),
  def('plugin', 'plugin set'),
  def('plugin', 'plugin upgrade'),
];

const defByName = new Map<string, CommandDef>();
for (const command of commandDefs) {
  for (const name of [command.name, ...command.aliases]) defByName.set(name, command);
}

/** Every spelling of one command (management form first). */
function spellings(canonical: string): string[] {
  const command = defByName.get(canonical);
  if (!command || command.name !== canonical)
    throw new Error(`command-map: unknown canonical command ${canonical}`);
  return [command.name, ...command.aliases];
}

/** Every spelling of a command, for callers that name one by its canonical form (`image push`). */
export function commandSpellings(canonical: string): readonly string[] {
  return spellings(canonical);
}

/** Groups whose wildcard covers this command name (`build` → image and build). */
export function groupsOfCommand(name: string): readonly CommandGroup[] {
  return defByName.get(name)?.groups ?? [];
}

export interface EndpointEntry {
  method: string;
  /** moby's route template, without the `/v{version}` prefix. */
  pattern: string;
  /** The commands this request *is*: a deny list naming any of them blocks it. */
  commands: readonly string[];
  /** Commands that send this request as a helper step: an allow list naming one lets it through. */
  alsoUsedBy: readonly string[];
  group: CommandGroup;
  /** Sent by every command before anything else (`/_ping`, `/version`): never filtered. */
  alwaysAllowed: boolean;
}

interface EndpointSpec {
  method: string;
  pattern: string;
  group: CommandGroup;
  commands: string[];
  alsoUsedBy?: string[];
  alwaysAllowed?: boolean;
}

const e = (
  method: string,
  pattern: string,
  group: CommandGroup,
  commands: string[],
  alsoUsedBy: string[] = [],
): EndpointSpec => ({ method, pattern, group, commands, alsoUsedBy });

// Helpers of the attached run: `run` and `start -a` attach, wait, forward signals and resize.
const attachedStart = ['container run', 'container start', 'container attach'];
// The untyped `docker inspect X` walks containers → images → networks → volumes → info → plugins.
const untypedInspect = ['inspect'];
// Swarm commands resolve names, nodes and tasks through the plain listing/inspect calls.
// `node` commands resolve the name `self` through /info.
const nodeSelf = ['node ls', 'node ps', 'node inspect', 'node update', 'node promote', 'node demote'];
const stackReads = ['stack deploy', 'stack ls', 'stack ps', 'stack rm', 'stack services'];

// Order matters: gorilla/mux takes the first registered route that matches, and moby registers
// its routers in this order (checkpoint before container, or `DELETE /containers/{name:.*}` would
// mask the checkpoint delete). Within a router the order is moby's too.
const endpointSpecs: readonly EndpointSpec[] = [
  // checkpoint router (experimental)
  e('GET', '/containers/{name:.*}/checkpoints', 'checkpoint', ['checkpoint ls']),
  e('POST', '/containers/{name:.*}/checkpoints', 'checkpoint', ['checkpoint create']),
  e('DELETE', '/containers/{name}/checkpoints/{checkpoint}', 'checkpoint', ['checkpoint rm']),
  // container router
  e('HEAD', '/containers/{name:.*}/archive', 'container', ['container cp']),
  e('GET', '/containers/json', 'container', ['container ls'], ['container stats']),
  e('GET', '/containers/{name:.*}/export', 'container', ['container export']),
  e('GET', '/containers/{name:.*}/changes', 'container', ['container diff']),
  e(
    'GET',
    '/containers/{name:.*}/json',
    'container',
    ['container inspect', 'inspect', 'container port'],
    [
      'container logs',
      'container exec',
      'container attach',
      'container start',
      'container run',
      'container stats',
    ],
  ),
  e('GET', '/containers/{name:.*}/top', 'container', ['container top']),
  e('GET', '/containers/{name:.*}/logs', 'container', ['container logs']),
  e('GET', '/containers/{name:.*}/stats', 'container', ['container stats']),
  e('GET', '/containers/{name:.*}/attach/ws', 'container', ['container attach']),
  e('GET', '/exec/{id:.*}/json', 'container', ['container exec']),
  e('GET', '/containers/{name:.*}/archive', 'container', ['container cp']),
  e('POST', '/containers/create', 'container', ['container create', 'container run']),
  e('POST', '/containers/{name:.*}/kill', 'container', ['container kill'], attachedStart),
  e('POST', '/containers/{name:.*}/pause', 'container', ['container pause']),
  e('POST', '/containers/{name:.*}/unpause', 'container', ['container unpause']),
  e('POST', '/containers/{name:.*}/restart', 'container', ['container restart']),
  e('POST', '/containers/{name:.*}/start', 'container', ['container start', 'container run']),
  e('POST', '/containers/{name:.*}/stop', 'container', ['container stop']),
  e('POST', '/containers/{name:.*}/wait', 'container', ['container wait'], attachedStart),
  e('POST', '/containers/{name:.*}/resize', 'container', [], attachedStart),
  e('POST', '/containers/{name:.*}/attach', 'container', ['container attach'], attachedStart),
  e('POST', '/containers/{name:.*}/copy', 'container', ['container cp']), // API < 1.24 only
  e('POST', '/containers/{name:.*}/exec', 'container', ['container exec']),
  e('POST', '/exec/{name:.*}/start', 'container', ['container exec']),
  e('POST', '/exec/{name:.*}/resize', 'container', ['container exec']),
  e('POST', '/containers/{name:.*}/rename', 'container', ['container rename']),
  e('POST', '/containers/{name:.*}/update', 'container', ['container update']),
  e('POST', '/containers/prune', 'container', ['container prune', 'system prune']),
  e('POST', '/commit', 'container', ['container commit']),
  e('PUT', '/containers/{name:.*}/archive', 'container', ['container cp']),
  e('DELETE', '/containers/{name:.*}', 'container', ['container rm']),
  // image router
  e('GET', '/images/json', 'image', ['image ls']),
  e('GET', '/images/search', 'image', ['search']),
  e('GET', '/images/get', 'image', ['image save']),
  e('GET', '/images/{name:.*}/get', 'image', ['image save']),
  e('GET', '/images/{name:.*}/history', 'image', ['image history']),
  e('GET', '/images/{name:.*}/json', 'image', ['image inspect', 'inspect']),
  e('GET', '/images/{name:.*}/attestations', 'image', ['image inspect']),
  e('POST', '/images/load', 'image', ['image load']),
  // Pull and import share one request (`fromImage` vs `fromSrc`); `run`/`create` pull a missing image.
  e('POST', '/images/create', 'image', ['image pull', 'image import'], ['container run', 'container create']),
  e('POST', '/images/{name:.*}/push', 'image', ['image push']),
  e('POST', '/images/{name:.*}/tag', 'image', ['image tag']),
  e('POST', '/images/prune', 'image', ['image prune', 'system prune']),
  e('DELETE', '/images/{name:.*}', 'image', ['image rm']),
  // system router
  e('GET', '/_ping', 'system', []),
  e('HEAD', '/_ping', 'system', []),
  e('GET', '/events', 'system', ['system events'], ['container stats']),
  e(
    'GET',
    '/info',
    'system',
    ['system info'],
    [...untypedInspect, ...nodeSelf, 'swarm join', 'swarm join-token', 'swarm unlock', 'stack deploy'],
  ),
  e('GET', '/version', 'system', ['version']),
  e('GET', '/system/df', 'system', ['system df']),
  e('POST', '/auth', 'registry', ['login']),
  // volume router
  e('GET', '/volumes', 'volume', ['volume ls']),
  e('GET', '/volumes/{name:.*}', 'volume', ['volume inspect', 'inspect'], ['volume update']),
  e('POST', '/volumes/create', 'volume', ['volume create']),
  e('POST', '/volumes/prune', 'volume', ['volume prune', 'system prune']),
  e('PUT', '/volumes/{name:.*}', 'volume', ['volume update']),
  e('DELETE', '/volumes/{name:.*}', 'volume', ['volume rm']),
  // build router
  e('POST', '/build', 'build', ['image build']),
  e('POST', '/build/prune', 'build', ['builder prune', 'system prune', 'buildx prune']),
  e('POST', '/build/cancel', 'build', [], ['image build']),
  // session router (BuildKit's client session)
  // A build's client session: denying a build denies it (the build itself then runs over /grpc).
  e('POST', '/session', 'build', ['image build', 'buildx build', 'buildx bake']),
  // swarm router
  e('GET', '/swarm', 'swarm', ['swarm ca', 'swarm join-token', 'swarm unlock-key', 'swarm update']),
  e('GET', '/swarm/unlockkey', 'swarm', ['swarm unlock-key'], ['swarm init', 'swarm update']),
  e('POST', '/swarm/init', 'swarm', ['swarm init']),
  e('POST', '/swarm/join', 'swarm', ['swarm join']),
  e('POST', '/swarm/leave', 'swarm', ['swarm leave']),
  e('POST', '/swarm/update', 'swarm', ['swarm update', 'swarm ca', 'swarm join-token', 'swarm unlock-key']),
  e('POST', '/swarm/unlock', 'swarm', ['swarm unlock']),
  e('GET', '/services', 'service', ['service ls'], ['service ps', ...stackReads]),
  e(
    'GET',
    '/services/{id}',
    'service',
    ['service inspect', ...untypedInspect],
    ['service logs', 'service rollback', 'service scale', 'service update', 'service create', 'service ps'],
  ),
  e('POST', '/services/create', 'service', ['service create'], ['stack deploy']),
  e(
    'POST',
    '/services/{id}/update',
    'service',
    ['service update', 'service rollback', 'service scale'],
    ['stack deploy'],
  ),
  e('DELETE', '/services/{id}', 'service', ['service rm'], ['stack rm']),
  e('GET', '/services/{id}/logs', 'service', ['service logs']),
  e(
    'GET',
    '/nodes',
    'node',
    ['node ls'],
    ['service create', 'service update', 'service ps', 'node ps', 'stack ps'],
  ),
  e(
    'GET',
    '/nodes/{id}',
    'node',
    ['node inspect', ...untypedInspect],
    ['node ps', 'node update', 'node promote', 'node demote', 'swarm join-token', 'service ps', 'stack ps'],
  ),
  e('DELETE', '/nodes/{id}', 'node', ['node rm']),
  e('POST', '/nodes/{id}/update', 'node', ['node update', 'node promote', 'node demote']),
  e(
    'GET',
    '/tasks',
    'service',
    ['service ps', 'node ps'],
    [
      'service create',
      'service update',
      'service rollback',
      'service scale',
      'stack ps',
      'stack rm',
      'stack services',
      'stack deploy',
    ],
  ),
  e('GET', '/tasks/{id}', 'service', [...untypedInspect], ['service logs']),
  e('GET', '/tasks/{id}/logs', 'service', ['service logs']),
  e('GET', '/secrets', 'secret', ['secret ls'], ['service create', 'service update', ...stackReads]),
  e('POST', '/secrets/create', 'secret', ['secret create'], ['stack deploy']),
  e('DELETE', '/secrets/{id}', 'secret', ['secret rm'], ['stack rm']),
  e('GET', '/secrets/{id}', 'secret', ['secret inspect', ...untypedInspect], ['stack deploy']),
  e('POST', '/secrets/{id}/update', 'secret', [], ['stack deploy']),
  e('GET', '/configs', 'config', ['config ls'], ['service create', 'service update', ...stackReads]),
  e('POST', '/configs/create', 'config', ['config create'], ['stack deploy']),
  e('DELETE', '/configs/{id}', 'config', ['config rm'], ['stack rm']),
  e('GET', '/configs/{id}', 'config', ['config inspect', ...untypedInspect], ['stack deploy']),
  e('POST', '/configs/{id}/update', 'config', [], ['stack deploy']),
  // plugin router
  e('GET', '/plugins', 'plugin', ['plugin ls']),
  e('GET', '/plugins/{name:.*}/json', 'plugin', ['plugin inspect', ...untypedInspect], ['plugin upgrade']),
  e('GET', '/plugins/privileges', 'plugin', [], ['plugin install', 'plugin upgrade']),
  e('DELETE', '/plugins/{name:.*}', 'plugin', ['plugin rm']),
  e('POST', '/plugins/{name:.*}/enable', 'plugin', ['plugin enable']),
  e('POST', '/plugins/{name:.*}/disable', 'plugin', ['plugin disable']),
  e('POST', '/plugins/pull', 'plugin', ['plugin install']),
  e('POST', '/plugins/{name:.*}/push', 'plugin', ['plugin push']),
  e('POST', '/plugins/{name:.*}/upgrade', 'plugin', ['plugin upgrade']),
  e('POST', '/plugins/{name:.*}/set', 'plugin', ['plugin set']),
  e('POST', '/plugins/create', 'plugin', ['plugin create']),
  // distribution router: the registry's manifest for an image, used to pin service images
  e('GET', '/distribution/{name:.*}/json', 'image', [], ['service create', 'service update', 'stack deploy']),
  // network router
  e('GET', '/networks', 'network', ['network ls'], [...stackReads]),
  e('GET', '/networks/', 'network', ['network ls']),
  e(
    'GET',
    '/networks/{id:.+}',
    'network',
    ['network inspect', 'inspect'],
    ['network rm', 'service inspect', 'service create', 'service update', 'stack deploy'],
  ),
  e('POST', '/networks/create', 'network', ['network create'], ['stack deploy']),
  e('POST', '/networks/{id:.*}/connect', 'network', ['network connect']),
  e('POST', '/networks/{id:.*}/disconnect', 'network', ['network disconnect']),
  e('POST', '/networks/prune', 'network', ['network prune', 'system prune']),
  e('DELETE', '/networks/{id:.*}', 'network', ['network rm'], ['stack rm']),
  // grpc router (BuildKit over HTTP/2 after an upgrade)
  // One endpoint for every BuildKit call, in HTTP/2 the proxy does not read: it is each of them. On
  // the containerd image store it is `push` too (policy-gate.ts), since BuildKit pushes from there.
  e('POST', '/grpc', 'build', ['image build', 'buildx build', 'buildx bake', 'buildx prune', 'buildx du']),
];

const expand = (names: readonly string[]): string[] => names.flatMap(spellings);

// Pings precede every command and `/version` is how clients negotiate: filtering them would only
// break clients, and neither changes anything on the engine.
const alwaysAllowedRoutes = new Set(['HEAD /_ping', 'GET /_ping', 'GET /version']);

export const endpoints: readonly EndpointEntry[] = endpointSpecs.map((spec) => {
  const commands = expand(spec.commands);
  return {
    method: spec.method,
    pattern: spec.pattern,
    commands,
    alsoUsedBy: expand(spec.alsoUsedBy ?? []).filter((name) => !commands.includes(name)),
    group: spec.group,
    alwaysAllowed: alwaysAllowedRoutes.has(`${spec.method} ${spec.pattern}`),
  };
});

/** A route template as gorilla/mux compiles it: `{v}` is one segment, `{v:re}` is `re` (may span `/`). */
function compileRoute(pattern: string): RegExp {
  let source = '';
  let rest = pattern;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    if (open === -1) {
      source += escapeRegExp(rest);
      break;
    }
    source += escapeRegExp(rest.slice(0, open));
    const close = rest.indexOf('}', open);
    const variable = rest.slice(open + 1, close);
    const colon = variable.indexOf(':');
    source += colon === -1 ? '[^/]+' : `(?:${variable.slice(colon + 1)})`;
    rest = rest.slice(close + 1);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const compiled = endpoints.map((entry) => ({ entry, regex: compileRoute(entry.pattern) }));

/**
 * The endpoint the engine routes `method path` to, first match in moby's registration order.
 * `path` is the unversioned, decoded path from parseRequestTarget.
 */
export function matchEndpoint(method: string, path: string): EndpointEntry | undefined {
  return compiled.find(({ entry, regex }) => entry.method === method && regex.test(path))?.entry;
}

// For requests the table does not know (a newer engine's endpoint): the group its path belongs to.
const groupByFirstSegment: Readonly<Record<string, CommandGroup>> = {
  containers: 'container',
  exec: 'container',
  commit: 'container',
  images: 'image',
  distribution: 'image',
  volumes: 'volume',
  networks: 'network',
  build: 'build',
  session: 'build',
  grpc: 'build',
  system: 'system',
  info: 'system',
  events: 'system',
  version: 'system',
  _ping: 'system',
  debug: 'system',
  auth: 'registry',
  plugins: 'plugin',
  swarm: 'swarm',
  nodes: 'node',
  services: 'service',
  tasks: 'service',
  secrets: 'secret',
  configs: 'config',
};

/** The group an unversioned path's first segment names, if any. */
export function groupOfPath(path: string): CommandGroup | undefined {
  const first = path.split('/')[1] ?? '';
  return Object.hasOwn(groupByFirstSegment, first) ? groupByFirstSegment[first] : undefined;
}

const isUnsupported = (name: string): boolean =>
  (unsupportedCommandNames as readonly string[]).includes(name.split(' ')[0] ?? '') ||
  (unsupportedFullNames as readonly string[]).includes(name);

/** Names a command list may hold (wildcards included), for completion in the settings UI. */
export const knownCommandNames: readonly string[] = [
  ...[...defByName.keys()].filter((name) => !isUnsupported(name)).sort(),
  ...wildcardGroups.map((group) => `${group}*`),
];

export function isWildcard(name: string): name is `${WildcardGroup}*` {
  return (wildcardGroups as readonly string[]).some((group) => name === `${group}*`);
}

export function validateCommandName(name: string): { ok: true } | { ok: false; error: string } {
  if (isUnsupported(name)) {
    const reason =
      name.split(' ')[0] === 'plugin'
        ? 'plugins are not covered by the command list'
        : 'it has no Docker Engine API of its own';
    return { ok: false, error: `"${name}" cannot be enforced: ${reason}` };
  }
  if (knownCommandNames.includes(name)) return { ok: true };
  if (name.endsWith('*')) {
    return {
      ok: false,
      error: `unknown command wildcard "${name}": the wildcards are ${wildcardGroups.map((g) => `${g}*`).join(', ')}`,
    };
  }
  const suggestion = closestName(name);
  return {
    ok: false,
    error: `unknown command "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
  };
}

function closestName(name: string): string | undefined {
  const wanted = name
    .trim()
    .toLowerCase()
    .replace(/^docker\s+/, '')
    .replace(/\s+/g, ' ');
  let best: { name: string; distance: number } | undefined;
  for (const candidate of knownCommandNames) {
    const distance = editDistance(wanted, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(wanted.length / 4)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
