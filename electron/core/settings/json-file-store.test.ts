import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonFileStore } from './json-file-store.js';

describe('JsonFileStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sw-json-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = () => new JsonFileStore({ cwd: dir, configName: 'settings' });
  const conf = () => new Conf<Record<string, unknown>>({ cwd: dir, configName: 'settings' });

  it('reads and writes the same file as conf (and so electron-store), both ways', () => {
    const settings = { enforcing: false, imageList: { images: ['docker:cli'] } };
    open().store = settings;
    expect(conf().store).toEqual(settings);
    const fromConf = readFileSync(path.join(dir, 'settings.json'), 'utf8');
    conf().store = { refresher: { intervalMinutes: 30 } };
    expect(open().store).toEqual({ refresher: { intervalMinutes: 30 } });
    open().store = settings;
    expect(readFileSync(path.join(dir, 'settings.json'), 'utf8')).toBe(fromConf);
  });

  it('throws SyntaxError for a file that is not JSON, at open and on a later read', () => {
    writeFileSync(path.join(dir, 'settings.json'), '{"enforcing": ');
    expect(open).toThrow(SyntaxError);
    writeFileSync(path.join(dir, 'settings.json'), '{}');
    const store = open();
    writeFileSync(path.join(dir, 'settings.json'), 'garbage');
    expect(() => store.store).toThrow(SyntaxError);
  });

  it('writes 0600 through a temp file that it does not leave behind, even over a leftover one', () => {
    const leftover = path.join(dir, `settings.json.${process.pid}.tmp`);
    writeFileSync(leftover, 'old', { mode: 0o644 });
    open().store = { enforcing: true };
    expect(statSync(path.join(dir, 'settings.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });
});
