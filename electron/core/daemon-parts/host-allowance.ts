// The host's allowance: everything, or with host protection on, Docker's defaults and the admin's
// bindable directories (resolved again whenever the policy changes).
import { wardenPolicy, type Policy } from '../../../shared/settings.js';
import { inspectHostPath } from '../policy/host-path.js';
import { unlimitedAllowance, type Allowance } from '../reach/judge-reach.js';

export class HostAllowance {
  #current: Allowance = unlimitedAllowance;

  current(): Allowance {
    return this.#current;
  }

  async resolve(policy: Policy): Promise<void> {
    const protection = wardenPolicy(policy).hostProtection;
    if (!protection.enabled) {
      this.#current = unlimitedAllowance;
      return;
    }
    const hostPaths = await Promise.all(
      protection.bindablePaths.map(async (p) => ({ host: await inspectHostPath(p), readOnly: false })),
    );
    this.#current = { who: 'the host', powers: 'defaults', hostPaths };
  }
}
