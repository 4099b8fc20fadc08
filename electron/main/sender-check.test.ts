import { describe, expect, it } from 'vitest';
import { isTrustedSender } from './sender-check.js';

const trusted = {
  windowId: 3,
  pageUrl: 'file:///opt/Socket%20Warden/resources/app.asar/dist/renderer/index.html',
};
const ok = { senderId: 3, frameUrl: `${trusted.pageUrl}#history`, isMainFrame: true };

describe('isTrustedSender', () => {
  it('accepts the settings window on its own page, whatever view it shows', () => {
    expect(isTrustedSender(ok, trusted)).toBe(true);
  });

  it.each([
    ['another webContents', { ...ok, senderId: 4 }],
    ['a sub-frame of the window', { ...ok, isMainFrame: false }],
    ['a frame that is gone', { ...ok, frameUrl: undefined }],
    ['another local file', { ...ok, frameUrl: 'file:///tmp/evil.html' }],
    ['a web page', { ...ok, frameUrl: 'https://example.com/dist/renderer/index.html' }],
    ['our page with a query string', { ...ok, frameUrl: `${trusted.pageUrl}?x=1` }],
  ])('refuses %s', (_what, sender) => {
    expect(isTrustedSender(sender, trusted)).toBe(false);
  });

  it('refuses everything while no window exists', () => {
    expect(isTrustedSender(ok, { ...trusted, windowId: undefined })).toBe(false);
  });
});
