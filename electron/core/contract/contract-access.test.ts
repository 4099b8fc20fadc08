import { describe, expect, it } from 'vitest';
import { contractRequests, type RequestName } from '../../../shared/ipc-contract.js';
import { createDemoEngine } from '../../../test/fixtures/demo-engine.js';
import { handlersForAccess, requestAccess } from './contract-access.js';

describe('requestAccess', () => {
  it('classifies every request of the contract', () => {
    expect(Object.keys(requestAccess).sort()).toEqual(Object.keys(contractRequests).sort());
  });

  it('counts every request that changes something as an edit', () => {
    const edits = (Object.keys(requestAccess) as RequestName[]).filter((n) => requestAccess[n] === 'edit');
    expect(edits.sort()).toEqual([
      'clearHistory',
      'repullImage',
      'setDefault',
      'setEnforcement',
      'updatePolicy',
    ]);
  });

  it('refuses edits without the right, with the reason, and leaves reads alone', async () => {
    const { handlers } = createDemoEngine();
    const readOnly = handlersForAccess(handlers, { canEdit: false, why: 'ask an admin' });
    await expect(readOnly.setEnforcement({ enforcing: false })).rejects.toMatchObject({
      code: 'locked',
      message: 'ask an admin',
    });
    await expect(readOnly.getState(undefined)).resolves.toBeDefined();
    expect(handlersForAccess(handlers, { canEdit: true })).toBe(handlers);
  });
});
