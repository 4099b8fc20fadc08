import { describe, expect, it } from 'vitest';
import type { RequestGate } from '../proxy/request-gate.js';
import type { RequestHead } from '../proxy/request-head.js';
import { LOOP_STATUS, LoopGuard } from './loop-guard.js';

const ME = 'a'.repeat(32);
const head = (target: string, ...headers: [string, string][]): RequestHead => ({
  method: 'POST',
  target,
  httpVersion: '1.1',
  headers: [['Host', 'docker'], ...headers],
  body: { kind: 'none' },
  keepAlive: true,
  connection: [],
  upgrade: null,
  expectContinue: false,
});
const inner: RequestGate = { needsBody: () => true, decide: () => ({ kind: 'forward' }) };
const host = { kind: 'host' } as const;
const guardFor = (extra: Partial<ConstructorParameters<typeof LoopGuard>[0]> = {}) =>
  new LoopGuard({ instanceId: ME, upstream: '/up.sock', listen: '/me.sock', ...extra });

describe('LoopGuard', () => {
  it.each<[string, RequestHead, boolean, 'forward' | 'loop']>([
    ['a client request', head('/containers/create'), false, 'forward'],
    [
      'another Socket Warden passing its request through us',
      head('/_ping', ['X-Socket-Warden-Hop', 'b'.repeat(32)]),
      false,
      'forward',
    ],
    ['our own request come back', head('/_ping', ['X-Socket-Warden-Hop', ME]), false, 'loop'],
    [
      'our own request come back through another',
      head('/_ping', ['X-Socket-Warden-Hop', `${'b'.repeat(32)}, ${ME}`]),
      false,
      'loop',
    ],
    ['any request while a probe came back', head('/containers/json'), true, 'loop'],
  ])('%s', async (_name, request, looping, expected) => {
    const guard = guardFor();
    guard.setLooping(looping);
    const gate = guard.gate(inner);
    const verdict = await gate.decide(request, null, host);
    if (expected === 'forward') {
      expect(verdict).toEqual({ kind: 'forward' });
      expect(gate.needsBody(request, host)).toBe(true);
    } else {
      expect(verdict).toEqual({
        kind: 'deny',
        status: LOOP_STATUS,
        message: expect.stringMatching(
          /^socket-warden: request loop: the upstream \/up\.sock leads back/,
        ) as string,
      });
      // Refused before its body is read: a loop's copies must cost nothing.
      expect(gate.needsBody(request, host)).toBe(false);
    }
  });

  it('counts what came back', async () => {
    const guard = guardFor();
    const gate = guard.gate(inner);
    await gate.decide(head('/_ping', ['X-Socket-Warden-Hop', ME]), null, host);
    await gate.decide(head('/_ping'), null, host);
    expect(guard.returned).toBe(1);
  });

  it('says when what it knows changes', () => {
    const guard = guardFor();
    expect([guard.setLooping(true), guard.setLooping(true), guard.setLooping(false)]).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('asks for a probe when the same request keeps arriving, and not for different ones', async () => {
    let now = 0;
    let bursts = 0;
    const guard = guardFor({ now: () => now, onRepeatBurst: () => (bursts += 1) });
    const gate = guard.gate(inner);
    for (let i = 0; i < 40; i++) {
      now += 1;
      await gate.decide(head(`/containers/${i}/json`), null, host);
    }
    expect(bursts).toBe(0);
    for (let i = 0; i < 32; i++) {
      now += 1;
      await gate.decide(head('/_ping'), null, host);
    }
    expect(bursts).toBe(2);
  });

  it('tells long heads apart by their whole text (hashed past 2 KiB), not by their start', async () => {
    let now = 0;
    let bursts = 0;
    const gate = guardFor({ now: () => now, onRepeatBurst: () => (bursts += 1) }).gate(inner);
    const long = 'x'.repeat(4096);
    for (let i = 0; i < 40; i++) {
      now += 1;
      await gate.decide(head('/_ping', ['X-Long', long], ['X-Last', String(i)]), null, host);
    }
    expect(bursts).toBe(0);
    for (let i = 0; i < 32; i++) {
      now += 1;
      await gate.decide(head('/_ping', ['X-Long', long], ['X-Last', 'same']), null, host);
    }
    expect(bursts).toBe(2);
  });
});
