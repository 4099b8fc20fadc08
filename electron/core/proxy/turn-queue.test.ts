import { describe, expect, it } from 'vitest';
import { TurnQueue } from './turn-queue.js';

describe('TurnQueue', () => {
  const laterTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it.each([1, 2, 3])(
    'runs at most %i turns at once, the rest in the order they asked',
    async (concurrency) => {
      const queue = new TurnQueue(concurrency);
      const started: number[] = [];
      const ends: (() => void)[] = [];
      for (let i = 0; i < 6; i++)
        queue.take((done) => {
          started.push(i);
          ends.push(done);
        });
      expect(started).toEqual([0, 1, 2].slice(0, concurrency));
      expect(queue.queued).toBe(6 - concurrency);
      ends[0]?.();
      ends[0]?.(); // a second call ends nothing more
      // The next turn begins on a later turn of the event loop, not inside the call that ended one.
      expect(started).toEqual([0, 1, 2].slice(0, concurrency));
      await laterTurn();
      expect(started).toEqual([0, 1, 2, 3].slice(0, concurrency + 1));
      expect(queue.active).toBe(concurrency);
    },
  );

  it('skips a waiter that cancelled before its turn', async () => {
    const queue = new TurnQueue(1);
    const started: string[] = [];
    let end = (): void => undefined;
    queue.take((done) => {
      started.push('a');
      end = done;
    });
    const cancelB = queue.take(() => started.push('b'));
    queue.take(() => started.push('c'));
    cancelB();
    end();
    await laterTurn();
    expect(started).toEqual(['a', 'c']);
  });

  it('with a parent, takes its turn there too: children share it in rotation', async () => {
    const shared = new TurnQueue(1);
    const a = new TurnQueue(1, shared);
    const b = new TurnQueue(1, shared);
    const started: string[] = [];
    const ends = new Map<string, () => void>();
    const ask = (queue: TurnQueue, name: string): (() => void) =>
      queue.take((done) => {
        started.push(name);
        ends.set(name, done);
      });
    ask(a, 'a1');
    ask(a, 'a2');
    ask(b, 'b1');
    expect(started).toEqual(['a1']);
    ends.get('a1')?.();
    await laterTurn();
    await laterTurn();
    // a2 waits for a's own turn, then the shared one, behind b1 that was already waiting there.
    expect(started).toEqual(['a1', 'b1']);
    ends.get('b1')?.();
    await laterTurn();
    await laterTurn();
    expect(started).toEqual(['a1', 'b1', 'a2']);
  });

  it('gives its own turn back when cancelled while waiting for the parent', async () => {
    const shared = new TurnQueue(1);
    const a = new TurnQueue(1, shared);
    let endHolder = (): void => undefined;
    shared.take((done) => (endHolder = done));
    const cancel = a.take(() => undefined);
    expect(a.active).toBe(1);
    cancel();
    expect(a.active).toBe(0);
    endHolder();
    await laterTurn();
    expect(shared.active).toBe(0);
  });
});
