// Real-filesystem test of the admin file watcher: changes are picked up
// without a restart, whichever way the file is written. Needs no engine.
import type { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../shared/settings.js';
import {
  PolicySource,
  type PolicySourceEvents,
  type PolicySourceOptions,
} from '../../electron/core/settings/policy-source.js';
import type { SettingsLog } from '../../electron/core/settings/settings-log.js';
import { UserSettingsStore } from '../../electron/core/settings/user-settings-store.js';

const WAIT_MS = 5_000;

function adminJson(locked: boolean, images: string[], value = true): string {
  return JSON.stringify({
    configurationFileVersion: 2,
    enhancedContainerIsolation: { locked, value, dockerSocketMount: { imageList: { images } } },
  });
}

function recordingLog(): SettingsLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

function next<E extends keyof PolicySourceEvents>(
  source: PolicySource,
  event: E,
): Promise<PolicySourceEvents[E][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' event within ${WAIT_MS} ms`)), WAIT_MS);
    const listener = (value: PolicySourceEvents[E][0]) => {
      clearTimeout(timer);
      resolve(value);
    };
    (source as EventEmitter).once(event, listener);
  });
}

/** Resolves if no event of that kind arrives within ms. */
function quiet(source: PolicySource, event: 'policy' | 'error', ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = () => reject(new Error(`unexpected '${event}' event`));
    source.once(event, fail);
    setTimeout(() => {
      source.off(event, fail);
      resolve();
    }, ms);
  });
}

describe('admin settings reload on a real file system', () => {
  let dir: string;
  let adminDir: string;
  let adminFile: string;
  let dataDir: string;
  let sources: PolicySource[];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sw-settings-reload-'));
    adminDir = path.join(dir, 'etc');
    mkdirSync(adminDir);
    adminFile = path.join(adminDir, 'admin-settings.json');
    dataDir = path.join(dir, 'data');
    sources = [];
  });
  afterEach(() => {
    for (const source of sources) source.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(options: Partial<PolicySourceOptions> = {}) {
    const log = (options.log as ReturnType<typeof recordingLog> | undefined) ?? recordingLog();
    const source = await PolicySource.open({
      adminFile,
      userStore: UserSettingsStore.open({ dataDir, log }),
      log,
      debounceMs: 50,
      pollIntervalMs: 100,
      user: { uid: 0, gids: [] },
      ...options,
    });
    sources.push(source);
    return { source, log };
  }

  it('valid → invalid keeps the last good policy → fixed reloads, without a restart', async () => {
    writeFileSync(adminFile, adminJson(true, ['docker:cli']));
    const { source, log } = await open();
    const good = source.current();
    expect(good).toMatchObject({ locked: true, imageList: { images: ['docker:cli'] } });

    const error = next(source, 'error');
    writeFileSync(
      adminFile,
      '{"configurationFileVersion": 2, "enhancedContainerIsolation": {"value": true, "dockerSocketMount": {"imageList": {"images": ["ok", "not ok"]}}}}',
    );
    expect((await error).message).toMatch(
      new RegExp(
        `${adminFile}.*\\n.*enhancedContainerIsolation\\.dockerSocketMount\\.imageList\\.images\\[1\\]: "not ok"`,
      ),
    );
    expect(source.current()).toBe(good);
    expect(source.adminStatus().error).toBeDefined();
    expect(
      log.lines.some((l) => l.startsWith('error: ') && l.endsWith('still enforcing the last good policy')),
    ).toBe(true);

    const policy = next(source, 'policy');
    writeFileSync(adminFile, adminJson(true, ['docker:cli', 'busybox:*']));
    expect(await policy).toMatchObject({ locked: true, imageList: { images: ['docker:cli', 'busybox:*'] } });
    expect(source.adminStatus().error).toBeUndefined();
  });

  it('picks up a file replaced by rename (atomic writers, editors)', async () => {
    writeFileSync(adminFile, adminJson(true, ['docker:cli']));
    const { source } = await open();

    let policy = next(source, 'policy');
    const temporary = path.join(adminDir, '.admin-settings.json.tmp');
    writeFileSync(temporary, adminJson(true, ['a:1']));
    renameSync(temporary, adminFile);
    expect(await policy).toMatchObject({ imageList: { images: ['a:1'] } });

    // vim-style: move the original to a backup, then write a new file under the name.
    policy = next(source, 'policy');
    renameSync(adminFile, `${adminFile}~`);
    writeFileSync(adminFile, adminJson(true, ['b:2']));
    expect(await policy).toMatchObject({ imageList: { images: ['b:2'] } });
  });

  it('coalesces a burst of writes into one reload of the final content', async () => {
    writeFileSync(adminFile, adminJson(true, ['docker:cli']));
    const { source } = await open({ debounceMs: 300 });
    const seen: Policy[] = [];
    source.on('policy', (p) => seen.push(p));
    const policy = next(source, 'policy');
    for (let i = 1; i <= 5; i += 1) writeFileSync(adminFile, adminJson(true, [`img:${i}`]));
    expect(await policy).toMatchObject({ imageList: { images: ['img:5'] } });
    await quiet(source, 'policy', 500);
    expect(seen).toHaveLength(1);
  });

  it('a file deleted while running keeps its policy until it comes back; a restart without it has none', async () => {
    writeFileSync(adminFile, adminJson(true, ['docker:cli']));
    const { source, log } = await open();

    const status = next(source, 'status');
    rmSync(adminFile);
    expect(await status).toMatchObject({ present: false, locked: true });
    expect(source.current()).toMatchObject({ locked: true, imageList: { images: ['docker:cli'] } });
    expect(log.lines.some((l) => l.startsWith('warn: ') && l.includes('disappeared'))).toBe(true);

    const policy = next(source, 'policy');
    writeFileSync(adminFile, adminJson(false, ['busybox:*'], false));
    expect(await policy).toMatchObject({
      locked: false,
      enforcing: false,
      imageList: { images: ['busybox:*'] },
    });

    rmSync(adminFile);
    source.close();
    const restarted = await open();
    expect(restarted.source.current()).toMatchObject({ source: 'default', locked: false, enforcing: true });
  });

  it('a missing file at start means no admin policy; a file that appears later applies', async () => {
    const { source } = await open();
    expect(source.current()).toMatchObject({ source: 'default', locked: false });
    const policy = next(source, 'policy');
    writeFileSync(adminFile, adminJson(true, ['docker:cli']));
    expect(await policy).toMatchObject({ source: 'admin', locked: true });
  });

  it('watches a directory that does not exist yet (stat polling backstop)', async () => {
    rmSync(adminDir, { recursive: true });
    const { source } = await open();
    const policy = next(source, 'policy');
    mkdirSync(adminDir);
    writeFileSync(adminFile, adminJson(true, ['docker:cli']));
    expect(await policy).toMatchObject({ locked: true });
  });

  it('refuses to start with an invalid file, and starts once it is fixed', async () => {
    writeFileSync(
      adminFile,
      '{"configurationFileVersion": 2, "enhancedContainerIsolation": {"locked": true}}',
    );
    await expect(open()).rejects.toThrow(/enhancedContainerIsolation\.value: expected a boolean/);
    writeFileSync(adminFile, adminJson(true, []));
    await expect(open()).resolves.toBeDefined();
  });

  it('user settings edits apply when unlocked, survive a restart, and admin reloads keep them', async () => {
    writeFileSync(adminFile, adminJson(false, ['docker:cli']));
    const { source } = await open();
    source.setUserSettings({ imageList: { images: ['busybox:*'] } });
    expect(source.current().imageList.images).toEqual(['busybox:*']);

    const policy = next(source, 'policy');
    writeFileSync(adminFile, adminJson(false, ['docker:cli'], false));
    expect(await policy).toMatchObject({
      enforcing: false,
      imageList: { images: ['busybox:*'] },
      source: 'user',
    });

    source.close();
    const restarted = await open();
    expect(restarted.source.current()).toMatchObject({
      enforcing: false,
      imageList: { images: ['busybox:*'] },
    });
  });

  it('warns loudly when the admin file is writable by the non-root user, and notices the fix', async () => {
    writeFileSync(adminFile, adminJson(true, ['docker:cli']));
    chmodSync(adminFile, 0o666);
    const log = recordingLog();
    const { source } = await open({ log, user: { uid: 65534, gids: [] } });
    expect(source.adminStatus().writableWarning).toContain('is writable (mode 0666)');
    expect(log.lines.filter((l) => l.startsWith('warn: WARNING: '))).toHaveLength(1);

    const status = next(source, 'status');
    chmodSync(adminFile, 0o644);
    expect((await status).writableWarning).toBeUndefined();
  });
});
