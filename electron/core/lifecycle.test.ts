import { describe, expect, it } from 'vitest';
import { Lifecycle, PartStartError, StartAbortedError, type StartedPart } from './lifecycle.js';

/** A part that records its start, stop and abandon in `log`; `fail` makes its start throw. */
function part(log: string[], name: string, how: { fail?: boolean; failStop?: boolean } = {}) {
  return (): StartedPart<string> => {
    if (how.fail) throw new Error(`${name} broke`);
    log.push(`start ${name}`);
    return {
      value: name,
      stop: () => {
        log.push(`stop ${name}`);
        if (how.failStop) throw new Error(`${name} would not stop`);
      },
      abandon: () => log.push(`abandon ${name}`),
    };
  };
}

describe('Lifecycle', () => {
  it.each<[string, string[], string[]]>([
    [
      'all three start, then stop last first',
      [],
      ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a'],
    ],
    ['the second fails: the first is stopped, the third never starts', ['b'], ['start a', 'stop a']],
    ['the first fails: nothing to stop', ['a'], []],
    ['the last fails: both before it stop, last first', ['c'], ['start a', 'start b', 'stop b', 'stop a']],
  ])('%s', async (_name, failing, expected) => {
    const log: string[] = [];
    const life = new Lifecycle();
    let failure: unknown;
    try {
      for (const name of ['a', 'b', 'c'])
        await life.start(name, part(log, name, { fail: failing.includes(name) }));
      await life.stop();
    } catch (error) {
      failure = error;
    }
    expect(log).toEqual(expected);
    if (failing.length > 0) {
      expect(failure).toBeInstanceOf(PartStartError);
      expect(failure).toMatchObject({ part: failing[0], message: `${failing[0]}: ${failing[0]} broke` });
    }
  });

  it('returns what each part made', async () => {
    const life = new Lifecycle();
    expect(await life.start('x', () => ({ value: 42 }))).toBe(42);
    expect(await life.start('y', async () => ({ value: 'y' }))).toBe('y');
  });

  it('keeps stopping the others when one stop fails, and abandons the one that failed', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    const life = new Lifecycle({ onStopError: (name, error) => errors.push(`${name}: ${String(error)}`) });
    await life.start('a', part(log, 'a'));
    await life.start('b', part(log, 'b', { failStop: true }));
    await life.start('c', part(log, 'c'));
    await life.stop();
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'abandon b', 'stop a']);
    expect(errors).toEqual(['b: Error: b would not stop']);
  });

  it('stops once, however often it is asked', async () => {
    const log: string[] = [];
    const life = new Lifecycle();
    await life.start('a', part(log, 'a'));
    await Promise.all([life.stop(), life.stop()]);
    await life.stop();
    expect(log).toEqual(['start a', 'stop a']);
  });

  it('a stop during a start undoes the part that was starting, and refuses the next', async () => {
    const log: string[] = [];
    const life = new Lifecycle();
    await life.start('a', part(log, 'a'));
    let finish!: () => void;
    const slow = life.start('slow', async () => {
      await new Promise<void>((resolve) => (finish = resolve));
      log.push('start slow');
      return { value: 'slow', stop: () => void log.push('stop slow') };
    });
    const stopped = life.stop();
    finish();
    await expect(slow).rejects.toBeInstanceOf(StartAbortedError);
    await stopped;
    await expect(life.start('late', part(log, 'late'))).rejects.toBeInstanceOf(StartAbortedError);
    expect(log).toEqual(['start a', 'stop a', 'start slow', 'stop slow']);
  });

  it('a part that hangs in its stop can be abandoned, with every part not yet stopped', async () => {
    const log: string[] = [];
    const life = new Lifecycle();
    await life.start('a', part(log, 'a'));
    await life.start('hangs', () => ({
      value: undefined,
      stop: () => new Promise<void>(() => undefined),
      abandon: () => void log.push('abandon hangs'),
    }));
    await life.start('c', part(log, 'c'));
    void life.stop();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(life.stoppingPart).toBe('hangs');
    life.abandon();
    expect(log).toEqual(['start a', 'start c', 'stop c', 'abandon hangs', 'abandon a']);
  });
});
