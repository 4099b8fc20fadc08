import { defineConfig } from '@playwright/test';

// The pane in Debian's Chromium against the real `socket-warden serve --ui`, engine and registry of
// the test stack; and the Electron app where an Electron binary exists.
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../test-output/e2e/results',
  // One shared dockerd: scenarios run one after another.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    viewport: { width: 1280, height: 820 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'pane', testIgnore: 'electron.spec.ts' },
    { name: 'electron', testMatch: 'electron.spec.ts' },
  ],
});
