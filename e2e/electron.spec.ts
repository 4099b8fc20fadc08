// The desktop app itself, launched with Playwright's Electron driver: window, tray and one IPC round
// trip. Machines without an Electron binary (it cannot be downloaded here) skip it and say so.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';
import type {} from '../renderer/src/ipc/choose-bridge.js';
import { electronBinary } from '../scripts/electron-binary.mjs';
import { loadStack } from '../test/integration/stack.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const binary = electronBinary();
const noBinary =
  'NOT RUN: no Electron binary on this machine (node_modules/electron has no dist/; it cannot be downloaded here)';
if (!binary) console.log(`electron.spec.ts: ${noBinary}`);

test('the app starts in the tray, opens its sandboxed window and answers over IPC', async () => {
  test.skip(!binary, noBinary);
  const stack = loadStack();
  const dir = await mkdtemp(join(tmpdir(), 'sw-electron-'));
  const app = await electron.launch({
    executablePath: binary,
    args: [root, '--show', '--no-sandbox'],
    env: {
      ...process.env,
      DOCKER_HOST: stack.dockerHost,
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_RUNTIME_DIR: dir,
      SOCKET_WARDEN_ADMIN_SETTINGS: join(dir, 'admin-settings.json'),
      SOCKET_WARDEN_TEST: '1',
    },
  });
  try {
    const page = await app.firstWindow();
    await expect(page).toHaveTitle('Socket Warden');
    // No Node in the page, and the bridge is the only thing the preload added.
    const exposed = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      bridge: Object.keys(window.socketWarden ?? {}).sort(),
    }));
    expect(exposed).toEqual({ require: 'undefined', process: 'undefined', bridge: ['invoke', 'subscribe'] });
    const tray = await app.evaluate(
      () =>
        (globalThis as { socketWardenTrayModel?: { icon: string; tooltip: string } }).socketWardenTrayModel,
    );
    expect(tray?.icon).toBe('enforcing');

    // One round trip through preload → ipcMain → engine → back, validated on both sides.
    const state = await page.evaluate(() => window.socketWarden?.invoke('getState', undefined));
    expect(state).toMatchObject({ ok: true, value: { policy: { enforcing: true } } });
    await expect(page.getByRole('heading', { name: 'Enforcement' })).toBeVisible();
    await page.screenshot({ path: join(root, 'test-output', 'e2e', 'electron-window.png') });

    // Closing the window keeps the app (and its tray) running.
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
});
