// Desktop notifications for denials, coalesced by denial-notices.ts; clicking one opens the history.
import { Notification } from 'electron';
import type { HistoryId } from '../../shared/history-entry.js';
import { createDenialNotifier, type DenialNotifier } from './denial-notices.js';

export function createDesktopNotifier(
  icon: string | undefined,
  onOpen: (entryId: HistoryId | undefined) => void,
): DenialNotifier {
  return createDenialNotifier({
    show(notice) {
      if (!Notification.isSupported()) return;
      const notification = new Notification({
        title: notice.title,
        body: notice.body,
        silent: false,
        ...(icon ? { icon } : {}),
      });
      notification.on('click', () => onOpen(notice.entryId));
      notification.show();
    },
  });
}
