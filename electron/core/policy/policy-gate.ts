// The policy at the proxy. Every request is routed as the engine would route it; requests from a
// container's filtered socket pass the command list and may not take swarm control or install
// plugins; and every request that would give a container something of the host goes through one
// judgement of what the container can reach (../reach/): a create, a service's task template, an exec
// and its target, a start or restart (the engine mounts again), and any action on another container.
// Routes to the engine are judged by the image list; anything beyond the requester's allowance (its
// own host paths and Docker's default powers, for a container; in managed mode, for the host's users
// too) is refused. The engine gets the canonical request, pinned to what was judged.
import { commandSpellings } from '../../../shared/command-map.js';
import type { NewHistoryEntry } from '../../../shared/history-entry.js';
import type { ImageListEntry } from '../../../shared/image-reference.js';
import { wardenPolicy, type Policy } from '../../../shared/settings.js';
import { MESSAGE_PREFIX } from '../proxy/engine-error.js';
import type { Requester, RequestGate, Verdict } from '../proxy/request-gate.js';
import type { RequestHead } from '../proxy/request-head.js';
import type { EngineDefaults } from '../reach/default-powers.js';
import type { RouteContext, RouteFinding } from '../reach/engine-routes.js';
import { decodeExecRequest } from '../reach/exec-request.js';
import {
  holdsMore,
  judgeReach,
  unlimitedAllowance,
  type Allowance,
  type JudgeContext,
} from '../reach/judge-reach.js';
import type { RequesterAllowances } from '../reach/requester-allowance.js';
import {
  resolveContainer,
  resolveGrant,
  type ReachIo,
  type ResolvedContainer,
} from '../reach/resolve-grant.js';
import { decodeServiceSpec } from '../reach/service-spec.js';
import { decodeVolumeCreate } from '../reach/volume-create.js';
import { blockedCommandMessage, decideRoutedCommand } from './command-decision.js';
import {
  checkStartBody,
  decodeCreateBody,
  type CreateOverrides,
  type CreateRequest,
} from './container-create.js';
import {
  containmentMessage,
  holdsMoreMessage,
  hostProtectionMessage,
  libpodMessage,
  pluginInstallMessage,
  routeWords,
  socketMountDeniedMessage,
  startRefusedMessage,
  swarmControlMessage,
  unfilterableRouteDetail,
} from './denial-messages.js';
import { classifyEndpoint, pinContainer, type Endpoint } from './endpoints.js';
import {
  decideImage,
  requestedRepository,
  type ImageOracle,
  type ImageStore,
  type LocalImage,
} from './image-decision.js';
import { parseRequestTarget, type RequestTarget } from './request-target.js';

/** Hands an allowed container its own filtered socket; absent, the mount is left as asked. */
export interface FilteredSocketProvider {
  /** Creates a socket for a container about to be created; returns its host path and a commit/abort pair. */
  reserve(info: { name: string; image: string }): Promise<{
    path: string;
    /** The engine created the container: bind the socket to its ID. */
    created(containerId: string): void;
    /** The create failed: remove the socket. */
    abort(): void;
  }>;
  /** The container a filtered socket path was handed to ('' while its create is under way). */
  ownerOf(socketPath: string): string | undefined;
}

export interface PolicyGateDeps {
  policy(): Policy;
  /** The policy's image list, parsed (cached by the caller per policy). */
  imageEntries(): readonly ImageListEntry[];
  /** The paths to guard, as last discovered, with fresh link counts (guards/guard-watch.ts). */
  routeContext(): Promise<RouteContext>;
  /** What the engine grants a container by default (Docker's or Podman's). */
  engineDefaults(): EngineDefaults;
  reach: ReachIo;
  allowances: RequesterAllowances;
  oracle: ImageOracle;
  inspectImage(name: string): Promise<LocalImage | undefined>;
  record(entry: NewHistoryEntry): void;
  filteredSockets?: FilteredSocketProvider;
  /** A denied socket mount whose digest no longer matches: the daemon lists it for re-pull. */
  onDigestMismatch?(image: string, imageId: string): void;
  /** Removes a container (force, with its anonymous volumes). */
  removeContainer?(id: string): Promise<void>;
  /** The containerd image store: BuildKit pushes from the engine, so /grpc is a push too. */
  buildKitPushes?(): boolean;
  /** How far a local image's repository digests can be trusted (image-decision.ts ImageStore). */
  imageStore?(): ImageStore;
  /** Host protection's exempt images, parsed. */
  exemptEntries?(): readonly ImageListEntry[];
}

type Routed = Extract<RequestTarget, { ok: true }>;

interface Request {
  head: RequestHead;
  target: Routed;
  endpoint: Endpoint;
  requester: Requester;
}

function deny(status: number, message: string): Verdict {
  return { kind: 'deny', status, message };
}

const FORWARD: Verdict = { kind: 'forward' };

export class PolicyGate implements RequestGate {
  constructor(private readonly deps: PolicyGateDeps) {}

  /** The filtered-socket manager needs the gate and the gate needs it: it is handed over once built. */
  useFilteredSockets(provider: FilteredSocketProvider): void {
    this.deps.filteredSockets = provider;
  }

  /** needsBody and decide both route the same head: parse it once. */
  private readonly routed = new WeakMap<RequestHead, { target: RequestTarget; endpoint: Endpoint }>();

  private route(head: RequestHead): { target: RequestTarget; endpoint: Endpoint } {
    let routed = this.routed.get(head);
    if (!routed) {
      const target = parseRequestTarget(head.method, head.target);
      routed = {
        target,
        endpoint: target.ok ? classifyEndpoint(target.method, target.path) : { kind: 'other' },
      };
      this.routed.set(head, routed);
    }
    return routed;
  }

  needsBody(head: RequestHead): boolean {
    if (head.method !== 'POST') return false;
    const kind = this.route(head).endpoint.kind;
    return (
      kind === 'create' ||
      kind === 'start' ||
      kind === 'service-write' ||
      kind === 'exec-create' ||
      kind === 'volume-create'
    );
  }

  async decide(head: RequestHead, body: Buffer | null, requester: Requester): Promise<Verdict> {
    const policy = this.deps.policy();
    if (!policy.enforcing) return FORWARD;
    // The host's reads cannot attach host paths or start anything: they pass unparsed (the hot path),
    // unless host protection also judges what the host's users do to existing containers.
    if (requester.kind === 'host' && head.method !== 'POST' && head.method !== 'PUT' && !this.hostIsLimited())
      return FORWARD;
    const { target, endpoint } = this.route(head);
    if (!target.ok) {
      const message = `${MESSAGE_PREFIX}request refused: ${target.message}`;
      this.record(head, requester, { kind: 'request-refused', reason: 'malformed', message });
      return deny(target.status, message);
    }
    const request: Request = { head, target, endpoint, requester };
    if (requester.kind === 'container') {
      const refused = this.containerOnly(request);
      if (refused) return refused;
    }
    switch (endpoint.kind) {
      case 'create':
        return this.judgeCreate(request, body ?? Buffer.alloc(0));
      case 'start':
        return this.judgeStart(request, endpoint.container, body);
      case 'service-write':
        return this.judgeService(request, body ?? Buffer.alloc(0));
      case 'volume-create':
        return this.judgeVolumeCreate(request, body ?? Buffer.alloc(0));
      case 'exec-create':
        return this.judgeExecCreate(request, endpoint.container, body ?? Buffer.alloc(0));
      case 'exec-start':
        return this.judgeExecStart(request, endpoint.exec);
      case 'container-action':
        return this.judgeAction(request, endpoint.container, endpoint.action);
      case 'commit':
        return this.judgeCommit(request);
      case 'libpod':
        // A container may not use it at all; the host only to read (its writes create containers).
        if (endpoint.write || requester.kind === 'container')
          return this.refuse(request, 'request-refused', 'not-allowed', libpodMessage());
        return FORWARD;
      case 'build':
      case 'plugin-install':
      case 'swarm-control':
        // A container's were judged by containerOnly above; the host's are its own to make.
        return FORWARD;
      case 'other':
        return FORWARD;
    }
  }

  private hostIsLimited(): boolean {
    return this.deps.allowances.hostIsLimited();
  }

  /** What only a container's filtered socket is refused: its command list, plugins, swarm control. */
  private containerOnly(request: Request): Verdict | undefined {
    const policy = this.deps.policy();
    const alsoIs =
      request.target.path === '/grpc' && this.deps.buildKitPushes?.() ? commandSpellings('image push') : [];
    const command = decideRoutedCommand(policy.commandList, request.target, alsoIs);
    if (command.verdict === 'block')
      return this.refuse(request, 'command-blocked', 'command-blocked', blockedCommandMessage(command.uri));
    const who = whoOf(request.requester);
    if (request.endpoint.kind === 'plugin-install')
      return this.refuse(request, 'command-blocked', 'command-blocked', pluginInstallMessage());
    if (request.endpoint.kind === 'swarm-control')
      return this.refuse(
        request,
        'command-blocked',
        'command-blocked',
        swarmControlMessage(who, request.endpoint.what),
      );
    if (request.endpoint.kind === 'build') {
      // A classic build's RUN steps are containers the engine makes itself, with these settings.
      const network = request.target.query.get('networkmode') ?? '';
      if (network !== '' && network !== 'default' && network !== 'bridge' && network !== 'none')
        return this.refuse(
          request,
          'request-refused',
          'beyond-allowance',
          containmentMessage(who, 'build', [
            { field: 'networkmode', what: `network ${network} for RUN steps` },
          ]),
        );
      if ((request.target.query.get('cgroupparent') ?? '') !== '')
        return this.refuse(
          request,
          'request-refused',
          'beyond-allowance',
          containmentMessage(who, 'build', [
            { field: 'cgroupparent', what: 'a cgroup parent for RUN steps' },
          ]),
        );
    }
    return undefined;
  }

  // --- containers: create, service, start ----------------------------------------------------

  private async judgeCreate(request: Request, body: Buffer): Promise<Verdict> {
    const decoded = decodeCreateBody(body);
    if (!decoded.ok) return deny(400, `${MESSAGE_PREFIX}invalid container config: ${decoded.message}`);
    const create = decoded.value;
    let allowance = await this.deps.allowances.of(request.requester);
    const resolved = await resolveGrant(create.grant, this.deps.reach);
    const context = await this.judgeContext();
    let judgement = judgeReach(resolved, allowance, context);
    // Host protection exempts images by digest, as the socket image list allows them.
    const exempt =
      judgement.beyond.length > 0 && request.requester.kind === 'host'
        ? await this.exemption(create.image)
        : undefined;
    if (exempt) {
      allowance = unlimitedAllowance;
      judgement = judgeReach(resolved, allowance, context);
    }
    if (judgement.beyond.length > 0)
      return this.refuse(
        request,
        'request-refused',
        'beyond-allowance',
        this.beyondMessage(allowance, 'create a container', judgement.beyond),
        { image: create.image },
      );
    const overrides = pinNamespaces(resolved, create);
    if (exempt) overrides.image = exempt;
    if (judgement.routes.length === 0) return { kind: 'forward', body: create.serialize(overrides) };
    return this.judgeRoutes(request, create, judgement.routes, overrides);
  }

  /** The verified reference of an image host protection exempts; undefined when it is not exempt. */
  private async exemption(imageName: string | undefined): Promise<string | undefined> {
    const entries = this.deps.exemptEntries?.() ?? [];
    if (!imageName || entries.length === 0) return undefined;
    const image = await this.deps.inspectImage(imageName);
    if (!image) return undefined;
    const verdict = await decideImage(image, entries, false, this.deps.oracle, this.deps.imageStore?.());
    return verdict.allowed ? (verdict.via === 'any' ? image.id : verdict.pin) : undefined;
  }

  /** A create that reaches the engine: allowed only for an allowed image, and only through a filtered socket. */
  private async judgeRoutes(
    request: Request,
    create: CreateRequest,
    routes: RouteFinding[],
    overrides: CreateOverrides,
  ): Promise<Verdict> {
    const imageName = create.image ?? '';
    const image = imageName ? await this.deps.inspectImage(imageName) : undefined;
    // The engine's own answer, so the CLI pulls the image and asks again (which is judged again).
    if (!image) return deny(404, `No such image: ${imageName}`);
    const repository = requestedRepository(imageName, image);
    const denyMount = (reason: NewHistoryEntry['reason'], detail: string): Verdict =>
      this.refuse(request, 'socket-mount-denied', reason, socketMountDeniedMessage(repository, detail), {
        image: repository,
        imageId: image.id,
      });
    const policy = this.deps.policy();
    const verdict = await decideImage(
      image,
      this.deps.imageEntries(),
      policy.imageList.allowDerivedImages,
      this.deps.oracle,
      this.deps.imageStore?.(),
    );
    const unusual = routes.filter((route) => route.kind !== 'socket' || route.alias);
    if (!verdict.allowed) {
      if (verdict.reason === 'digest-mismatch') this.deps.onDigestMismatch?.(imageName, image.id);
      // Spec §1's words for a bind of the socket; any other route is named first.
      return denyMount(
        verdict.reason,
        unusual.length > 0 ? `${routeWords(unusual)}; ${verdict.detail}` : verdict.detail,
      );
    }
    const unfilterable = routes.find((route) => !route.rewrite);
    if (unfilterable && this.deps.filteredSockets)
      return denyMount('not-allowed', unfilterableRouteDetail(unfilterable));
    if (verdict.via !== 'any') overrides.image = verdict.pin;
    const provider = this.deps.filteredSockets;
    if (!provider) return { kind: 'forward', body: create.serialize(overrides) };
    const reservation = await provider.reserve({
      name: request.target.query.get('name') ?? '',
      image: repository,
    });
    Object.assign(overrides, rewriteMounts(create, routes, reservation.path));
    return {
      kind: 'forward',
      body: create.serialize(overrides),
      onResponse: (status, responseBody) => {
        const id = status === 201 ? parseCreatedId(responseBody) : undefined;
        if (id) reservation.created(id);
        else reservation.abort();
      },
    };
  }

  private async judgeService(request: Request, body: Buffer): Promise<Verdict> {
    const decoded = decodeServiceSpec(body);
    if (!decoded.ok) return deny(400, `${MESSAGE_PREFIX}invalid service spec: ${decoded.message}`);
    const spec = decoded.value;
    const allowance = await this.deps.allowances.of(request.requester);
    const resolved = await resolveGrant(spec.grant, this.deps.reach);
    const judgement = judgeReach(resolved, allowance, await this.judgeContext());
    // What swarm decides on the node (templates, plugins) cannot be judged here: refused whoever asks.
    if (spec.grant.extras.length > 0)
      return this.refuse(
        request,
        'request-refused',
        'not-allowed',
        `${MESSAGE_PREFIX}swarm service refused: ${spec.grant.extras.map((e) => `${e.field}: ${e.what}`).join('; ')}`,
        { image: spec.grant.image },
      );
    if (judgement.beyond.length > 0)
      return this.refuse(
        request,
        'request-refused',
        'beyond-allowance',
        this.beyondMessage(allowance, 'create a service', judgement.beyond),
        { image: spec.grant.image },
      );
    if (judgement.routes.length > 0)
      return this.refuse(
        request,
        'socket-mount-denied',
        'not-allowed',
        `${MESSAGE_PREFIX}docker socket mount denied for swarm service with image "${spec.grant.image ?? ''}"; ${routeWords(judgement.routes)}; a service's tasks are created inside the engine, where Socket Warden cannot give them a filtered socket`,
        { image: spec.grant.image },
      );
    return { kind: 'forward', body: spec.serialize() };
  }

  private async judgeVolumeCreate(request: Request, body: Buffer): Promise<Verdict> {
    const decoded = decodeVolumeCreate(body);
    if (!decoded.ok) return deny(400, `${MESSAGE_PREFIX}invalid volume options: ${decoded.message}`);
    const volume = decoded.value;
    const allowance = await this.deps.allowances.of(request.requester);
    const resolved = await resolveGrant(volume.grant, this.deps.reach);
    const judgement = judgeReach(resolved, allowance, await this.judgeContext());
    const what = volume.name ? `volume "${volume.name}"` : 'the volume';
    if (judgement.routes.length > 0)
      return this.refuse(
        request,
        'request-refused',
        'not-allowed',
        `${MESSAGE_PREFIX}${what} refused: its options would mount ${judgement.routes[0]?.reason.replace(/^an anonymous volume /, '') ?? ''} into any container that uses it, and Socket Warden cannot give a volume a filtered socket`,
      );
    if (judgement.beyond.length > 0)
      return this.refuse(
        request,
        'request-refused',
        'beyond-allowance',
        this.beyondMessage(allowance, `create ${what}`, judgement.beyond),
      );
    return { kind: 'forward', body: volume.serialize() };
  }

  /**
   * The engine mounts a container's binds and volumes again at every start and restart, resolving
   * bind sources anew: what was judged at create may since have been swapped for a symlink.
   */
  private async judgeStart(request: Request, ref: string, body: Buffer | null): Promise<Verdict> {
    if (body && body.length > 0) {
      // API < 1.24 let a start body replace the HostConfig judged at create; only an empty one passes.
      const check = checkStartBody(body);
      if (!check.ok) return deny(400, `${MESSAGE_PREFIX}${check.message}`);
    }
    const container = await resolveContainer(ref, this.deps.reach);
    // The engine answers "no such container" itself.
    if (!container) return { kind: 'forward', body: Buffer.alloc(0) };
    const routes = await this.remountRoutes(container);
    if (routes.length > 0) {
      const verdict = this.refuse(
        request,
        'socket-mount-denied',
        'not-allowed',
        startRefusedMessage(container.name || container.id.slice(0, 12), routeWords(routes)),
        { image: container.grant.image },
      );
      // The engine removes a --rm container whose start failed, and `docker run --rm` waits for that.
      if (verdict.kind === 'deny' && container.inspect.HostConfig?.AutoRemove)
        void this.deps.removeContainer?.(container.id).catch(() => undefined);
      return verdict;
    }
    return {
      kind: 'forward',
      body: Buffer.alloc(0),
      target: pinContainer(request.target, ref, container.id),
    };
  }

  /** Routes a container's mounts take now, apart from the filtered socket Socket Warden gave it. */
  private async remountRoutes(container: ResolvedContainer): Promise<RouteFinding[]> {
    const { routes } = judgeReach(
      container,
      { who: '', powers: 'any', hostPaths: 'any' },
      await this.judgeContext(),
      {
        reported: true,
      },
    );
    return routes.filter(
      (route) =>
        !(
          route.guard?.kind === 'filtered-sockets' &&
          !route.joined &&
          this.ownsFilteredSocket(container, route)
        ),
    );
  }

  private ownsFilteredSocket(container: ResolvedContainer, route: RouteFinding): boolean {
    const mount = container.mounts.find((m) => m.mount.field === route.field);
    const path = mount?.host?.real;
    if (!path || !this.deps.filteredSockets) return false;
    const owner = this.deps.filteredSockets.ownerOf(path);
    return owner === container.id;
  }

  // --- acting on existing containers ---------------------------------------------------------

  private async judgeExecCreate(request: Request, ref: string, body: Buffer): Promise<Verdict> {
    const decoded = decodeExecRequest(body);
    if (!decoded.ok) return deny(400, `${MESSAGE_PREFIX}invalid exec config: ${decoded.message}`);
    const allowance = await this.deps.allowances.of(request.requester);
    if (decoded.value.privileged && allowance.powers !== 'any')
      return this.refuse(
        request,
        'request-refused',
        'beyond-allowance',
        this.beyondMessage(allowance, 'run an exec', [
          { field: 'Privileged', what: 'privileged mode (every capability)' },
        ]),
      );
    const checked = await this.checkTarget(request, allowance, ref, 'exec into');
    if (checked.kind === 'deny') return checked;
    return {
      kind: 'forward',
      body: decoded.value.serialize(),
      ...(checked.target ? { target: checked.target } : {}),
    };
  }

  private async judgeExecStart(request: Request, execId: string): Promise<Verdict> {
    const allowance = await this.deps.allowances.of(request.requester);
    if (allowance.powers === 'any' && allowance.hostPaths === 'any') return FORWARD;
    // Exec IDs are global: anyone who learns one (a container's inspect lists them) can start it.
    const exec = await this.deps.reach.inspectExec(execId);
    if (!exec) return FORWARD; // the engine answers "no such exec instance"
    if (exec.privileged && allowance.powers !== 'any')
      return this.refuse(
        request,
        'request-refused',
        'beyond-allowance',
        this.beyondMessage(allowance, 'start an exec', [
          { field: 'Privileged', what: 'privileged mode (every capability)' },
        ]),
      );
    const checked = await this.checkTarget(request, allowance, exec.containerId, 'exec into');
    return checked.kind === 'deny' ? checked : FORWARD;
  }

  private async judgeAction(request: Request, ref: string, action: string): Promise<Verdict> {
    const allowance = await this.deps.allowances.of(request.requester);
    if (allowance.powers === 'any' && allowance.hostPaths === 'any') return FORWARD;
    const checked = await this.checkTarget(request, allowance, ref, action);
    if (checked.kind === 'deny') return checked;
    return checked.target ? { kind: 'forward', target: checked.target } : FORWARD;
  }

  /** `POST /commit?container=…` reads a container's filesystem into an image the requester can run. */
  private async judgeCommit(request: Request): Promise<Verdict> {
    const ref = request.target.query.get('container') ?? '';
    const allowance = await this.deps.allowances.of(request.requester);
    if (ref === '' || (allowance.powers === 'any' && allowance.hostPaths === 'any')) return FORWARD;
    const checked = await this.checkTarget(request, allowance, ref, 'commit');
    return checked.kind === 'deny' ? checked : FORWARD;
  }

  private async checkTarget(
    request: Request,
    allowance: Allowance,
    ref: string,
    action: string,
  ): Promise<{ kind: 'ok'; target?: string } | Extract<Verdict, { kind: 'deny' }>> {
    if (allowance.powers === 'any' && allowance.hostPaths === 'any') return { kind: 'ok' };
    const container = await resolveContainer(ref, this.deps.reach);
    if (!container) return { kind: 'ok' };
    const more = holdsMore(container, allowance, await this.judgeContext());
    // A container of an image host protection exempts holds what the admin allowed it: the host's
    // users may work with it (attach to what they ran).
    const exempt =
      more.length > 0 && request.requester.kind === 'host' && (await this.exemption(container.inspect.Image));
    if (more.length > 0 && !exempt) {
      const verdict = this.refuse(
        request,
        'request-refused',
        'beyond-allowance',
        holdsMoreMessage(allowance.who, action, container.name || ref, more),
      );
      if (verdict.kind === 'deny') return verdict;
    }
    return {
      kind: 'ok',
      target: request.target.path.startsWith(`/containers/${ref}/`)
        ? pinContainer(request.target, ref, container.id)
        : undefined,
    };
  }

  // --- shared ------------------------------------------------------------------------------------

  private async judgeContext(): Promise<JudgeContext> {
    return { ...(await this.deps.routeContext()), defaults: this.deps.engineDefaults() };
  }

  private beyondMessage(
    allowance: Allowance,
    what: string,
    found: Parameters<typeof containmentMessage>[2],
  ): string {
    return allowance.who === 'the host'
      ? hostProtectionMessage(what, found)
      : containmentMessage(allowance.who, what, found);
  }

  /** Records a denial and answers it in the engine's format. */
  private refuse(
    request: Request,
    kind: NewHistoryEntry['kind'],
    reason: NewHistoryEntry['reason'],
    message: string,
    extra: Partial<Pick<NewHistoryEntry, 'image' | 'imageId'>> = {},
  ): Verdict {
    const malformed = kind === 'request-refused' && reason === 'malformed';
    // Report-only: the admin sees what would break before enforcing. A request that cannot be parsed is
    // still refused: nothing about it can be forwarded as judged.
    const reportOnly = !malformed && wardenPolicy(this.deps.policy()).enforcement === 'report-only';
    this.record(request.head, request.requester, {
      kind,
      reason,
      message: reportOnly ? `would deny: ${message}` : message,
      ...(extra.image !== undefined ? { image: extra.image } : {}),
      ...(extra.imageId !== undefined ? { imageId: extra.imageId } : {}),
      ...(reportOnly ? { outcome: 'would-deny' as const } : {}),
    });
    if (reportOnly) return FORWARD;
    return deny(malformed ? 400 : 403, message);
  }

  private record(
    head: RequestHead,
    requester: Requester,
    entry: Pick<NewHistoryEntry, 'kind' | 'reason' | 'message'> &
      Partial<Pick<NewHistoryEntry, 'image' | 'imageId' | 'outcome'>>,
  ): void {
    this.deps.record({ ...entry, requester, request: { method: head.method, uri: head.target } });
  }
}

function whoOf(requester: Requester): string {
  return requester.kind === 'host'
    ? 'the host'
    : `container "${requester.name || requester.id.slice(0, 12)}"`;
}

/**
 * `container:<name>` in PidMode, IpcMode and NetworkMode, and the containers of VolumesFrom, are
 * forwarded by the ID of the container judged, so a rename cannot point them elsewhere first.
 */
function pinNamespaces(
  resolved: Awaited<ReturnType<typeof resolveGrant>>,
  create: CreateRequest,
): CreateOverrides {
  const overrides: CreateOverrides = {};
  const volumesFrom = [...create.grant.volumesFrom.map((v) => v.spelled)];
  let pinnedVolumes = false;
  for (const join of resolved.joins) {
    if (!join.target) continue;
    if (join.via === 'pid') overrides.pidMode = `container:${join.target.id}`;
    if (join.via === 'ipc') overrides.ipcMode = `container:${join.target.id}`;
    if (join.via === 'network') overrides.networkMode = `container:${join.target.id}`;
    if (join.via === 'volumes-from' && join.index !== undefined) {
      const [, mode] = (volumesFrom[join.index] ?? '').split(/:(.*)/s);
      volumesFrom[join.index] = mode === undefined ? join.target.id : `${join.target.id}:${mode}`;
      pinnedVolumes = true;
    }
  }
  if (pinnedVolumes) overrides.volumesFrom = volumesFrom;
  return overrides;
}

function rewriteMounts(request: CreateRequest, routes: RouteFinding[], socketPath: string): CreateOverrides {
  const binds = [...request.binds];
  const mounts = [...request.mounts];
  for (const route of routes) {
    const rewrite = route.rewrite;
    if (!rewrite) continue;
    if ('bindIndex' in rewrite) {
      const [, ...rest] = (binds[rewrite.bindIndex] ?? '').split(':');
      binds[rewrite.bindIndex] = [socketPath, ...rest].join(':');
    } else {
      const mount = mounts[rewrite.mountIndex];
      if (mount) mounts[rewrite.mountIndex] = { ...mount, source: socketPath };
    }
  }
  return { binds, mounts };
}

function parseCreatedId(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { Id?: unknown };
    return typeof parsed.Id === 'string' && /^[0-9a-f]{64}$/.test(parsed.Id) ? parsed.Id : undefined;
  } catch {
    return undefined;
  }
}
