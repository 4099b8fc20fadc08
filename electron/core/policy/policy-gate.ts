// The policy at the proxy: every request is routed as the engine would route it; requests from a
// container's filtered socket pass the command list; container creation is decoded as the engine
// decodes it, checked for socket mounts, and judged by image; the engine gets the canonical request,
// pinned to the judged image, with an allowed socket mount replaced by the container's filtered socket.
import type { NewHistoryEntry } from '../../../shared/history-entry.js';
import type { ImageListEntry } from '../../../shared/image-reference.js';
import type { Policy } from '../../../shared/settings.js';
import { MESSAGE_PREFIX } from '../proxy/engine-error.js';
import type { Requester, RequestGate, Verdict } from '../proxy/request-gate.js';
import type { RequestHead } from '../proxy/request-head.js';
import { blockedCommandMessage, decideRoutedCommand } from './command-decision.js';
import { hostEscalations } from './container-privilege.js';
import {
  checkStartBody,
  decodeCreateBody,
  type CreateOverrides,
  type CreateRequest,
} from './container-create.js';
import {
  decideImage,
  requestedRepository,
  socketMountDeniedMessage,
  type ImageOracle,
  type LocalImage,
} from './image-decision.js';
import { parseRequestTarget, type RequestTarget } from './request-target.js';
import { findSocketMounts, type SocketMountContext, type SocketMountFinding } from './socket-mount.js';
import { findServiceSocketMounts } from './service-mounts.js';

/** Hands an allowed container its own filtered socket (issue 4); absent, the mount is left as asked. */
export interface FilteredSocketProvider {
  /** Creates a socket for a container about to be created; returns its host path and a commit/abort pair. */
  reserve(info: { name: string; image: string }): Promise<{
    path: string;
    /** The engine created the container: bind the socket to its ID. */
    created(containerId: string): void;
    /** The create failed: remove the socket. */
    abort(): void;
  }>;
}

export interface PolicyGateDeps {
  policy(): Policy;
  /** The policy's image list, parsed (cached by the caller per policy). */
  imageEntries(): readonly ImageListEntry[];
  mounts: SocketMountContext;
  /** The guarded paths that are Docker sockets (as opposed to directories such as the filtered-socket dir). */
  socketFiles: readonly string[];
  oracle: ImageOracle;
  inspectImage(name: string): Promise<LocalImage | undefined>;
  record(entry: NewHistoryEntry): void;
  filteredSockets?: FilteredSocketProvider;
  /** A denied socket mount whose digest no longer matches: the daemon lists it for re-pull. */
  onDigestMismatch?(image: string, imageId: string): void;
}

const CREATE = /^\/containers\/create$/;
const START = /^\/containers\/[^/]+\/start$/;
const SERVICE_WRITE = /^\/services\/(?:create|[^/]+\/update)$/;
// Plugins run privileged with host mounts of their own choosing: never installed from inside a container.
const PLUGIN_INSTALL = /^\/plugins\/(?:pull|create|[^/]+\/(?:upgrade|set|enable))$/;

function deny(status: number, message: string): Verdict {
  return { kind: 'deny', status, message };
}

export class PolicyGate implements RequestGate {
  constructor(private readonly deps: PolicyGateDeps) {}

  /** The filtered-socket manager needs the gate and the gate needs it: it is handed over once built. */
  useFilteredSockets(provider: FilteredSocketProvider): void {
    this.deps.filteredSockets = provider;
  }

  /** needsBody and decide both route the same head: parse it once. */
  private readonly routed = new WeakMap<RequestHead, RequestTarget>();

  private route(head: RequestHead): RequestTarget {
    let target = this.routed.get(head);
    if (!target) {
      target = parseRequestTarget(head.method, head.target);
      this.routed.set(head, target);
    }
    return target;
  }

  needsBody(head: RequestHead): boolean {
    if (head.method !== 'POST') return false;
    const target = this.route(head);
    if (!target.ok) return false;
    return CREATE.test(target.path) || START.test(target.path) || SERVICE_WRITE.test(target.path);
  }

  async decide(head: RequestHead, body: Buffer | null, requester: Requester): Promise<Verdict> {
    const policy = this.deps.policy();
    if (!policy.enforcing) return { kind: 'forward' };
    // From the host only POSTs can attach host paths or start anything; the rest pass unparsed (hot path).
    if (requester.kind === 'host' && head.method !== 'POST') return { kind: 'forward' };
    const target = this.route(head);
    if (!target.ok) {
      const message = `${MESSAGE_PREFIX}request refused: ${target.message}`;
      this.record(head, requester, { kind: 'request-refused', reason: 'malformed', message });
      return deny(target.status, message);
    }
    if (requester.kind === 'container') {
      const command = decideRoutedCommand(policy.commandList, target);
      if (command.verdict === 'block') {
        const message = blockedCommandMessage(command.uri);
        this.record(head, requester, { kind: 'command-blocked', reason: 'command-blocked', message });
        return deny(403, message);
      }
      if (head.method === 'POST' && PLUGIN_INSTALL.test(target.path)) {
        const message = `${MESSAGE_PREFIX}installing or configuring plugins through a container's socket is not allowed (plugins choose their own host mounts)`;
        this.record(head, requester, { kind: 'command-blocked', reason: 'command-blocked', message });
        return deny(403, message);
      }
    }
    if (head.method !== 'POST') return { kind: 'forward' };
    if (CREATE.test(target.path))
      return this.judgeCreate(head, body ?? Buffer.alloc(0), requester, target.query.get('name') ?? '');
    if (START.test(target.path) && body && body.length > 0) {
      // API < 1.24 let a start body replace the HostConfig judged at create; only an empty one passes.
      const check = checkStartBody(body);
      if (!check.ok) return deny(400, `${MESSAGE_PREFIX}${check.message}`);
      return { kind: 'forward', body: Buffer.alloc(0) };
    }
    if (SERVICE_WRITE.test(target.path) && body) {
      const findings = await findServiceSocketMounts(body, this.deps.mounts);
      if (findings.length > 0) {
        const message = `${MESSAGE_PREFIX}docker socket mount denied for swarm service: ${findings.join('; ')}; Socket Warden cannot filter a service's socket`;
        this.record(head, requester, { kind: 'socket-mount-denied', reason: 'not-allowed', message });
        return deny(403, message);
      }
    }
    return { kind: 'forward' };
  }

  private async judgeCreate(
    head: RequestHead,
    body: Buffer,
    requester: Requester,
    name: string,
  ): Promise<Verdict> {
    const decoded = decodeCreateBody(body);
    if (!decoded.ok) return deny(400, `${MESSAGE_PREFIX}invalid container config: ${decoded.message}`);
    const request = decoded.value;
    if (requester.kind === 'container') {
      // No user namespaces here (Docker Desktop's ECI has them): from a container's socket, a container
      // that could take over the host — and the real socket with it — is refused outright.
      const escalations = hostEscalations(request);
      if (escalations.length > 0) {
        const who = requester.name || requester.id.slice(0, 12);
        const message = `${MESSAGE_PREFIX}container "${who}" may not create a container with ${escalations.join(', ')} through its Docker socket: that would hand it the host, and the host's Docker socket`;
        this.record(head, requester, {
          kind: 'request-refused',
          reason: 'not-allowed',
          message,
          image: request.image,
        });
        return deny(403, message);
      }
    }
    const findings = await findSocketMounts(request, this.deps.mounts);
    if (findings.length === 0) return { kind: 'forward', body: request.serialize() };

    const imageName = request.image ?? '';
    const image = imageName ? await this.deps.inspectImage(imageName) : undefined;
    if (!image) {
      // The engine's own answer, so the CLI pulls the image and asks again (which is judged again).
      return deny(404, `No such image: ${imageName}`);
    }
    const repository = requestedRepository(imageName, image);
    const denyMount = (reason: NewHistoryEntry['reason'], detail: string): Verdict => {
      const message = socketMountDeniedMessage(repository, detail);
      this.record(head, requester, {
        kind: 'socket-mount-denied',
        reason,
        message,
        image: repository,
        imageId: image.id,
      });
      return deny(403, message);
    };
    const policy = this.deps.policy();
    const verdict = await decideImage(
      image,
      this.deps.imageEntries(),
      policy.imageList.allowDerivedImages,
      this.deps.oracle,
    );
    if (!verdict.allowed) {
      if (verdict.reason === 'digest-mismatch') this.deps.onDigestMismatch?.(imageName, image.id);
      return denyMount(verdict.reason, verdict.detail);
    }
    const unfilterable = findings.find((finding) => !this.isRewritable(finding));
    if (unfilterable && this.deps.filteredSockets) {
      return denyMount(
        'not-allowed',
        `the container would reach the socket through ${unfilterable.field} (${unfilterable.reason}), which Socket Warden cannot filter; mount the socket file itself`,
      );
    }
    const overrides: CreateOverrides = verdict.via === 'any' ? {} : { image: verdict.pin };
    const provider = this.deps.filteredSockets;
    if (!provider) return { kind: 'forward', body: request.serialize(overrides) };
    const reservation = await provider.reserve({ name, image: repository });
    Object.assign(overrides, rewriteMounts(request, findings, reservation.path));
    return {
      kind: 'forward',
      body: request.serialize(overrides),
      onResponse: (status, responseBody) => {
        const id = status === 201 ? parseCreatedId(responseBody) : undefined;
        if (id) reservation.created(id);
        else reservation.abort();
      },
    };
  }

  /** Only a bind of a socket file itself (not a directory, not another container's socket) can be swapped. */
  private isRewritable(finding: SocketMountFinding): boolean {
    return (
      finding.relation === 'exact' &&
      finding.guardedPath !== undefined &&
      this.deps.socketFiles.includes(finding.guardedPath) &&
      (finding.bindIndex !== undefined || finding.mountIndex !== undefined)
    );
  }

  private record(
    head: RequestHead,
    requester: Requester,
    entry: Pick<NewHistoryEntry, 'kind' | 'reason' | 'message'> &
      Partial<Pick<NewHistoryEntry, 'image' | 'imageId'>>,
  ): void {
    this.deps.record({ ...entry, requester, request: { method: head.method, uri: head.target } });
  }
}

function rewriteMounts(
  request: CreateRequest,
  findings: SocketMountFinding[],
  socketPath: string,
): CreateOverrides {
  const binds = [...request.binds];
  const mounts = [...request.mounts];
  for (const finding of findings) {
    if (finding.bindIndex !== undefined) {
      const [, ...rest] = (binds[finding.bindIndex] ?? '').split(':');
      binds[finding.bindIndex] = [socketPath, ...rest].join(':');
    }
    if (finding.mountIndex !== undefined) {
      const mount = mounts[finding.mountIndex];
      if (mount) mounts[finding.mountIndex] = { ...mount, source: socketPath };
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
