import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseImageListEntry, type ImageListEntry } from '../../../shared/image-reference.js';
import { DigestRefresher, type DigestMove, type TagEntry } from './digest-refresher.js';
import type { ManifestDigestClient, ManifestDigestResult, ManifestTarget } from './registry-client.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;

function entry(text: string): ImageListEntry {
  const parsed = parseImageListEntry(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}
function tag(text: string): TagEntry {
  const e = entry(text);
  if (e.kind !== 'tag') throw new Error(`${text} is not a tag entry`);
  return e;
}

/** A registry the test scripts: `answers` by 'registry/repo:ref' or 'registry/repo@digest'. */
class ScriptedClient implements ManifestDigestClient {
  answers = new Map<string, ManifestDigestResult | 'hang'>();
  calls: { key: string; at: number }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;

  async manifestDigest(target: ManifestTarget): Promise<ManifestDigestResult> {
    const sep = target.reference.startsWith('sha256:') ? '@' : ':';
    const key = `${target.registry}/${target.repository}${sep}${target.reference}`;
    this.calls.push({ key, at: Date.now() });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const answer = this.answers.get(key) ?? { status: 'not-found' };
      if (answer === 'hang') return await new Promise<never>(() => undefined);
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      return answer;
    } finally {
      this.inFlight--;
    }
  }
  callsFor(key: string): number {
    return this.calls.filter((c) => c.key === key).length;
  }
}

const CLI = 'docker.io/library/docker:cli';
const MIN = 60_000;

describe('DigestRefresher', () => {
  let client: ScriptedClient;
  let refresher: DigestRefresher;
  const make = (options: Partial<ConstructorParameters<typeof DigestRefresher>[0]> = {}): DigestRefresher =>
    new DigestRefresher({ client, intervalMs: 10 * MIN, concurrency: 2, timeoutMs: 5_000, ...options });

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    client = new ScriptedClient();
    refresher = make();
  });
  afterEach(() => {
    refresher.stop();
    vi.useRealTimers();
  });

  it('sends no registry traffic for "*" and digest entries', async () => {
    refresher.setEntries([entry('*'), entry(`busybox@${d('a')}`)]);
    refresher.start();
    const summary = await refresher.refreshNow();
    expect(summary).toMatchObject({ ok: true, checked: 0, failures: [] });
    expect(client.calls).toEqual([]);
    expect(refresher.status().nextRunAt).toBeUndefined();
  });

  it('sends no registry traffic at all when "*" stands beside tag and :* entries', async () => {
    client.answers.set(CLI, { status: 'found', digest: d('a') });
    refresher.setEntries([entry('*'), entry('docker:cli'), entry('docker.io/localstack/localstack:*')]);
    refresher.start();
    const summary = await refresher.refreshNow();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(summary).toMatchObject({ ok: true, checked: 0 });
    expect(client.calls).toEqual([]);
  });

  it('verifies tag digests and answers later questions from memory', async () => {
    client.answers.set(CLI, { status: 'found', digest: d('a') });
    refresher.setEntries([entry('docker:cli'), entry('docker.io/library/docker:cli')]);
    await refresher.refreshNow();
    // Two spellings of one tag: one request.
    expect(client.calls.map((c) => c.key)).toEqual([CLI]);
    const answer = await refresher.tagDigest(tag('docker:cli'));
    expect(answer).toEqual({ status: 'verified', digest: d('a'), checkedAt: 1_000_000, previousDigests: [] });
    expect(client.calls).toHaveLength(1);
    expect(refresher.status().tags).toMatchObject([
      { name: CLI, texts: ['docker:cli', 'docker.io/library/docker:cli'], failures: 0 },
    ]);
  });

  it('fetches on demand when nothing is cached, sharing one request between callers', async () => {
    client.answers.set(CLI, { status: 'found', digest: d('b') });
    client.delayMs = 100;
    const answers = Promise.all([
      refresher.tagDigest(tag('docker:cli')),
      refresher.tagDigest(tag('docker:cli')),
    ]);
    await vi.advanceTimersByTimeAsync(100);
    expect((await answers).map((a) => a.status)).toEqual(['verified', 'verified']);
    expect(client.calls).toHaveLength(1);
  });

  it('says unreachable when the registry cannot be asked and nothing is cached', async () => {
    client.answers.set(CLI, { status: 'unreachable', error: 'connect ECONNREFUSED' });
    expect(await refresher.tagDigest(tag('docker:cli'))).toEqual({
      status: 'unreachable',
      error: 'connect ECONNREFUSED',
    });
    client.answers.set(CLI, { status: 'denied', error: 'needs docker login' });
    vi.advanceTimersByTime(MIN);
    expect(await refresher.tagDigest(tag('docker:cli'))).toEqual({
      status: 'denied',
      error: 'needs docker login',
    });
  });

  it('keeps the last verified digest when a later check fails, and says so', async () => {
    client.answers.set(CLI, { status: 'found', digest: d('a') });
    refresher.setEntries([entry('docker:cli')]);
    await refresher.refreshNow();
    client.answers.set(CLI, { status: 'unreachable', error: 'timeout' });
    vi.advanceTimersByTime(1_000);
    const summary = await refresher.refreshNow();
    expect(summary).toMatchObject({ ok: false, failures: [{ entry: CLI, error: 'timeout' }] });
    expect(await refresher.tagDigest(tag('docker:cli'))).toEqual({
      status: 'verified',
      digest: d('a'),
      checkedAt: 1_000_000,
      previousDigests: [],
      lastError: 'timeout',
    });
  });

  it('notices a moved tag and keeps the old digest beside the new one', async () => {
    const moves: DigestMove[] = [];
    refresher.on('moved', (move) => moves.push(move));
    client.answers.set(CLI, { status: 'found', digest: d('a') });
    refresher.setEntries([entry('docker:cli')]);
    await refresher.refreshNow();
    client.answers.set(CLI, { status: 'found', digest: d('b') });
    const summary = await refresher.refreshNow();
    const move = { name: CLI, previousDigest: d('a'), digest: d('b') };
    expect(summary.moved).toEqual([move]);
    expect(moves).toEqual([move]);
    expect(await refresher.tagDigest(tag('docker:cli'))).toMatchObject({
      status: 'verified',
      digest: d('b'),
      previousDigests: [d('a')],
    });
    // Moving back makes the old digest current again, not previous.
    client.answers.set(CLI, { status: 'found', digest: d('a') });
    await refresher.refreshNow();
    expect(await refresher.tagDigest(tag('docker:cli'))).toMatchObject({
      digest: d('a'),
      previousDigests: [d('b')],
    });
  });

  it('reports a tag that disappeared from the registry', async () => {
    client.answers.set(CLI, { status: 'found', digest: d('a') });
    refresher.setEntries([entry('docker:cli')]);
    await refresher.refreshNow();
    client.answers.delete(CLI);
    const summary = await refresher.refreshNow();
    expect(summary.failures).toEqual([{ entry: CLI, error: `${CLI} was not found in its registry` }]);
    expect(await refresher.tagDigest(tag('docker:cli'))).toMatchObject({
      status: 'not-found',
      previousDigests: [d('a')],
    });
  });

  it('keeps at most `concurrency` requests in flight and reports progress', async () => {
    refresher = make({ concurrency: 3 });
    client.delayMs = 50;
    const entries = Array.from({ length: 10 }, (_, i) => entry(`app${i}:1`));
    for (let i = 0; i < 10; i++)
      client.answers.set(`docker.io/library/app${i}:1`, { status: 'found', digest: d('a') });
    refresher.setEntries(entries);
    const progress: number[] = [];
    refresher.on('progress', (p) => progress.push(p.done));
    const finished = vi.fn();
    refresher.on('finished', finished);
    const run = refresher.refreshNow();
    await vi.advanceTimersByTimeAsync(10);
    expect(refresher.status()).toMatchObject({ running: true, progress: { total: 10 } });
    await vi.advanceTimersByTimeAsync(500);
    const summary = await run;
    expect(client.maxInFlight).toBe(3);
    expect(client.calls).toHaveLength(10);
    expect(progress).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(finished).toHaveBeenCalledWith(summary);
    expect(summary).toMatchObject({ ok: true, checked: 10 });
    expect(refresher.status()).toMatchObject({ running: false, lastRun: summary });
  });

  it('gives up on a request after timeoutMs even if the client never answers', async () => {
    client.answers.set(CLI, 'hang');
    const answer = refresher.tagDigest(tag('docker:cli'));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await answer).toEqual({ status: 'unreachable', error: 'docker.io: no answer within 5000 ms' });
  });

  it('rechecks healthy tags every interval and backs off exponentially on failing ones', async () => {
    refresher = make({ intervalMs: 10 * MIN, backoffBaseMs: MIN, backoffMaxMs: 5 * MIN });
    client.answers.set(CLI, { status: 'found', digest: d('a') });
    const BAD = 'registry.lan/team/app:1';
    client.answers.set(BAD, { status: 'unreachable', error: 'ENOTFOUND' });
    refresher.setEntries([entry('docker:cli'), entry('registry.lan/team/app:1')]);
    refresher.start();
    await vi.advanceTimersByTimeAsync(30 * MIN);
    const minutes = (key: string): number[] =>
      client.calls.filter((c) => c.key === key).map((c) => (c.at - 1_000_000) / MIN);
    expect(minutes(CLI)).toEqual([0, 10, 20, 30]);
    // 1, 2, 4 minutes, then capped at 5.
    expect(minutes(BAD)).toEqual([0, 1, 3, 7, 12, 17, 22, 27]);
    expect(refresher.status().nextRunAt).toBe(1_000_000 + 32 * MIN);

    // Once it recovers, the failing entry returns to the normal interval.
    client.answers.set(BAD, { status: 'found', digest: d('c') });
    await vi.advanceTimersByTimeAsync(2 * MIN);
    expect(minutes(BAD).at(-1)).toBe(32);
    expect(refresher.status().tags.find((t) => t.name === BAD)).toMatchObject({
      failures: 0,
      nextCheckAt: 1_000_000 + 42 * MIN,
    });
  });

  it('does not add a timeout to every container start while the registry is down', async () => {
    client.answers.set(CLI, { status: 'found', digest: d('a') });
    refresher.setEntries([entry('docker:cli')]);
    refresher.start();
    await vi.advanceTimersByTimeAsync(0);
    client.answers.set(CLI, 'hang');
    await vi.advanceTimersByTimeAsync(10 * MIN + 5_000); // the periodic check times out
    const calls = client.calls.length;
    const answer = await refresher.tagDigest(tag('docker:cli'));
    expect(answer).toMatchObject({
      status: 'verified',
      digest: d('a'),
      lastError: expect.stringContaining('no answer'),
    });
    expect(client.calls).toHaveLength(calls);
  });

  it('checks new entries at once after a policy change and forgets removed ones', async () => {
    client.answers.set(CLI, { status: 'found', digest: d('a') });
    client.answers.set('docker.io/library/busybox:latest', { status: 'found', digest: d('b') });
    refresher.setEntries([entry('docker:cli')]);
    refresher.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.calls.map((c) => c.key)).toEqual([CLI]);
    refresher.setEntries([entry('docker:cli'), entry('busybox')]);
    await vi.advanceTimersByTimeAsync(0);
    // Only the new entry; the known one keeps its schedule.
    expect(client.calls.map((c) => c.key)).toEqual([CLI, 'docker.io/library/busybox:latest']);
    refresher.setEntries([entry('busybox')]);
    expect(refresher.status().tags.map((t) => t.name)).toEqual(['docker.io/library/busybox:latest']);
  });

  it('stops refreshing after stop()', async () => {
    client.answers.set(CLI, { status: 'found', digest: d('a') });
    refresher.setEntries([entry('docker:cli')]);
    refresher.start();
    await vi.advanceTimersByTimeAsync(0);
    refresher.stop();
    await vi.advanceTimersByTimeAsync(60 * MIN);
    expect(client.calls).toHaveLength(1);
    expect(refresher.status()).toMatchObject({ started: false });
    expect(refresher.status().nextRunAt).toBeUndefined();
  });

  describe('digestInRepository (for name:* entries)', () => {
    const APP = 'registry.lan/team/app';
    beforeEach(() => {
      refresher = make({ negativeTtlMs: MIN });
      refresher.setEntries([entry(`${APP}:*`)]);
    });

    it('caches "found" for an interval and revalidates it on refresh', async () => {
      client.answers.set(`${APP}@${d('a')}`, { status: 'found', digest: d('a') });
      expect(await refresher.digestInRepository('registry.lan', 'team/app', d('a'))).toEqual({
        status: 'found',
        checkedAt: 1_000_000,
      });
      expect(await refresher.digestInRepository('registry.lan', 'team/app', d('a'))).toMatchObject({
        status: 'found',
      });
      expect(client.callsFor(`${APP}@${d('a')}`)).toBe(1);
      client.answers.delete(`${APP}@${d('a')}`);
      await refresher.refreshNow();
      expect(client.callsFor(`${APP}@${d('a')}`)).toBe(2);
      expect(await refresher.digestInRepository('registry.lan', 'team/app', d('a'))).toMatchObject({
        status: 'not-found',
      });
    });

    it('trusts "not found" only briefly, so a fresh push is seen soon', async () => {
      expect(await refresher.digestInRepository('registry.lan', 'team/app', d('b'))).toMatchObject({
        status: 'not-found',
      });
      client.answers.set(`${APP}@${d('b')}`, { status: 'found', digest: d('b') });
      expect(await refresher.digestInRepository('registry.lan', 'team/app', d('b'))).toMatchObject({
        status: 'not-found',
      });
      vi.advanceTimersByTime(MIN);
      expect(await refresher.digestInRepository('registry.lan', 'team/app', d('b'))).toMatchObject({
        status: 'found',
      });
    });

    it('answers with the cached result when the registry is down', async () => {
      client.answers.set(`${APP}@${d('a')}`, { status: 'found', digest: d('a') });
      await refresher.digestInRepository('registry.lan', 'team/app', d('a'));
      client.answers.set(`${APP}@${d('a')}`, { status: 'unreachable', error: 'down' });
      vi.advanceTimersByTime(10 * MIN);
      expect(await refresher.digestInRepository('registry.lan', 'team/app', d('a'))).toEqual({
        status: 'found',
        checkedAt: 1_000_000,
        lastError: 'down',
      });
    });

    it('forgets cached answers when the repository leaves the list', async () => {
      client.answers.set(`${APP}@${d('a')}`, { status: 'found', digest: d('a') });
      await refresher.digestInRepository('registry.lan', 'team/app', d('a'));
      refresher.setEntries([]);
      await refresher.digestInRepository('registry.lan', 'team/app', d('a'));
      expect(client.callsFor(`${APP}@${d('a')}`)).toBe(2);
    });
  });
});
