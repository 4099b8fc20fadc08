// What the engine is and where it keeps its state: learnt at start and again whenever it comes back
// (a restarted engine may be another version, or keep its data elsewhere). The gate and the guards read
// the latest answers.
import type { EngineClient } from '../engine-api/engine-client.js';
import { findEngineProcess } from '../guards/engine-process.js';
import type { GuardSources } from '../guards/guard-discovery.js';
import { dockerDefaults, podmanDefaults, type EngineDefaults } from '../reach/default-powers.js';
import { withTimeout } from '../with-timeout.js';

/** An engine that does not answer within this is taken as not answering (it is asked again later). */
const ENGINE_ANSWER_MS = 3000;

export interface EngineFactsOptions {
  engine: EngineClient;
  upstream: string;
  listen: string;
  filteredSocketsDir: string;
  /** The admin's extra guarded paths, from the policy in force. */
  adminPaths: () => readonly string[];
}

export class EngineFacts {
  kind: 'docker' | 'podman' = 'docker';
  cgroupV1 = false;
  containerdImageStore = false;

  constructor(private readonly options: EngineFactsOptions) {}

  /** Asks the engine again; what it does not answer keeps its last value. Never throws. */
  async learn(): Promise<GuardSources> {
    const { engine, upstream } = this.options;
    const [version, info, process] = await Promise.all([
      withTimeout(engine.version(), ENGINE_ANSWER_MS).catch(() => undefined),
      withTimeout(engine.info(), ENGINE_ANSWER_MS).catch(() => undefined),
      findEngineProcess(upstream).catch(() => undefined),
    ]);
    if (version)
      this.kind = version.Components?.some((c) => /podman/i.test(c.Name ?? '')) ? 'podman' : 'docker';
    if (info?.CgroupVersion) this.cgroupV1 = info.CgroupVersion === '1';
    if (info)
      this.containerdImageStore = (info.DriverStatus ?? []).some(
        ([, value]) => value === 'io.containerd.snapshotter.v1',
      );
    return {
      upstream,
      listen: [this.options.listen],
      filteredSocketsDir: this.options.filteredSocketsDir,
      ...(info?.DockerRootDir ? { dataRoot: info.DockerRootDir } : {}),
      ...(process ? { engine: process } : {}),
      adminPaths: this.options.adminPaths(),
    };
  }

  /** What a container gets by default on this engine (Podman's differ; cgroup v1 has no private cgroupns). */
  defaults(): EngineDefaults {
    const base = this.kind === 'podman' ? podmanDefaults : dockerDefaults;
    return this.cgroupV1 ? { ...base, cgroupns: 'host' } : base;
  }
}
