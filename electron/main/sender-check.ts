// Only the app's own window, showing the app's own page in its main frame, may call the engine:
// not a frame it embeds, not a page it was navigated to. Pure.

export interface SenderFacts {
  /** webContents id of the caller. */
  senderId: number;
  /** URL of the frame that sent the message; undefined when the frame is gone. */
  frameUrl: string | undefined;
  isMainFrame: boolean;
}

export interface TrustedPage {
  /** webContents id of the settings window, undefined while it does not exist. */
  windowId: number | undefined;
  /** file:// URL of dist/renderer/index.html. */
  pageUrl: string;
}

export function isTrustedSender(sender: SenderFacts, trusted: TrustedPage): boolean {
  if (trusted.windowId === undefined || sender.senderId !== trusted.windowId) return false;
  if (!sender.isMainFrame || !sender.frameUrl) return false;
  try {
    const frame = new URL(sender.frameUrl);
    const page = new URL(trusted.pageUrl);
    // The hash carries the view (#history); everything else must be exactly our page.
    return (
      frame.protocol === page.protocol &&
      frame.host === page.host &&
      frame.pathname === page.pathname &&
      frame.search === ''
    );
  } catch {
    return false;
  }
}
