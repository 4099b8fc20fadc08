// Nothing is judged before the engine has said what it is (EngineFacts): a request that comes first
// waits for its answer, and is refused in the engine's format when there is none. Judged on guesses,
// a Podman taken for Docker would get Docker's default powers and digest rules.
import { MESSAGE_PREFIX } from '../proxy/engine-error.js';
import type { RequestGate } from '../proxy/request-gate.js';
import type { EngineFacts } from './engine-facts.js';

export function knownEngineGate(
  facts: Pick<EngineFacts, 'known' | 'ensureKnown'>,
  inner: RequestGate,
  upstream: string,
): RequestGate {
  return {
    needsBody: (head, requester) => inner.needsBody(head, requester),
    decide: (head, body, requester) =>
      facts.known
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
