import { describe, expect, it } from 'vitest';
import { ReadBufferPool, ReusableReads } from './read-buffers.js';

describe('ReusableReads', () => {
  it('reads into the same buffer while nothing holds it', () => {
    const reads = new ReusableReads(new ReadBufferPool());
    const first = reads.next();
    expect(reads.next()).toBe(first);
    expect(reads.next()).toBe(first);
  });

  it('never hands out a held buffer, and reuses it once every hold is released', () => {
    const reads = new ReusableReads(new ReadBufferPool());
    const first = reads.next();
    const releaseA = reads.hold();
    const releaseB = reads.hold();
    const second = reads.next();
    expect(second).not.toBe(first);
    releaseA();
    // Still held by B: the pool must not get it back yet.
    const releaseSecond = reads.hold();
    const third = reads.next();
    expect(third).not.toBe(first);
    expect(third).not.toBe(second);
    releaseB();
    releaseSecond();
    // Both released buffers went back to the pool; the next switch takes one of them.
    reads.hold();
    expect([first, second]).toContain(reads.next());
  });

  it('shares one pool across connections', () => {
    const pool = new ReadBufferPool();
    const a = new ReusableReads(pool);
    const heldByA = a.next();
    const release = a.hold();
    a.next();
    release();
    const b = new ReusableReads(pool);
    expect(b.next()).toBe(heldByA);
  });
});

describe('ReusableReads.dispose', () => {
  it('returns the buffer of a closed socket to the pool at once when nothing holds it', () => {
    const pool = new ReadBufferPool();
    const closed = new ReusableReads(pool);
    const buffer = closed.next();
    closed.dispose();
    expect(new ReusableReads(pool).next()).toBe(buffer);
  });

  it('waits for the last pending write before returning it', () => {
    const pool = new ReadBufferPool();
    const closed = new ReusableReads(pool);
    const buffer = closed.next();
    const release = closed.hold();
    closed.dispose();
    expect(new ReusableReads(pool).next()).not.toBe(buffer);
    release();
    expect(new ReusableReads(pool).next()).toBe(buffer);
  });
});
