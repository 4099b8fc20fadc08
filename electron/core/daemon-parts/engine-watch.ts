// Whether the engine answers, asked at start and every few seconds: the pane and the tray show it, and
// an engine that comes back is looked at again (guards, engine facts). One question at a time, each
// with a deadline, so a hung engine costs one pending request rather than one more every interval.
import type { Status } from '../../../shared/ipc-contract.js';
import type { EngineClient } from '../engine-api/engine-client.js';
import { withTimeout } from '../with-timeout.js';
import { errorMessage } from '../../../shared/error-message.js';

const ANSWER_MS = 3000;
const INTERVAL_MS = 5000;

export type EngineState = Status['engine'];

export interface EngineWatchOptions {
  engine: EngineClient;
  upstream: string;
  /** The engine became reachable or unreachable. */
  onChange: (state: EngineState) => void;
}

export class EngineWatch {
  #state: EngineState;
  #asking: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EngineWatchOptions) {
    this.#state = { reachable: false, upstreamSocket: options.upstream };
  }

  get state(): EngineState {
    return this.#state;
  }

  /** Asks once (joining a question already asked). */
  ask(): Promise<void> {
    this.#asking ??= this.#askOnce().finally(() => (this.#asking = undefined));
    return this.#asking;
  }

  start(): void {
    this.#timer = setInterval(() => {
      const before = this.#state.reachable;
      void this.ask().then(() => {
        if (this.#state.reachable !== before) this.options.onChange(this.#state);
      });
    }, INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #askOnce(): Promise<void> {
    const upstreamSocket = this.options.upstream;
    try {
      const version = await withTimeout(this.options.engine.version(), ANSWER_MS);
      this.#state = version
        ? { reachable: true, upstreamSocket, version: version.Version, apiVersion: version.ApiVersion }
        : { reachable: false, upstreamSocket, error: `no answer within ${ANSWER_MS / 1000} s` };
    } catch (error) {
      this.#state = {
        reachable: false,
        upstreamSocket,
        error: errorMessage(error),
      };
    }
  }
}
