// Turns the stream of denials into desktop notices: one notice per denial when they are rare, one
// summary when many arrive together (a CI job retrying in a loop must not bury the desktop). Pure:
// the timer and the display are injected.
import type { HistoryEntry, HistoryId, HistoryReason } from '../../shared/history-entry.js';

export interface DenialNotice {
  title: string;
  body: string;
  /** Which history entry clicking the notice opens; absent for a summary (opens the history). */
  entryId?: HistoryId;
}

export interface DenialNotifierOptions {
  show: (notice: DenialNotice) => void;
  /** How long to gather denials before showing them. */
  windowMs?: number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export interface DenialNotifier {
  push(entry: HistoryEntry): void;
  /** Shows what is pending now (e.g. before quitting) and stops the timer. */
  flush(): void;
}

const reasonText: Record<HistoryReason, string> = {
  'not-allowed': 'image is not in the allowed list',
  'digest-mismatch': 'local image no longer matches the registry digest',
  'registry-unreachable': 'registry unreachable, image could not be verified',
  'local-only': 'local-only image, not derived from an allowed one',
  'parent-missing': 'allowed parent image is not present locally',
  'beyond-allowance': 'it would hand the container more of the host than allowed',
  'command-blocked': 'blocked by the command list',
  malformed: 'request could not be understood',
};

export function createDenialNotifier(options: DenialNotifierOptions): DenialNotifier {
  const windowMs = options.windowMs ?? 1500;
  const setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
  const clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  let pending: HistoryEntry[] = [];
  let timer: unknown;

  const flush = () => {
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    const notice = noticeFor(batch);
    if (notice) options.show(notice);
  };

  return {
    push(entry) {
      pending.push(entry);
      timer ??= setTimer(flush, windowMs);
    },
    flush,
  };
}

export function noticeFor(batch: readonly HistoryEntry[]): DenialNotice | undefined {
  const [first] = batch;
  if (!first) return undefined;
  if (batch.length === 1) {
    const who =
      first.requester.kind === 'container'
        ? `container ${first.requester.name || first.requester.id.slice(0, 12)}`
        : 'the host';
    const title = first.kind === 'command-blocked' ? 'Docker command blocked' : 'Docker socket mount denied';
    const subject =
      first.kind === 'command-blocked'
        ? `${first.request.method} ${first.request.uri}`
        : (first.image ?? 'unknown image');
    return { title, body: `${subject}\nfrom ${who}: ${reasonText[first.reason]}`, entryId: first.id };
  }
  const images = [...new Set(batch.map((entry) => entry.image ?? entry.request.uri))];
  const named = images.slice(0, 3).join(', ') + (images.length > 3 ? `, and ${images.length - 3} more` : '');
  return { title: `${batch.length} Docker requests denied`, body: named };
}
