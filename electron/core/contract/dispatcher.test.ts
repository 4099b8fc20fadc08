import { describe, expect, it } from 'vitest';
import { ContractError, type ContractHandlers } from '../../../shared/ipc-contract.js';
import { createDemoEngine } from '../../../test/fixtures/demo-engine.js';
import { createDispatcher } from './dispatcher.js';

function handlersWith(overrides: Partial<ContractHandlers>): ContractHandlers {
  return { ...createDemoEngine().handlers, ...overrides };
}

describe('createDispatcher', () => {
  it('wraps a handler result in { ok: true, value }', async () => {
    const dispatcher = createDispatcher(createDemoEngine().handlers);
    const answer = await dispatcher.dispatch('setEnforcement', { enforcing: false });
    expect(answer.ok).toBe(true);
    expect(answer.ok && (answer.value as { enforcing: boolean }).enforcing).toBe(false);
  });

  it('refuses an unknown request name without calling anything', async () => {
    const answer = await createDispatcher(createDemoEngine().handlers).dispatch('toString', undefined);
    expect(answer).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'unknown request "toString"' },
    });
  });

  it('refuses input outside the contract with the field that was wrong', async () => {
    let called = false;
    const dispatcher = createDispatcher(
      handlersWith({
        setEnforcement: async () => {
          called = true;
          return createDemoEngine().state().policy;
        },
      }),
    );
    const answer = await dispatcher.dispatch('setEnforcement', { enforcing: 'yes' });
    expect(called).toBe(false);
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.error.code).toBe('invalid-input');
      expect(answer.error.issues?.[0]?.path).toBe('enforcing');
    }
  });

  it('refuses an image list entry the engine could not match, naming the entry', async () => {
    const dispatcher = createDispatcher(createDemoEngine().handlers);
    const answer = await dispatcher.dispatch('updatePolicy', {
      imageList: { images: ['docker:cli', 'bad*name'], allowDerivedImages: false },
      commandList: { type: 'deny', commands: [] },
    });
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.error.code).toBe('invalid-input');
      expect(answer.error.issues?.[0]?.path).toBe('imageList.images.1');
      expect(answer.error.message).toContain('bad*name');
    }
  });

  it('passes a ContractError code and message through', async () => {
    const dispatcher = createDispatcher(
      handlersWith({
        clearHistory: async () => {
          throw new ContractError('locked', 'the history is kept by the administrator');
        },
      }),
    );
    expect(await dispatcher.dispatch('clearHistory', undefined)).toEqual({
      ok: false,
      error: { code: 'locked', message: 'the history is kept by the administrator' },
    });
  });

  it('reports a plain Error as internal with its message, and tells the owner', async () => {
    const seen: unknown[] = [];
    const dispatcher = createDispatcher(
      handlersWith({
        repullImage: async () => {
          throw new Error('registry 127.0.0.1:5000 unreachable');
        },
      }),
      { onInternalError: (_name, error) => seen.push(error) },
    );
    const answer = await dispatcher.dispatch('repullImage', { image: 'x' });
    expect(answer).toEqual({
      ok: false,
      error: { code: 'internal', message: 'registry 127.0.0.1:5000 unreachable' },
    });
    expect(seen).toHaveLength(1);
  });

  it('refuses to pass on an answer that breaks the contract', async () => {
    const seen: string[] = [];
    const dispatcher = createDispatcher(
      handlersWith({
        // A handler bug: the wrong shape, smuggled past the type checker.
        clearHistory: (async () => ({ cleared: -1 })) as ContractHandlers['clearHistory'],
      }),
      { onInternalError: (name) => seen.push(name) },
    );
    const answer = await dispatcher.dispatch('clearHistory', undefined);
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.code).toBe('internal');
    expect(seen).toEqual(['clearHistory']);
  });
});
