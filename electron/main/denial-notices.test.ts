import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../shared/history-entry.js';
import { createDenialNotifier, noticeFor, type DenialNotice } from './denial-notices.js';

const entry = (id: number, patch: Partial<HistoryEntry> = {}): HistoryEntry => ({
  id,
  time: '2026-01-02T14:00:00.000Z',
  kind: 'socket-mount-denied',
  requester: { kind: 'host' },
  request: { method: 'POST', uri: '/v1.41/containers/create' },
  image: `docker.io/library/img${id}:latest`,
  reason: 'not-allowed',
  message: 'denied',
  ...patch,
});

function harness() {
  const shown: DenialNotice[] = [];
  let run: (() => void) | undefined;
  const notifier = createDenialNotifier({
    show: (notice) => shown.push(notice),
    setTimer: (fn) => (run = fn),
    clearTimer: () => (run = undefined),
  });
  return { shown, notifier, elapse: () => run?.() };
}

describe('denial notices', () => {
  it('shows one denial as one notice that opens its history entry', () => {
    const { shown, notifier, elapse } = harness();
    notifier.push(entry(7));
    expect(shown).toHaveLength(0);
    elapse();
    expect(shown).toEqual([
      {
        title: 'Docker socket mount denied',
        body: 'docker.io/library/img7:latest\nfrom the host: image is not in the allowed list',
        entryId: 7,
      },
    ]);
  });

  it('coalesces a burst into one summary', () => {
    const { shown, notifier, elapse } = harness();
    for (let id = 1; id <= 30; id++) notifier.push(entry(id));
    elapse();
    expect(shown).toHaveLength(1);
    expect(shown[0]?.title).toBe('30 Docker requests denied');
    expect(shown[0]?.body).toBe(
      'docker.io/library/img1:latest, docker.io/library/img2:latest, docker.io/library/img3:latest, and 27 more',
    );
    expect(shown[0]?.entryId).toBeUndefined();
  });

  it('starts a new window after showing', () => {
    const { shown, notifier, elapse } = harness();
    notifier.push(entry(1));
    elapse();
    notifier.push(entry(2));
    elapse();
    expect(shown.map((notice) => notice.entryId)).toEqual([1, 2]);
  });

  it('names the container and the command for a blocked command', () => {
    const notice = noticeFor([
      entry(3, {
        kind: 'command-blocked',
        reason: 'command-blocked',
        requester: {
          kind: 'container',
          id: 'abcdef0123456789',
          name: 'ci',
          image: 'docker.io/library/docker:cli',
        },
        request: { method: 'POST', uri: '/v1.41/images/app/push?tag=1' },
      }),
    ]);
    expect(notice?.title).toBe('Docker command blocked');
    expect(notice?.body).toBe(
      'POST /v1.41/images/app/push?tag=1\nfrom container ci: blocked by the command list',
    );
  });

  it('flush shows what is pending without waiting', () => {
    const { shown, notifier } = harness();
    notifier.push(entry(1));
    notifier.flush();
    expect(shown).toHaveLength(1);
    notifier.flush();
    expect(shown).toHaveLength(1);
  });
});
