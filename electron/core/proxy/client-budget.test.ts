import { describe, expect, it } from 'vitest';
import { ClientBudget } from './client-budget.js';

describe('ClientBudget', () => {
  it.each([
    ['its own cap', 2, 10, ['taken', 'taken', 'full']],
    ["the shared parent's cap", 10, 2, ['taken', 'taken', 'shared-full']],
  ])('refuses a connection past %s', (_, own, shared, answers) => {
    const parent = new ClientBudget({ maxConnections: shared, maxHeldBytes: 100 });
    const budget = new ClientBudget({ maxConnections: own, maxHeldBytes: 100 }, parent);
    expect([1, 2, 3].map(() => budget.takeConnection())).toEqual(answers);
    expect(parent.openConnections).toBe(2);
    budget.releaseConnection();
    expect(parent.openConnections).toBe(1);
    expect(budget.takeConnection()).toBe('taken');
  });

  it('counts held bytes in its parent too, and says when either is over', () => {
    const parent = new ClientBudget({ maxConnections: 10, maxHeldBytes: 150 });
    const a = new ClientBudget({ maxConnections: 10, maxHeldBytes: 100 }, parent);
    const b = new ClientBudget({ maxConnections: 10, maxHeldBytes: 100 }, parent);
    a.adjustHeld(90);
    expect([a.overHeld, b.overHeld]).toEqual([false, false]);
    b.adjustHeld(90);
    expect([a.overHeld, b.overHeld]).toEqual([true, true]);
    b.adjustHeld(-90);
    a.adjustHeld(20);
    expect([a.overHeld, b.overHeld, parent.heldBytes]).toEqual([true, false, 110]);
  });

  it('lets as many refusals linger as connections, its own and the shared ones', () => {
    const parent = new ClientBudget({ maxConnections: 3, maxHeldBytes: 100 });
    const a = new ClientBudget({ maxConnections: 2, maxHeldBytes: 100 }, parent);
    const b = new ClientBudget({ maxConnections: 2, maxHeldBytes: 100 }, parent);
    expect([a.takeLingering(), a.takeLingering(), a.takeLingering()]).toEqual([true, true, false]);
    expect([b.takeLingering(), b.takeLingering()]).toEqual([true, false]);
    a.releaseLingering();
    expect(b.takeLingering()).toBe(true);
  });
});
