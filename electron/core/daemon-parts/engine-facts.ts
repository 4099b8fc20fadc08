// What the engine is and where it keeps its state: learnt at start and again whenever it comes back
// (a restarted engine may be another version, or keep its data elsewhere). The gate and the guards read
// the latest answers. Until the engine has answered once, nothing is judged on guesses: a loaded
// Podman can take longer than the start's look to answer, and judged as Docker it would get Docker's
// default powers and digest rules (knownEngineGate waits for the answer, or refuses).
import { isPodmanVersion, type EngineClient } from '../engine-api/engine-client.js';
import { findEngineProcess } from '../guards/engine-process.js';
import type { GuardSources } from '../guards/guard-discovery.js';
import { dockerDefaults, podmanDefaults, type EngineDefaults } from '../reach/default-powers.js';
import { withTimeout } from '../with-timeout.js';
import { errorMessage } from '../../../shared/error-message.js';

/** An engine that does not answer within this is taken as not answering (it is asked again later). */
const ENGINE_ANSWER_MS = 3000;
/** How long a request waits for an engine that has not yet said what it is. */
const ENGINE_FIRST_ANSWER_MS = 20_000;

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
  /** The engine has answered /version and /info at least once: the fields above are its own. */
  known = false;
  /** Why it has not, in words (the last attempt's error). */
  private unknownBecause = 'not asked yet';
  private firstAnswer: Promise<void> | undefined;

  constructor(private readonly options: EngineFactsOptions) {}

  /**
   * Until the engine has said what it is, asks it (patiently, one attempt at a time for all who wait);
   * resolves to whether it now has.
   */
  async ensureKnown(): Promise<{ known: true } | { known: false; why: string }> {
    if (!this.known) {
      // learn() never throws; the attempt is forgotten once it ends, so a later waiter asks anew.
      this.firstAnswer ??= this.learn(ENGINE_FIRST_ANSWER_MS).then(() => {
        this.firstAnswer = undefined;
      });
      await this.firstAnswer;
    }
    return this.known ? { known: true } : { known: false, why: this.unknownBecause };
  }

  /** Asks the engine again; what it does not answer keeps its last value. Never throws. */
  async learn(answerMs = ENGINE_ANSWER_MS): Promise<GuardSources> {
    const { engine, upstream } = this.options;
    let error: string | undefined;
    const failed = (reason: unknown): undefined => {
      error = errorMessage(reason);
      return undefined;
    };
    const [version, info, process] = await Promise.all([
      withTimeout(engine.version(), answerMs).catch(failed),
      withTimeout(engine.info(), answerMs).catch(failed),
      findEngineProcess(upstream).catch(() => undefined),
    ]);
    if (version && info) this.known = true;
    else
      this.unknownBecause =
        error ?? `its /version and /info did not answer within ${Math.round(answerMs / 1000)} s`;
    if (version) this.kind = isPodmanVersion(version) ? 'podman' : 'docker';
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
