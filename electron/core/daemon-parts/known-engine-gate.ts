// Nothing is judged before the engine has said what it is (EngineFacts): a request that comes first
// waits for its answer, and is refused in the engine's format when there is none. Judged on guesses,
// a Podman taken for Docker would get Docker's default powers and digest rules. The requests that ask
// what the engine is (/_ping, /version, /info) are judged without those facts and never wait: they are
// how the facts are learnt, also through another Socket Warden in front of this one, and how a loop
// between two of them is found (a wait there would wait on itself).
import { MESSAGE_PREFIX } from '../proxy/engine-error.js';
import type { RequestGate } from '../proxy/request-gate.js';
import type { EngineFacts } from './engine-facts.js';

/** GET or HEAD of /_ping, /version or /info, with or without an API version. */
const ASKS_WHAT_THE_ENGINE_IS = /^(?:\/v\d+\.\d+)?\/(?:_ping|version|info)(?:\?|$)/;

export function knownEngineGate(
  facts: Pick<EngineFacts, 'known' | 'ensureKnown'>,
  inner: RequestGate,
  upstream: string,
): RequestGate {
  return {
    needsBody: (head, requester) => inner.needsBody(head, requester),
    decide: (head, body, requester) =>
      facts.known ||
      ((head.method === 'GET' || head.method === 'HEAD') && ASKS_WHAT_THE_ENGINE_IS.test(head.target))
        ? inner.decide(head, body, requester)
        : facts.ensureKnown().then((answer) =>
            answer.known
              ? inner.decide(head, body, requester)
              : {
                  kind: 'deny',
                  status: 502,
                  message: `${MESSAGE_PREFIX}cannot reach the Docker Engine at ${upstream} to learn what it is (${answer.why}); is it running? Socket Warden judges nothing until the engine answers, and asks again with the next request.`,
                },
          ),
  };
}
