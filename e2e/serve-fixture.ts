// Starts the real `socket-warden serve --ui` against the test stack's engine, each scenario with its
// own guarded socket, data dir and admin settings file, and stops it afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base } from '@playwright/test';
import { docker, loadStack, type CliResult, type TestStack } from '../test/integration/stack.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Warden {
  stack: TestStack;
  /** The pane's URL with its token. */
  url: string;
  token: string;
  /** Path of the guarded socket. */
  listen: string;
  /** unix:// URL of the guarded socket. */
  host: string;
  adminFile: string;
  dir: string;
  /** Runs the docker CLI through the guarded socket. */
  docker(args: string[], options?: { input?: string }): Promise<CliResult>;
  /** Runs the docker CLI against the engine directly (test setup, never judged). */
  engine(args: string[], options?: { input?: string }): Promise<CliResult>;
  /** Writes the admin settings file (the engine watches it). */
  writeAdmin(eci: Record<string, unknown> | undefined): Promise<void>;
  /** Calls the contract over HTTP, as the pane does. */
  call(name: string, input?: unknown): Promise<unknown>;
  output(): string;
}

export async function startWarden(
  admin?: Record<string, unknown>,
): Promise<{ warden: Warden; stop(): Promise<void> }> {
  const stack = loadStack();
  const dir = await mkdtemp(join(tmpdir(), 'sw-e2e-'));
  const listen = join(dir, 'docker.sock');
  const adminFile = join(dir, 'admin-settings.json');
  const writeAdmin = async (eci: Record<string, unknown> | undefined) => {
    await writeFile(
      adminFile,
      JSON.stringify(
        { configurationFileVersion: 2, ...(eci ? { enhancedContainerIsolation: eci } : {}) },
        null,
        2,
      ),
    );
  };
  await writeAdmin(admin);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'bin/socket-warden.js',
      'serve',
      '--upstream',
      stack.dockerSocket,
      '--listen',
      listen,
      '--data-dir',
      join(dir, 'data'),
      '--admin-settings',
      adminFile,
      '--ui',
      '--ui-port',
      '0',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve --ui printed no UI line within 30 s:\n${output}`)),
      30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      // serve prints the address without its token and names the 0600 file that holds it whole.
      const found = /UI: (http:\/\/\S+) \(open the address in (\S+),/.exec(output);
      if (found?.[2] && !named) {
        // Read once: a later chunk (the shutdown's lines) would match again and read a file the
        // stopping daemon has removed, an unhandled rejection charged to whichever test runs then.
        named = true;
        clearTimeout(timer);
        resolve(readFile(found[2], 'utf8').then((text) => text.trim()));
      }
    };
    let named = false;
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing its UI line:\n${output}`));
    });
  });
  const token = new URL(url).searchParams.get('token') ?? '';
  const host = `unix://${listen}`;
  const warden: Warden = {
    stack,
    url,
    token,
    listen,
    host,
    adminFile,
    dir,
    docker: (args, options) => docker(host, args, options),
    engine: (args, options) => docker(stack.dockerHost, args, options),
    writeAdmin,
    async call(name, input) {
      const response = await fetch(new URL(`/api/call/${name}`, url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ input }),
      });
      return response.json();
    },
    output: () => output,
  };
  return {
    warden,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A Playwright test with a fresh `serve --ui` per test. */
export const test = base.extend<{ warden: Warden }>({
  // Playwright reads a fixture's dependencies from this pattern; this one has none.
  // eslint-disable-next-line no-empty-pattern
  warden: async ({}, use) => {
    const { warden, stop } = await startWarden();
    await use(warden);
    await stop();
  },
});

export { expect } from '@playwright/test';

/** A name no other test run uses, for images and containers this test creates. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

/** Retries `attempt` until it returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(
  attempt: () => Promise<boolean>,
  timeoutMs = 30_000,
  stepMs = 1000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await attempt()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

export const screenshotDir = fileURLToPath(new URL('../test-output/e2e/', import.meta.url));
