// The user's settings file in headless mode: conf's file and conf's behaviour for the two things the
// settings store uses (`path`, and reading or replacing the whole `store`), without conf itself,
// whose import loads ajv and ajv-formats (~4 MB resident in the daemon) for a schema we never give
// it: zod validates every read and write. The Electron app still passes an electron-store.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

export interface JsonFileStoreOptions {
  cwd: string;
  configName: string;
  /** Mode of the file when it is written (default 0600: the settings are the user's). */
  fileMode?: number;
}

/** What we need of a conf (or electron-store) instance. */
export interface ConfLike {
  readonly path: string;
  store: Record<string, unknown>;
}

export class JsonFileStore implements ConfLike {
  readonly path: string;
  readonly #fileMode: number;

  /** Reads the file once, as conf does: a file that is not JSON throws SyntaxError here. */
  constructor(options: JsonFileStoreOptions) {
    this.path = path.resolve(options.cwd, `${options.configName}.json`);
    this.#fileMode = options.fileMode ?? 0o600;
    void this.store;
  }

  /** The file's object, read on each access; `{}` when there is no file. Throws SyntaxError on broken JSON. */
  get store(): Record<string, unknown> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return {};
    }
    const value: unknown = JSON.parse(text);
    // As conf: whatever was parsed, spread into a plain object (the caller's schema judges it).
    return Object.assign({}, value) as Record<string, unknown>;
  }

  /** Replaces the file atomically (temp file, fsync, rename), so a crash leaves the old or the new one. */
  set store(value: Record<string, unknown>) {
    mkdirSync(path.dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    try {
      rmSync(temp, { force: true }); // a leftover would keep its old mode
      const fd = openSync(temp, 'w', this.#fileMode);
      try {
        writeSync(fd, JSON.stringify(value, undefined, '\t'));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }
}
