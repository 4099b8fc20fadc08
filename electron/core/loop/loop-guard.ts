// Refuses the requests of a loop, in the engine's error format, instead of forwarding them round it.
// Two signs of one: a request carrying our own hop id (it has been through us), and our own probe
// having come back (loop-probe.ts), after which every request would: they are refused until a probe
// no longer returns.
import { createHash } from 'node:crypto';
import { MESSAGE_PREFIX } from '../proxy/engine-error.js';
import type { RequestGate, Verdict } from '../proxy/request-gate.js';
import { cameBack } from './hop-header.js';
import { RepeatBurst } from './repeat-burst.js';

/** 508 Loop Detected (RFC 5842): the one status that says what happened. */
export const LOOP_STATUS = 508;

export interface LoopGuardOptions {
  instanceId: string;
  upstream: string;
  listen: string;
  /** The same request keeps arriving: a loop may have formed (repeat-burst.ts); worth a probe now. */
  onRepeatBurst?: () => void;
  now?: () => number;
}

export class LoopGuard {
  #returned = 0;
  #looping = false;
  readonly #bursts = new RepeatBurst();

  constructor(private readonly options: LoopGuardOptions) {}

  get instanceId(): string {
    return this.options.instanceId;
  }

  /** How many requests that we sent have come back to us so far. */
  get returned(): number {
    return this.#returned;
  }

  get looping(): boolean {
    return this.#looping;
  }

  /** The latest probe's finding; returns whether it changed what we know. */
  setLooping(looping: boolean): boolean {
    const changed = looping !== this.#looping;
    this.#looping = looping;
    return changed;
  }

  /** What a refused request is told. */
  message(): string {
    return (
      `${MESSAGE_PREFIX}request loop: the upstream ${this.options.upstream} leads back to this Socket Warden ` +
      `(${this.options.listen}), so requests would go round for ever; point --upstream (or DOCKER_HOST) ` +
      `at the Docker Engine's own socket`
    );
  }

  /** `inner`, with a loop's requests refused before it judges (or reads) them. */
  gate(inner: RequestGate): RequestGate {
    const inLoop = (head: Parameters<RequestGate['decide']>[0]): boolean => {
      if (cameBack(head, this.options.instanceId)) {
        this.#returned += 1;
        return true;
      }
      if (this.#looping) return true;
      if (this.#bursts.note(requestKey(head), (this.options.now ?? Date.now)()))
        this.options.onRepeatBurst?.();
      return false;
    };
    const refusal = (): Verdict => ({ kind: 'deny', status: LOOP_STATUS, message: this.message() });
    return {
      needsBody: (head, requester) =>
        !cameBack(head, this.options.instanceId) && !this.#looping && inner.needsBody(head, requester),
      decide: (head, body, requester) => (inLoop(head) ? refusal() : inner.decide(head, body, requester)),
    };
  }
}

/** Heads up to this size are their own key; longer ones are hashed (a few dozen keys are kept). */
const RAW_KEY_MAX = 2048;

/** What makes two requests the same request for a burst: the whole head as it arrived. A typical
 * head is its own key (a sha256 per request was 3 % of the proxy's CPU on `docker ps` loops); heads
 * may be up to 1 MiB, so a long one is hashed. */
function requestKey(head: Parameters<RequestGate['decide']>[0]): string {
  let raw = `${head.method}\0${head.target}`;
  for (const [name, value] of head.headers) {
    raw += `\0${name}:${value}`;
    if (raw.length > RAW_KEY_MAX) break;
  }
  if (raw.length <= RAW_KEY_MAX) return `r${raw}`;
  const hash = createHash('sha256').update(head.method).update('\0').update(head.target);
  for (const [name, value] of head.headers) hash.update('\0').update(name).update(':').update(value);
  return `h${hash.digest('base64')}`;
}
