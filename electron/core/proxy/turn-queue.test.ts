import { describe, expect, it } from 'vitest';
import { TurnQueue } from './turn-queue.js';

describe('TurnQueue', () => {
  it.each([1, 2, 3])('runs at most %i turns at once, the rest in the order they asked', (concurrency) => {
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
    expect(started).toEqual([0, 1, 2, 3].slice(0, concurrency + 1));
    expect(queue.active).toBe(concurrency);
  });

  it('skips a waiter that cancelled before its turn', () => {
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
    expect(started).toEqual(['a', 'c']);
  });
});
