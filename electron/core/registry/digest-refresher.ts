// Keeps, in memory, the registry's digest for every `name:tag` entry of the image list, and
// answers "does this digest exist in that repository?" for `name:*` entries, with a cache.
// Refreshes on a schedule with bounded concurrency, a per-request timeout and exponential
// backoff for failing entries; notices when a tag's digest moves and keeps the old one, so the
// daemon can say "your local copy is older" rather than "not allowed".
import { EventEmitter } from 'node:events';
import { repositoryName, type ImageListEntry } from '../../../shared/image-reference.js';
import type { ManifestDigestClient, ManifestDigestResult, ManifestTarget } from './registry-client.js';
import { errorMessage } from '../../../shared/error-message.js';

export type TagEntry = Extract<ImageListEntry, { kind: 'tag' }>;
export type AnyTagEntry = Extract<ImageListEntry, { kind: 'anyTag' }>;

export type TagDigestAnswer =
  /** `digest` is what the registry last said; `lastError` is set when a later check failed. */
  | { status: 'verified'; digest: string; checkedAt: number; previousDigests: string[]; lastError?: string }
  | { status: 'not-found'; checkedAt: number; previousDigests: string[]; lastError?: string }
  /** Nothing known yet, and the registry could not be asked. */
  | { status: 'unreachable'; error: string }
  | { status: 'denied'; error: string };

export type DigestPresenceAnswer =
  | { status: 'found'; checkedAt: number; lastError?: string }
  | { status: 'not-found'; checkedAt: number; lastError?: string }
  | { status: 'unreachable'; error: string }
  | { status: 'denied'; error: string };

export interface DigestMove {
  /** 'docker.io/library/docker:cli' */
  name: string;
  previousDigest: string;
  digest: string;
}

export interface RefreshFailure {
  /** The tag ('docker.io/library/docker:cli') or digest ('docker.io/library/x@sha256:...') checked. */
  entry: string;
  error: string;
}

export interface RefreshSummary {
  startedAt: number;
  finishedAt: number;
  ok: boolean;
  checked: number;
  failures: RefreshFailure[];
  moved: DigestMove[];
}

export interface TagStatus {
  name: string;
  /** The list entries that name this tag ('docker:cli', 'docker.io/library/docker:cli'). */
  texts: string[];
  answer?: TagDigestAnswer;
  nextCheckAt: number;
  failures: number;
}

export interface RefresherStatus {
  started: boolean;
  running: boolean;
  progress: { done: number; total: number };
  lastRun?: RefreshSummary;
  nextRunAt?: number;
  tags: TagStatus[];
}

export interface DigestRefresherEvents {
  progress: [{ done: number; total: number }];
  finished: [RefreshSummary];
  moved: [DigestMove];
}

export interface DigestRefresherOptions {
  client: ManifestDigestClient;
  /** How long a registry answer is trusted before it is checked again. */
  intervalMs: number;
  /** Registry requests in flight at once. */
  concurrency: number;
  /** Per registry request. */
  timeoutMs: number;
  now?: () => number;
  /** First retry delay after a failure; doubles per failure. Default min(15 s, intervalMs). */
  backoffBaseMs?: number;
  /** Longest retry delay. Default intervalMs. */
  backoffMaxMs?: number;
  /** How long "this digest is not in the repository" is trusted. Default min(60 s, intervalMs). */
  negativeTtlMs?: number;
  /** How many earlier digests of a moved tag are remembered. Default 5. */
  maxPreviousDigests?: number;
}

type Known =
  { status: 'found'; digest: string; checkedAt: number } | { status: 'not-found'; checkedAt: number };
type Failure = { status: 'unreachable' | 'denied'; error: string; at: number };

interface CheckState {
  /** 'docker.io/library/docker:cli' or 'docker.io/library/x@sha256:...' */
  name: string;
  target: ManifestTarget;
  known?: Known;
  lastFailure?: Failure;
  failures: number;
  dueAt: number;
}
interface TagState extends CheckState {
  kind: 'tag';
  name: string;
  texts: string[];
  previousDigests: string[];
}
interface PresenceState extends CheckState {
  kind: 'presence';
  name: string;
}

const MAX_TRANSIENT = 256;

export class DigestRefresher extends EventEmitter<DigestRefresherEvents> {
  private readonly client: ManifestDigestClient;
  private readonly intervalMs: number;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxPreviousDigests: number;

  private readonly tags = new Map<string, TagState>();
  private readonly presence = new Map<string, PresenceState>();
  /** anyTag entries as 'registry/repository' names. */
  private anyTagRepositories = new Set<string>();
  private readonly inflight = new Map<TagState | PresenceState, Promise<void>>();
  /** Answers for tags and repositories outside the list (asked on demand), bounded in number. */
  private readonly transient = new Map<string, TagState | PresenceState>();

  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private nextRunAt: number | undefined;
  private runChain: Promise<unknown> = Promise.resolve();
  private running = false;
  private progress = { done: 0, total: 0 };
  private lastRun: RefreshSummary | undefined;

  constructor(options: DigestRefresherOptions) {
    super();
    this.client = options.client;
    this.intervalMs = options.intervalMs;
    this.concurrency = Math.max(1, Math.floor(options.concurrency));
    this.timeoutMs = options.timeoutMs;
    this.now = options.now ?? (() => Date.now());
    this.backoffBaseMs = options.backoffBaseMs ?? Math.min(15_000, options.intervalMs);
    this.backoffMaxMs = Math.max(options.backoffMaxMs ?? options.intervalMs, this.backoffBaseMs);
    this.negativeTtlMs = options.negativeTtlMs ?? Math.min(60_000, options.intervalMs);
    this.maxPreviousDigests = options.maxPreviousDigests ?? 5;
  }

  /** A policy change: new tags are checked at once (when started); known answers are kept. */
  setEntries(listed: readonly ImageListEntry[]): void {
    // With '*' every image is allowed without asking a registry: no entry is checked at all (docs/socket-mount-permissions.md §3).
    const entries = listed.some((entry) => entry.kind === 'any') ? [] : listed;
    const wanted = new Map<string, { entry: TagEntry; texts: string[] }>();
    const anyTag = new Set<string>();
    for (const entry of entries) {
      if (entry.kind === 'tag') {
        const name = `${repositoryName(entry)}:${entry.tag}`;
        const seen = wanted.get(name);
        if (seen) seen.texts.push(entry.text);
        else wanted.set(name, { entry, texts: [entry.text] });
      } else if (entry.kind === 'anyTag') {
        anyTag.add(repositoryName(entry));
      }
      // 'any' needs no registry; 'digest' entries are compared with the engine's RepoDigests.
    }
    for (const name of this.tags.keys()) if (!wanted.has(name)) this.tags.delete(name);
    for (const [name, { entry, texts }] of wanted) {
      const state = this.tags.get(name);
      const kept = this.transient.get(name);
      this.transient.delete(name);
      if (state) state.texts = texts;
      else if (kept?.kind === 'tag') {
        // Adopt the on-demand answer (same object, so a request in flight still lands in it).
        kept.texts = texts;
        kept.dueAt = Math.min(kept.dueAt, this.now());
        this.tags.set(name, kept);
      } else this.tags.set(name, this.newTagState(entry, name, texts));
    }
    this.anyTagRepositories = anyTag;
    for (const [name, state] of this.presence) {
      if (!anyTag.has(repositoryName(state.target))) this.presence.delete(name);
    }
    if (this.started) void this.enqueueRun('due');
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.enqueueRun('due');
  }

  stop(): void {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextRunAt = undefined;
  }

  /** Checks every tag and every cached digest now, whatever their schedule. */
  refreshNow(): Promise<RefreshSummary> {
    return this.enqueueRun('all');
  }

  async tagDigest(entry: TagEntry): Promise<TagDigestAnswer> {
    const name = `${repositoryName(entry)}:${entry.tag}`;
    let state = this.tags.get(name);
    if (!state) {
      // Not (or no longer) in the list: answer, but do not keep it on the schedule.
      const kept = this.transient.get(name);
      state = kept?.kind === 'tag' ? kept : this.newTagState(entry, name, [entry.text]);
      this.keepTransient(state);
    }
    if (this.shouldAskNow(state, this.intervalMs)) await this.check(state);
    return this.tagAnswer(state);
  }

  async digestInRepository(
    registry: string,
    repository: string,
    digest: string,
  ): Promise<DigestPresenceAnswer> {
    const name = `${registry}/${repository}@${digest}`;
    let state = this.presence.get(name);
    if (!state) {
      const kept = this.transient.get(name);
      state =
        kept?.kind === 'presence'
          ? kept
          : {
              kind: 'presence',
              name,
              target: { registry, repository, reference: digest },
              failures: 0,
              dueAt: this.now(),
            };
      if (this.anyTagRepositories.has(`${registry}/${repository}`)) {
        this.transient.delete(name);
        this.presence.set(name, state);
      } else {
        this.keepTransient(state);
      }
    }
    const ttl = state.known?.status === 'not-found' ? this.negativeTtlMs : this.intervalMs;
    if (this.shouldAskNow(state, ttl)) await this.check(state);
    return presenceAnswer(state);
  }

  status(): RefresherStatus {
    const status: RefresherStatus = {
      started: this.started,
      running: this.running,
      progress: { ...this.progress },
      tags: [...this.tags.values()].map((state) => {
        const tag: TagStatus = {
          name: state.name,
          texts: [...state.texts],
          nextCheckAt: state.dueAt,
          failures: state.failures,
        };
        if (state.known || state.lastFailure) tag.answer = this.tagAnswer(state);
        return tag;
      }),
    };
    if (this.lastRun) status.lastRun = this.lastRun;
    if (this.nextRunAt !== undefined) status.nextRunAt = this.nextRunAt;
    return status;
  }

  private keepTransient(state: TagState | PresenceState): void {
    this.transient.delete(state.name);
    this.transient.set(state.name, state);
    // Oldest first: Map keeps insertion order.
    for (const name of this.transient.keys()) {
      if (this.transient.size <= MAX_TRANSIENT) break;
      this.transient.delete(name);
    }
  }

  private newTagState(entry: TagEntry, name: string, texts: string[]): TagState {
    return {
      kind: 'tag',
      name,
      texts,
      target: { registry: entry.registry, repository: entry.repository, reference: entry.tag },
      previousDigests: [],
      failures: 0,
      dueAt: this.now(),
    };
  }

  /**
   * On-demand checks: ask when nothing is known or the answer is older than `ttl`, except while
   * backing off from a failure that left an older answer to use (a dead registry must not add a
   * timeout to every container start) or that happened moments ago.
   */
  private shouldAskNow(state: CheckState, ttl: number): boolean {
    const now = this.now();
    if (state.lastFailure && now - state.lastFailure.at < this.backoffBaseMs) return false;
    if (!state.known) return true;
    if (now - state.known.checkedAt < ttl) return false;
    return !(state.lastFailure && state.dueAt > now);
  }

  private tagAnswer(state: TagState): TagDigestAnswer {
    const { known, lastFailure } = state;
    if (!known) {
      if (lastFailure) return { status: lastFailure.status, error: lastFailure.error };
      return { status: 'unreachable', error: `${state.name} has not been checked yet` };
    }
    const previousDigests = [...state.previousDigests];
    const answer: TagDigestAnswer =
      known.status === 'found'
        ? { status: 'verified', digest: known.digest, checkedAt: known.checkedAt, previousDigests }
        : { status: 'not-found', checkedAt: known.checkedAt, previousDigests };
    if (lastFailure && lastFailure.at > known.checkedAt) answer.lastError = lastFailure.error;
    return answer;
  }

  /** One registry request per state at a time; concurrent callers share it. */
  private check(state: TagState | PresenceState): Promise<void> {
    let pending = this.inflight.get(state);
    if (!pending) {
      pending = this.ask(state.target)
        .then((result) => this.record(state, result))
        .finally(() => this.inflight.delete(state));
      this.inflight.set(state, pending);
    }
    return pending;
  }

  /** The client call, bounded by the timeout even if the client ignores its signal. */
  private async ask(target: ManifestTarget): Promise<ManifestDigestResult> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ManifestDigestResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({
          status: 'unreachable',
          error: `${target.registry}: no answer within ${this.timeoutMs} ms`,
        });
      }, this.timeoutMs);
    });
    try {
      const call = this.client
        .manifestDigest(target, { signal: controller.signal })
        .catch((error: unknown): ManifestDigestResult => ({
          status: 'unreachable',
          error: errorMessage(error),
        }));
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private record(state: TagState | PresenceState, result: ManifestDigestResult): void {
    const now = this.now();
    if (result.status === 'unreachable' || result.status === 'denied') {
      state.failures += 1;
      state.lastFailure = { status: result.status, error: result.error, at: now };
      state.dueAt = now + Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (state.failures - 1));
      return;
    }
    state.failures = 0;
    delete state.lastFailure;
    state.dueAt =
      now +
      (result.status === 'not-found' && state.kind === 'presence' ? this.negativeTtlMs : this.intervalMs);
    const before = state.known;
    state.known =
      result.status === 'found'
        ? { status: 'found', digest: result.digest, checkedAt: now }
        : { status: 'not-found', checkedAt: now };
    if (state.kind === 'tag') {
      const tag = state;
      if (before?.status === 'found' && (result.status !== 'found' || before.digest !== result.digest)) {
        tag.previousDigests = [
          before.digest,
          ...tag.previousDigests.filter((d) => d !== before.digest),
        ].slice(0, this.maxPreviousDigests);
        if (result.status === 'found') {
          this.emit('moved', { name: tag.name, previousDigest: before.digest, digest: result.digest });
        }
      }
      // A tag that moved back is current again, not previous.
      if (result.status === 'found')
        tag.previousDigests = tag.previousDigests.filter((d) => d !== result.digest);
    }
  }

  private enqueueRun(scope: 'due' | 'all'): Promise<RefreshSummary> {
    const run = this.runChain.then(() => this.run(scope));
    this.runChain = run.catch(() => undefined);
    return run;
  }

  private async run(scope: 'due' | 'all'): Promise<RefreshSummary> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const startedAt = this.now();
    const failures: RefreshFailure[] = [];
    const moved: DigestMove[] = [];
    // Moves noticed while this run is on, by it or by an on-demand check it joined.
    const onMoved = (move: DigestMove): void => void moved.push(move);
    this.on('moved', onMoved);
    const isDue = (state: CheckState): boolean => scope === 'all' || state.dueAt <= startedAt;

    // Only "found" answers under a current anyTag entry are kept fresh; the rest age out.
    for (const [name, state] of this.presence) {
      const covered = this.anyTagRepositories.has(repositoryName(state.target));
      const lastHeard = Math.max(state.known?.checkedAt ?? 0, state.lastFailure?.at ?? 0);
      if ((!covered || state.known?.status !== 'found') && startedAt - lastHeard >= this.intervalMs) {
        this.presence.delete(name);
      }
    }
    const tagStates = [...this.tags.values()].filter(isDue);
    const presenceStates = [...this.presence.values()].filter((s) => s.known?.status === 'found' && isDue(s));
    const total = tagStates.length + presenceStates.length;
    this.running = true;
    this.progress = { done: 0, total };
    this.emit('progress', { ...this.progress });

    const tasks: (() => Promise<void>)[] = [
      ...tagStates.map((state) => async () => {
        await this.check(state);
        if (this.tags.get(state.name) !== state) return; // removed from the list meanwhile
        if (state.lastFailure && state.lastFailure.at >= startedAt)
          failures.push({ entry: state.name, error: state.lastFailure.error });
        else if (state.known?.status === 'not-found')
          failures.push({ entry: state.name, error: `${state.name} was not found in its registry` });
      }),
      ...presenceStates.map((state) => async () => {
        await this.check(state);
        if (state.lastFailure && state.lastFailure.at >= startedAt)
          failures.push({ entry: state.name, error: state.lastFailure.error });
      }),
    ];
    const next = (): (() => Promise<void>) | undefined => tasks.shift();
    const worker = async (): Promise<void> => {
      for (let task = next(); task; task = next()) {
        await task();
        this.progress = { done: this.progress.done + 1, total };
        this.emit('progress', { ...this.progress });
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.concurrency, tasks.length) }, worker));
    } finally {
      this.off('moved', onMoved);
      this.running = false;
      this.schedule();
    }
    const summary: RefreshSummary = {
      startedAt,
      finishedAt: this.now(),
      ok: failures.length === 0,
      checked: total,
      failures,
      moved,
    };
    this.lastRun = summary;
    this.emit('finished', summary);
    return summary;
  }

  /** Sleeps until the earliest due check. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextRunAt = undefined;
    if (!this.started) return;
    const dues = [
      ...this.tags.values(),
      ...[...this.presence.values()].filter((s) => s.known?.status === 'found'),
    ].map((s) => s.dueAt);
    if (dues.length === 0) return;
    const at = Math.max(Math.min(...dues), this.now());
    this.nextRunAt = at;
    this.timer = setTimeout(() => void this.enqueueRun('due'), at - this.now());
    this.timer.unref();
  }
}

function presenceAnswer(state: PresenceState): DigestPresenceAnswer {
  const { known, lastFailure } = state;
  if (!known) {
    if (lastFailure) return { status: lastFailure.status, error: lastFailure.error };
    return { status: 'unreachable', error: `${state.name} has not been checked yet` };
  }
  const answer: { status: 'found' | 'not-found'; checkedAt: number; lastError?: string } = {
    status: known.status,
    checkedAt: known.checkedAt,
  };
  if (lastFailure && lastFailure.at > known.checkedAt) answer.lastError = lastFailure.error;
  return answer;
}
