// What a requester may hand on (judge-reach.ts Allowance): a container acting through its filtered
// socket has its own host paths (read-only where its mounts are) and Docker's default powers; the
// host has whatever the policy gives it (everything in personal mode; in managed mode with host
// protection on, the admin's bindable directories and default powers). A container's own mounts
// do not change while it exists, so its allowance is kept until it is destroyed.
import type { Requester } from '../proxy/request-gate.js';
import { hostPathUses, type AllowedHostPath } from './host-path-allowance.js';
import type { Allowance } from './judge-reach.js';
import { resolveContainer, type ReachIo } from './resolve-grant.js';

const MAX_CACHED = 1024;

export class RequesterAllowances {
  private readonly containers = new Map<string, Promise<Allowance>>();

  constructor(
    private readonly io: ReachIo,
    /** The host's allowance under the current policy. */
    private readonly hostAllowance: () => Allowance,
  ) {}

  /** Whether the host's users are held to an allowance (managed mode with host protection on). */
  hostIsLimited(): boolean {
    const host = this.hostAllowance();
    return host.powers !== 'any' || host.hostPaths !== 'any';
  }

  of(requester: Requester): Promise<Allowance> {
    if (requester.kind === 'host') return Promise.resolve(this.hostAllowance());
    const cached = this.containers.get(requester.id);
    if (cached) return cached;
    const computed = this.compute(requester);
    // A failed look-up is not kept: the next request asks the engine again.
    computed.catch(() => this.containers.delete(requester.id));
    if (this.containers.size >= MAX_CACHED) {
      const oldest = this.containers.keys().next().value;
      if (oldest !== undefined) this.containers.delete(oldest);
    }
    this.containers.set(requester.id, computed);
    return computed;
  }

  /** The container is gone (its filtered socket was removed). */
  forget(containerId: string): void {
    this.containers.delete(containerId);
  }

  private async compute(requester: Extract<Requester, { kind: 'container' }>): Promise<Allowance> {
    const who = `container "${requester.name || requester.id.slice(0, 12)}"`;
    // Until the engine has told us the container's ID, it may hand on nothing of the host.
    if (!requester.id) return { who, powers: 'defaults', hostPaths: [] };
    const self = await resolveContainer(requester.id, this.io);
    if (!self) throw new Error(`the engine does not know container ${requester.id.slice(0, 12)}`);
    const hostPaths: AllowedHostPath[] = hostPathUses(self).map((use) => ({
      host: use.host,
      readOnly: use.readOnly,
    }));
    return { who, powers: 'defaults', hostPaths };
  }
}
