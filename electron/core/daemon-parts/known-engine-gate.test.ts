import { describe, expect, it } from 'vitest';
import type { RequestHead } from '../proxy/request-head.js';
import type { RequestGate, Verdict } from '../proxy/request-gate.js';
import { knownEngineGate } from './known-engine-gate.js';

const head = { method: 'POST', target: '/containers/create' } as RequestHead;
const host = { kind: 'host' } as const;
const inner: RequestGate = { needsBody: () => true, decide: () => ({ kind: 'forward' }) };

function facts(answers: Array<{ known: true } | { known: false; why: string }>) {
  let asked = 0;
  const state = {
    known: false,
    asked: () => asked,
    ensureKnown: () => {
      asked += 1;
      const answer = answers.shift() ?? { known: false as const, why: 'no more answers' };
      state.known = answer.known;
      return Promise.resolve(answer);
    },
  };
  return state;
}

describe('knownEngineGate', () => {
  it('judges at once, asking nothing, once the engine is known', async () => {
    const known = facts([]);
    known.known = true;
    const verdict = await knownEngineGate(known, inner, '/run/e.sock').decide(head, null, host);
    expect(verdict).toEqual({ kind: 'forward' });
    expect(known.asked()).toBe(0);
  });

  it('waits for the first answer, then judges', async () => {
    const later = facts([{ known: true }]);
    const verdict = await knownEngineGate(later, inner, '/run/e.sock').decide(head, null, host);
    expect(verdict).toEqual({ kind: 'forward' });
    expect(later.asked()).toBe(1);
  });

  it('refuses in the engine format, saying why, when the engine never says what it is', async () => {
    const silent = facts([{ known: false, why: 'connect ECONNREFUSED /run/e.sock' }]);
    const verdict = (await knownEngineGate(silent, inner, '/run/e.sock').decide(head, null, host)) as Verdict;
    expect(verdict).toMatchObject({ kind: 'deny', status: 502 });
    expect(verdict.kind === 'deny' && verdict.message).toBe(
      'socket-warden: cannot reach the Docker Engine at /run/e.sock to learn what it is (connect ECONNREFUSED /run/e.sock); is it running? Socket Warden judges nothing until the engine answers, and asks again with the next request.',
    );
  });

  it.each([
    ['GET', '/_ping', 0],
    ['HEAD', '/v1.41/_ping', 0],
    ['GET', '/v1.45/version', 0],
    ['GET', '/info?x=1', 0],
    ['POST', '/version', 1],
    ['GET', '/versions', 1],
    ['GET', '/containers/json', 1],
    ['GET', '/v1.41/info/x', 1],
  ])('%s %s waits for the engine %i time(s)', async (method, target, waits) => {
    const silent = facts([]);
    await knownEngineGate(silent, inner, '/e').decide({ ...head, method, target }, null, host);
    expect(silent.asked()).toBe(waits);
  });

  it('says what the inner gate needs', () => {
    expect(knownEngineGate(facts([]), inner, '/e').needsBody(head, host)).toBe(true);
  });
});
