import { describe, expect, it } from 'vitest';
import {
  contractRequests,
  createContractClient,
  createContractEventEmitter,
  type ContractBridge,
} from './ipc-contract.js';

const denial = {
  id: 1,
  time: '2026-01-02T14:00:00.000Z',
  kind: 'socket-mount-denied',
  requester: { kind: 'host' },
  request: { method: 'POST', uri: '/v1.41/containers/create' },
  image: 'docker.io/library/alpine:latest',
  reason: 'not-allowed',
  message: 'denied',
} as const;

function fakeBridge(answer: unknown) {
  let push: ((event: string, payload: unknown) => void) | undefined;
  const sent: unknown[][] = [];
  const bridge: ContractBridge = {
    invoke: async (name, input) => {
      sent.push([name, input]);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    subscribe: (listener) => {
      push = listener;
      return () => (push = undefined);
    },
  };
  return {
    bridge,
    sent,
    push: (event: string, payload: unknown) => push?.(event, payload),
    subscribed: () => push !== undefined,
  };
}

describe('the contract', () => {
  it('declares the requests the pane and the engine agree on', () => {
    expect(Object.keys(contractRequests).sort()).toEqual(
      [
        'clearHistory',
        'exportHistory',
        'getCommandCatalog',
        'getDefaultStatus',
        'getState',
        'getStatus',
        'listHistory',
        'listMismatchedImages',
        'repullImage',
        'setDefault',
        'setEnforcement',
        'updatePolicy',
        'validatePolicy',
      ].sort(),
    );
  });
});

describe('createContractClient', () => {
  it('hands on a valid answer', async () => {
    const { bridge, sent } = fakeBridge({ ok: true, value: { cleared: 3 } });
    const answer = await createContractClient(bridge).call('clearHistory', undefined);
    expect(answer).toEqual({ ok: true, value: { cleared: 3 } });
    expect(sent).toEqual([['clearHistory', undefined]]);
  });

  it('hands on an engine error as it came', async () => {
    const error = { code: 'locked', message: 'locked by the administrator' };
    const { bridge } = fakeBridge({ ok: false, error });
    expect(await createContractClient(bridge).call('clearHistory', undefined)).toEqual({ ok: false, error });
  });

  it('turns an answer outside the contract into an error, and reports it', async () => {
    const violations: string[] = [];
    const { bridge } = fakeBridge({ ok: true, value: { cleared: 'all' } });
    const answer = await createContractClient(bridge, { onViolation: (what) => violations.push(what) }).call(
      'clearHistory',
      undefined,
    );
    expect(answer).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(violations).toEqual(['answer to clearHistory']);
  });

  it('turns a broken channel into an "unavailable" error', async () => {
    const { bridge } = fakeBridge(new Error('connection refused'));
    expect(await createContractClient(bridge).call('getStatus', undefined)).toEqual({
      ok: false,
      error: { code: 'unavailable', message: 'cannot reach Socket Warden: connection refused' },
    });
  });

  it('delivers valid events and drops events outside the contract', () => {
    const { bridge, push } = fakeBridge(undefined);
    const violations: string[] = [];
    const client = createContractClient(bridge, { onViolation: (what) => violations.push(what) });
    const got: unknown[] = [];
    client.on('denial', (entry) => got.push(entry.id));
    push('denial', denial);
    push('denial', { ...denial, reason: 'because' });
    push('noSuchEvent', {});
    expect(got).toEqual([1]);
    expect(violations).toEqual(['event denial']);
  });

  it('stops listening on the channel once the last listener leaves', () => {
    const { bridge, subscribed } = fakeBridge(undefined);
    const client = createContractClient(bridge);
    const stopA = client.on('denial', () => undefined);
    const stopB = client.on('stateChanged', () => undefined);
    stopA();
    expect(subscribed()).toBe(true);
    stopB();
    expect(subscribed()).toBe(false);
  });
});

describe('createContractEventEmitter', () => {
  it('says whether anyone listens, so an event nobody receives is not built', () => {
    const events = createContractEventEmitter();
    expect(events.listening()).toBe(false);
    const stop = events.subscribe(() => undefined);
    expect(events.listening()).toBe(true);
    stop();
    expect(events.listening()).toBe(false);
  });

  it('refuses to push a payload outside the contract', () => {
    const events = createContractEventEmitter();
    const seen: string[] = [];
    events.subscribe((event) => seen.push(event));
    expect(() => events.emit('repullProgress', { image: 'x', phase: 'done', fraction: 2 })).toThrow();
    events.emit('repullProgress', { image: 'x', phase: 'done', fraction: 1, digest: 'sha256:abc' });
    expect(seen).toEqual(['repullProgress']);
  });

  it('keeps delivering to the others when one subscriber throws', () => {
    const events = createContractEventEmitter();
    const seen: number[] = [];
    events.subscribe(() => {
      throw new Error('window closed');
    });
    events.subscribe((_event, payload) => seen.push((payload as { id: number }).id));
    events.emit('denial', denial);
    expect(seen).toEqual([1]);
  });
});
