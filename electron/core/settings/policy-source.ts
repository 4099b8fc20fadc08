// The one place the engine gets its policy from: the admin file combined with
// the user's settings, reloaded when the admin file changes.
//
// Fail-closed rules:
// - invalid or unreadable admin file at start: open() throws (refuse to start,
//   never start unguarded);
// - invalid admin file while running: keep enforcing the last good policy;
// - admin file deleted while running: keep the last admin policy (a deletion
//   we cannot tell from an accident or from a user working around a lock must
//   not silently unlock) until it comes back or Socket Warden restarts; a
//   restart without the file means "no admin policy", as at any start.
import { EventEmitter } from 'node:events';
import { watch, watchFile, unwatchFile, type FSWatcher, type Stats } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  formatSettingsError,
  resolvePolicy,
  userSettingsSchema,
  type AdminEci,
  type SocketWardenSettings,
  type Policy,
  type UserSettings,
} from '../../../shared/settings.js';
import { checkAdminFileOwnership, readAdminSettingsFile } from './admin-settings-file.js';
import type { SettingsLog } from './settings-log.js';
import type { UserSettingsStorage } from './user-settings-store.js';
import { errorMessage } from '../../../shared/error-message.js';

/** An admin file or user settings problem; the message names the file, the field and what was expected. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** The user tried to change settings the admin file locks. */
export class SettingsLockedError extends Error {
  override name = 'SettingsLockedError';
  readonly code = 'locked';
}

export interface AdminStatus {
  path: string;
  /** Whether the file exists right now (a deleted file's last policy may still apply). */
  present: boolean;
  /** Whether the policy in force is locked by the admin file. */
  locked: boolean;
  /** Why the file on disk is not being applied, when it is invalid. */
  error?: string;
  /** Set when the user running us could change the admin file. */
  writableWarning?: string;
}

export interface PolicySourceOptions {
  adminFile: string;
  /** Managed mode (Socket Warden is the host's Docker socket): host protection is on by default. */
  managed?: boolean;
  userStore: UserSettingsStorage;
  log: SettingsLog;
  /** Quiet time after the last change event before reloading (editors write in several steps). */
  debounceMs?: number;
  /** Stat-polling interval of the backstop watcher (directory missing, watcher lost, network file systems). */
  pollIntervalMs?: number;
  /** Who we run as, for the writable-file warning; defaults to this process. */
  user?: { uid: number; gids: readonly number[] };
}

export type PolicySourceEvents = {
  policy: [policy: Policy];
  error: [error: SettingsError];
  /** The admin file's status changed (became invalid or valid again, disappeared, writable warning). */
  status: [status: AdminStatus];
};

export class PolicySource extends EventEmitter<PolicySourceEvents> {
  readonly #adminFile: string;
  readonly #userStore: UserSettingsStorage;
  readonly #log: SettingsLog;
  readonly #debounceMs: number;
  readonly #pollIntervalMs: number;
  readonly #user: { uid: number; gids: readonly number[] } | undefined;

  /** The last admin section that validated (undefined: no admin policy). */
  #adminEci: AdminEci | undefined;
  #adminWarden: SocketWardenSettings | undefined;
  readonly #managed: boolean;
  #present = false;
  #error: string | undefined;
  #writableWarning: string | undefined;
  #unrelatedKeys = '';
  #policy!: Policy;

  #dirWatcher: FSWatcher | undefined;
  #pollListener: ((current: Stats, previous: Stats) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(options: PolicySourceOptions) {
    super();
    this.#adminFile = path.resolve(options.adminFile);
    this.#managed = options.managed === true;
    this.#userStore = options.userStore;
    this.#log = options.log;
    this.#debounceMs = options.debounceMs ?? 250;
    this.#pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.#user = options.user ?? currentUser();
  }

  /** Reads both sources and starts watching. Throws SettingsError when the admin file is invalid or unreadable. */
  static async open(options: PolicySourceOptions): Promise<PolicySource> {
    const source = new PolicySource(options);
    // Watch before the first read, so a change between the read and the watch cannot be missed;
    // reloads the watcher asks for queue behind this first read.
    source.#watch();
    const first = source.#readInitial();
    source.#reloading = first.catch(() => undefined);
    try {
      await first;
    } catch (error) {
      source.close();
      throw error;
    }
    // Stat polling takes its baseline asynchronously; one more read covers a file that appeared meanwhile.
    source.#scheduleReload();
    return source;
  }

  async #readInitial(): Promise<void> {
    const read = await readAdminSettingsFile(this.#adminFile);
    if (read.kind === 'invalid') {
      throw new SettingsError(
        this.#adminFile,
        `${read.error}\nrefusing to start: with an admin settings file that does not validate there is no policy to enforce`,
      );
    }
    if (read.kind === 'absent') {
      this.#log.info(`no admin settings file at ${this.#adminFile}; the user's settings apply`);
    } else {
      this.#present = true;
      this.#adminEci = read.eci;
      this.#adminWarden = read.socketWarden;
      this.#noteUnrelatedKeys(read.unrelatedKeys);
    }
    await this.#checkOwnership();
    this.#policy = this.#resolve();
  }

  current(): Policy {
    return this.#policy;
  }

  /** The user's stored settings (including preferences such as the refresh interval). */
  userSettings(): UserSettings {
    return this.#userStore.get();
  }

  /**
   * Saves the user's settings and applies them. Throws SettingsLockedError when
   * a locked admin file governs a policy field that `next` changes (preferences
   * outside the policy may still change), and SettingsError when `next` is invalid.
   */
  setUserSettings(next: UserSettings): Policy {
    const parsed = userSettingsSchema.safeParse(next);
    if (!parsed.success)
      throw new SettingsError('user settings', formatSettingsError('user settings', parsed.error));
    if (
      this.#policy.locked &&
      !isDeepStrictEqual(policyFields(parsed.data), policyFields(this.#userStore.get()))
    ) {
      throw new SettingsLockedError(
        `the enforcement settings are locked by the administrator in ${this.#adminFile}; they cannot be changed here`,
      );
    }
    this.#userStore.set(parsed.data);
    this.#apply();
    return this.#policy;
  }

  adminStatus(): AdminStatus {
    return {
      path: this.#adminFile,
      present: this.#present,
      locked: this.#policy.locked,
      ...(this.#error !== undefined ? { error: this.#error } : {}),
      ...(this.#writableWarning !== undefined ? { writableWarning: this.#writableWarning } : {}),
    };
  }

  /** Re-reads the admin file now (the watcher calls this; so may a "reload" command). */
  reload(): Promise<void> {
    // One reload at a time, in order: a slow read must not overwrite a newer one.
    const run = this.#reloading.then(() => this.#reloadOnce());
    this.#reloading = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#dirWatcher?.close();
    this.#dirWatcher = undefined;
    if (this.#pollListener) unwatchFile(this.#adminFile, this.#pollListener);
    this.#pollListener = undefined;
  }

  async #reloadOnce(): Promise<void> {
    if (this.#closed) return;
    const before = this.adminStatus();
    try {
      await this.#readAdminFile();
    } finally {
      const after = this.adminStatus();
      if (!isDeepStrictEqual(before, after)) this.emit('status', after);
    }
  }

  async #readAdminFile(): Promise<void> {
    const read = await readAdminSettingsFile(this.#adminFile);
    if (read.kind === 'absent') {
      if (this.#present) {
        this.#present = false;
        this.#log.warn(
          `the admin settings file ${this.#adminFile} disappeared; still enforcing the last admin policy ` +
            `until the file comes back or Socket Warden restarts`,
        );
      }
      this.#error = undefined;
      return;
    }
    this.#present = true;
    if (read.kind === 'invalid') {
      if (read.error !== this.#error) {
        this.#error = read.error;
        this.#log.error(`${read.error}\nstill enforcing the last good policy`);
        // An 'error' event without a listener would throw and take the daemon down; the log has it anyway.
        if (this.listenerCount('error') > 0)
          this.emit('error', new SettingsError(this.#adminFile, read.error));
      }
      return;
    }
    if (this.#error !== undefined)
      this.#log.info(`the admin settings file ${this.#adminFile} is valid again`);
    this.#error = undefined;
    this.#adminEci = read.eci;
    this.#adminWarden = read.socketWarden;
    this.#noteUnrelatedKeys(read.unrelatedKeys);
    await this.#checkOwnership();
    this.#apply();
  }

  #resolve(): Policy {
    const adminFile = this.#adminEci !== undefined ? { adminFile: this.#adminFile } : {};
    const user = this.#adminEci?.locked === true ? undefined : this.#userStore.get();
    return resolvePolicy(this.#adminEci, user, {
      ...adminFile,
      ...(this.#adminWarden ? { socketWarden: this.#adminWarden } : {}),
      managed: this.#managed,
    });
  }

  #apply(): void {
    const next = this.#resolve();
    if (isDeepStrictEqual(next, this.#policy)) return;
    this.#policy = next;
    this.emit('policy', next);
  }

  #noteUnrelatedKeys(keys: string[]): void {
    const joined = keys.join(', ');
    if (joined === this.#unrelatedKeys) return;
    this.#unrelatedKeys = joined;
    if (keys.length > 0) {
      this.#log.info(
        `admin settings file ${this.#adminFile}: ignoring settings that are not Socket Warden's: ${joined}`,
      );
    }
  }

  async #checkOwnership(): Promise<void> {
    if (this.#user === undefined) return;
    let warning: string | undefined;
    try {
      warning = await checkAdminFileOwnership(this.#adminFile, this.#user.uid, this.#user.gids);
    } catch (error) {
      warning = `cannot check who may change ${this.#adminFile}: ${errorMessage(error)}`;
    }
    if (warning === this.#writableWarning) return;
    this.#writableWarning = warning;
    if (warning !== undefined) this.#log.warn(`WARNING: ${warning}`);
    else
      this.#log.info(
        `the admin settings file ${this.#adminFile} is no longer writable by the user running Socket Warden`,
      );
  }

  #watch(): void {
    this.#watchDirectory();
    // Backstop: stat polling sees the file even when its directory does not exist yet or the watcher was lost.
    this.#pollListener = (current: Stats, previous: Stats) => {
      const changed =
        current.mtimeMs !== previous.mtimeMs ||
        current.ctimeMs !== previous.ctimeMs ||
        current.ino !== previous.ino ||
        current.size !== previous.size;
      if (changed) this.#scheduleReload();
    };
    watchFile(this.#adminFile, { persistent: false, interval: this.#pollIntervalMs }, this.#pollListener);
  }

  // Watch the directory, not the file: editors and atomic writers replace the
  // file by rename, which a watch on the old inode would never report.
  #watchDirectory(): void {
    if (this.#dirWatcher !== undefined || this.#closed) return;
    const name = path.basename(this.#adminFile);
    try {
      const watcher = watch(path.dirname(this.#adminFile), { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) this.#scheduleReload();
      });
      watcher.on('error', () => {
        watcher.close();
        if (this.#dirWatcher === watcher) this.#dirWatcher = undefined;
      });
      this.#dirWatcher = watcher;
    } catch {
      // Directory missing or not watchable: the poller covers it, and each reload tries again.
    }
  }

  #scheduleReload(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#watchDirectory();
      void this.reload().catch((error: unknown) => {
        this.#log.error(`reloading ${this.#adminFile} failed: ${errorMessage(error)}`);
      });
    }, this.#debounceMs);
  }
}

function policyFields(user: UserSettings): Omit<UserSettings, 'refresher'> {
  const { refresher: _refresher, ...rest } = user;
  return rest;
}

function currentUser(): { uid: number; gids: readonly number[] } | undefined {
  if (typeof process.getuid !== 'function') return undefined; // Windows: no uids to compare.
  return { uid: process.getuid(), gids: typeof process.getgroups === 'function' ? process.getgroups() : [] };
}
