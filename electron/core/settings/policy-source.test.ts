// PolicySource decisions with explicit reload() calls (no reliance on watcher
// timing; the watcher is covered by test/integration/settings-reload.test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Policy, UserSettings } from '../../../shared/settings.js';
import { PolicySource, SettingsError, SettingsLockedError } from './policy-source.js';
import type { SettingsLog } from './settings-log.js';
import type { UserSettingsStorage } from './user-settings-store.js';

class MemoryStorage implements UserSettingsStorage {
  constructor(public value: UserSettings = {}) {}
  get(): UserSettings {
    return structuredClone(this.value);
  }
  set(next: UserSettings): void {
    this.value = structuredClone(next);
  }
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

const LOCKED = {
  configurationFileVersion: 2,
  enhancedContainerIsolation: {
    locked: true,
    value: true,
    dockerSocketMount: {
      imageList: { images: ['docker:cli'] },
      commandList: { type: 'deny', commands: ['push'] },
    },
  },
};
const UNLOCKED = {
  configurationFileVersion: 2,
  enhancedContainerIsolation: { ...LOCKED.enhancedContainerIsolation, locked: false },
};

describe('PolicySource', () => {
  let dir: string;
  let adminFile: string;
  let sources: PolicySource[];
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sw-policy-source-'));
    adminFile = path.join(dir, 'admin-settings.json');
    sources = [];
  });
  afterEach(() => {
    for (const source of sources) source.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeAdmin = (json: unknown) =>
    writeFileSync(adminFile, typeof json === 'string' ? json : JSON.stringify(json));
  async function open(userStore: UserSettingsStorage = new MemoryStorage(), log = recordingLog()) {
    // uid 0: no writable-file warnings in these tests (covered in admin-settings-file.test.ts).
    const source = await PolicySource.open({ adminFile, userStore, log, user: { uid: 0, gids: [] } });
    sources.push(source);
    return source;
  }

  it('no admin file, no user settings: enforcement on, empty lists, and a note in the log', async () => {
    const log = recordingLog();
    const source = await open(new MemoryStorage(), log);
    expect(source.current()).toEqual({
      enforcing: true,
      locked: false,
      source: 'default',
      imageList: { images: [], allowDerivedImages: false },
      commandList: { type: 'deny', commands: [] },
      socketWarden: {
        enforcement: 'enforce',
        hostProtection: { enabled: false, bindablePaths: [], exemptImages: [] },
        guardedPaths: [],
      },
    });
    expect(source.adminStatus()).toEqual({ path: adminFile, present: false, locked: false });
    expect(log.lines).toEqual([`info: no admin settings file at ${adminFile}; the user's settings apply`]);
  });

  it.each<[string, string, RegExp]>([
    ['broken JSON', '{"configurationFileVersion": 2', /invalid JSON in .*admin-settings\.json/],
    [
      'a malformed ECI section',
      JSON.stringify({
        configurationFileVersion: 2,
        enhancedContainerIsolation: { value: true, dockerSocketMount: { commandList: { type: 'block' } } },
      }),
      /enhancedContainerIsolation\.dockerSocketMount\.commandList\.type: .*"deny"\|"allow"/,
    ],
  ])('refuses to start with %s, naming the file and the field', async (_name, text, expected) => {
    writeAdmin(text);
    const opening = open();
    await expect(opening).rejects.toBeInstanceOf(SettingsError);
    await expect(opening).rejects.toThrow(expected);
    await expect(opening).rejects.toThrow(/refusing to start/);
    await expect(opening).rejects.toMatchObject({ file: adminFile });
  });

  it('refuses to start when the admin file exists but cannot be read', async () => {
    mkdirSync(adminFile);
    await expect(open()).rejects.toThrow(/cannot read the admin settings file/);
  });

  it('a locked admin file decides, whatever the user stored', async () => {
    writeAdmin(LOCKED);
    const source = await open(new MemoryStorage({ enforcing: false, imageList: { images: ['*'] } }));
    expect(source.current()).toMatchObject({
      enforcing: true,
      locked: true,
      source: 'admin',
      adminFile,
      imageList: { images: ['docker:cli'], allowDerivedImages: false },
    });
    expect(source.adminStatus()).toEqual({ path: adminFile, present: true, locked: true });
  });

  it('locked: the user cannot change the ECI settings, but may change preferences', async () => {
    writeAdmin(LOCKED);
    const storage = new MemoryStorage({ refresher: { intervalMinutes: 15 } });
    const source = await open(storage);
    let error: unknown;
    try {
      source.setUserSettings({ enforcing: false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsLockedError);
    expect(error).toMatchObject({ code: 'locked', message: expect.stringContaining(adminFile) as unknown });
    expect(storage.value).toEqual({ refresher: { intervalMinutes: 15 } });
    expect(source.current().enforcing).toBe(true);

    source.setUserSettings({ refresher: { intervalMinutes: 60 } });
    expect(storage.value).toEqual({ refresher: { intervalMinutes: 60 } });
  });

  it('unlocked: the admin values are defaults; the user edits them and a policy event follows', async () => {
    writeAdmin(UNLOCKED);
    const storage = new MemoryStorage();
    const source = await open(storage);
    expect(source.current()).toMatchObject({ locked: false, source: 'admin', enforcing: true });

    const events: Policy[] = [];
    source.on('policy', (p) => events.push(p));
    const next = source.setUserSettings({ enforcing: false, imageList: { images: ['busybox:*'] } });
    expect(next).toMatchObject({
      enforcing: false,
      source: 'user',
      imageList: { images: ['busybox:*'], allowDerivedImages: false },
      commandList: { type: 'deny', commands: ['push'] },
    });
    expect(events).toEqual([next]);
    expect(storage.value).toEqual({ enforcing: false, imageList: { images: ['busybox:*'] } });

    source.setUserSettings({ enforcing: false, imageList: { images: ['busybox:*'] } });
    expect(events).toHaveLength(1); // Unchanged policy: no event.
  });

  it('refuses invalid user settings with the field path, storing nothing', async () => {
    const storage = new MemoryStorage();
    const source = await open(storage);
    expect(() => source.setUserSettings({ commandList: { type: 'deny', commands: ['scout'] } })).toThrow(
      /user settings.*\n.*commandList\.commands\[0\]: "scout" cannot be enforced/,
    );
    expect(storage.value).toEqual({});
  });

  it('an invalid reload keeps the last good policy, reports once, and a fix applies again', async () => {
    writeAdmin(LOCKED);
    const log = recordingLog();
    const source = await open(new MemoryStorage(), log);
    const good = source.current();
    const errors: SettingsError[] = [];
    source.on('error', (e) => errors.push(e));

    writeAdmin('{"configurationFileVersion": 2, "enhancedContainerIsolation": {"value": "yes"}}');
    await source.reload();
    await source.reload();
    expect(source.current()).toBe(good);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/enhancedContainerIsolation\.value: expected a boolean/);
    expect(source.adminStatus()).toMatchObject({ present: true, locked: true, error: errors[0]?.message });
    expect(log.lines.filter((l) => l.startsWith('error: '))).toHaveLength(1);
    expect(log.lines.at(-1)).toMatch(/still enforcing the last good policy$/);

    writeAdmin(UNLOCKED);
    await source.reload();
    expect(source.current()).toMatchObject({ locked: false });
    expect(source.adminStatus().error).toBeUndefined();
  });

  it("an invalid reload with nobody listening for 'error' does not throw (the log has it)", async () => {
    writeAdmin(LOCKED);
    const source = await open();
    writeAdmin('nope');
    await expect(source.reload()).resolves.toBeUndefined();
    expect(source.current().locked).toBe(true);
  });

  it('a deleted admin file keeps its last policy (no silent unlock) until it comes back', async () => {
    writeAdmin(LOCKED);
    const log = recordingLog();
    const source = await open(new MemoryStorage({ enforcing: false }), log);
    rmSync(adminFile);
    await source.reload();
    expect(source.current()).toMatchObject({ locked: true, enforcing: true });
    expect(source.adminStatus()).toMatchObject({ present: false, locked: true });
    expect(log.lines.at(-1)).toMatch(
      /^warn: the admin settings file .* disappeared; still enforcing the last admin policy/,
    );
    expect(() => source.setUserSettings({ enforcing: false, imageList: { images: ['*'] } })).toThrow(
      SettingsLockedError,
    );

    writeAdmin({ configurationFileVersion: 2 });
    await source.reload();
    expect(source.current()).toMatchObject({ locked: false, enforcing: false, source: 'user' });
    expect(source.current().adminFile).toBeUndefined();
  });

  it('logs unrelated Docker Desktop keys once at info level', async () => {
    writeAdmin({ ...LOCKED, analyticsEnabled: { locked: true, value: false }, proxy: { mode: 'system' } });
    const log = recordingLog();
    const source = await open(new MemoryStorage(), log);
    await source.reload();
    const notes = log.lines.filter((l) => l.includes('not Socket Warden'));
    expect(notes).toEqual([
      `info: admin settings file ${adminFile}: ignoring settings that are not Socket Warden's: analyticsEnabled, proxy`,
    ]);
  });

  it('emits a status event when the admin file status changes', async () => {
    writeAdmin(LOCKED);
    const source = await open();
    const statuses: unknown[] = [];
    source.on('status', (s) => statuses.push(s));
    writeAdmin('{');
    await source.reload();
    rmSync(adminFile);
    await source.reload();
    expect(statuses).toEqual([
      expect.objectContaining({ present: true, error: expect.stringContaining('invalid JSON') as unknown }),
      { path: adminFile, present: false, locked: true },
    ]);
  });
});
