import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkAdminFileOwnership,
  parseAdminSettingsText,
  readAdminSettingsFile,
} from './admin-settings-file.js';

const FILE = '/etc/socket-warden/admin-settings.json';
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

async function mkfifo(file: string): Promise<() => void> {
  execFileSync('mkfifo', [file]);
  return () => undefined;
}

async function listenOn(file: string): Promise<() => void> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(file, resolve));
  return () => server.close();
}

describe('parseAdminSettingsText', () => {
  it('returns the ECI section and the unrelated top-level keys (for one info line)', () => {
    const text = JSON.stringify({
      configurationFileVersion: 2,
      analyticsEnabled: { locked: true, value: false },
      enhancedContainerIsolation: { locked: true, value: true },
      proxy: { locked: true, mode: 'system' },
    });
    const read = parseAdminSettingsText(FILE, text);
    expect(read).toMatchObject({ kind: 'valid', path: FILE, unrelatedKeys: ['analyticsEnabled', 'proxy'] });
    expect(read.kind === 'valid' && read.eci?.locked).toBe(true);
  });

  it('a file without an ECI section is valid and carries no policy', () => {
    expect(parseAdminSettingsText(FILE, '{"configurationFileVersion": 2}')).toEqual({
      kind: 'valid',
      path: FILE,
      eci: undefined,
      unrelatedKeys: [],
    });
  });

  it.each<[string, string, RegExp]>([
    [
      'broken JSON',
      '{ "configurationFileVersion": 2, }',
      /^invalid JSON in \/etc\/socket-warden\/admin-settings.json at line 1/,
    ],
    ['an empty file', '', /^invalid JSON in /],
    [
      'a bad image entry',
      '{"configurationFileVersion":2,"enhancedContainerIsolation":{"value":true,"dockerSocketMount":{"imageList":{"images":["ok","a b"]}}}}',
      /enhancedContainerIsolation\.dockerSocketMount\.imageList\.images\[1\]: "a b" is not a valid image list entry/,
    ],
    ['version 1', '{"configurationFileVersion":1}', /configurationFileVersion: expected 2/],
  ])('%s is an error naming the file, never a default', (_name, text, expected) => {
    const read = parseAdminSettingsText(FILE, text);
    expect(read.kind).toBe('invalid');
    expect(read.kind === 'invalid' && read.error).toMatch(expected);
    expect(read.kind === 'invalid' && read.error).toContain(FILE);
  });
});

describe('on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sw-admin-file-'));
    chmodSync(dir, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('readAdminSettingsFile', () => {
    it('a missing file means no admin policy', async () => {
      const file = path.join(dir, 'admin-settings.json');
      expect(await readAdminSettingsFile(file)).toEqual({ kind: 'absent', path: file });
    });

    it.each<[string, (file: string) => Promise<() => void>, string]>([
      ['a directory', async (file) => (mkdirSync(file), () => undefined), 'a directory'],
      ['a FIFO (no writer: a plain open would wait forever)', mkfifo, 'a FIFO'],
      ['a unix socket', listenOn, 'a socket'],
      [
        'a link to /dev/zero (endless)',
        async (file) => (symlinkSync('/dev/zero', file), () => undefined),
        'a character device',
      ],
    ])('%s in its place is refused at once, not read and not "absent"', async (_, make, what) => {
      const file = path.join(dir, 'admin-settings.json');
      const cleanup = await make(file);
      try {
        const started = performance.now();
        const read = await readAdminSettingsFile(file);
        expect(performance.now() - started).toBeLessThan(1000);
        expect(read).toEqual({
          kind: 'invalid',
          path: file,
          error: `cannot read the admin settings file ${file}: it is ${what}, not a regular file`,
        });
      } finally {
        cleanup();
      }
    });

    it('a file that cannot be opened is an error, not "absent"', async () => {
      const file = path.join(dir, 'admin-settings.json');
      symlinkSync(file, file);
      const read = await readAdminSettingsFile(file);
      expect(read.kind === 'invalid' && read.error).toMatch(/^cannot read the admin settings file .*ELOOP/);
    });

    it('reads and validates a file', async () => {
      const file = path.join(dir, 'admin-settings.json');
      writeFileSync(file, '{"configurationFileVersion":2,"enhancedContainerIsolation":{"value":false}}');
      const read = await readAdminSettingsFile(file);
      expect(read.kind === 'valid' && read.eci?.value).toBe(false);
    });
  });

  describe.skipIf(!isRoot)(
    'checkAdminFileOwnership (needs root to create files owned by someone else)',
    () => {
      function adminFile(mode: number, owner = 0): string {
        const file = path.join(dir, 'admin-settings.json');
        writeFileSync(file, '{"configurationFileVersion":2}');
        chownSync(file, owner, 0);
        chmodSync(file, mode);
        return file;
      }

      it('no warning for a root-owned 0644 file in root-owned 0755 directories', async () => {
        expect(await checkAdminFileOwnership(adminFile(0o644), NOBODY)).toBeUndefined();
      });

      it('warns when a root-owned file is world-writable (0666)', async () => {
        const file = adminFile(0o666);
        const warning = await checkAdminFileOwnership(file, NOBODY);
        expect(warning).toContain(file);
        expect(warning).toContain('uid 65534');
        expect(warning).toContain('is writable (mode 0666)');
        expect(warning).toContain('A locked policy that this user can edit is not locked');
      });

      it('warns when the file is group-writable and the user is in that group', async () => {
        const file = adminFile(0o664);
        expect(await checkAdminFileOwnership(file, NOBODY, [])).toBeUndefined();
        expect(await checkAdminFileOwnership(file, NOBODY, [0])).toContain('is writable (mode 0664)');
      });

      it('warns when the user owns the file, even read-only (they can chmod it)', async () => {
        expect(await checkAdminFileOwnership(adminFile(0o444, NOBODY), NOBODY)).toContain(
          'is owned by uid 65534',
        );
      });

      it('warns when the directory is writable (the file can be replaced by rename)', async () => {
        const file = adminFile(0o644);
        chmodSync(dir, 0o777);
        expect(await checkAdminFileOwnership(file, NOBODY)).toContain(
          `directory ${dir} is writable (mode 0777)`,
        );
      });

      it('a sticky world-writable directory (like /tmp) does not let others replace root files', async () => {
        const file = adminFile(0o644);
        chmodSync(dir, 0o1777);
        expect(await checkAdminFileOwnership(file, NOBODY)).toBeUndefined();
      });

      it('warns when a directory above it belongs to the user', async () => {
        const inner = path.join(dir, 'etc');
        mkdirSync(inner, { mode: 0o755 });
        const file = path.join(inner, 'admin-settings.json');
        writeFileSync(file, '{}', { mode: 0o644 });
        chownSync(dir, NOBODY, NOBODY);
        expect(await checkAdminFileOwnership(file, NOBODY)).toContain(
          `directory ${dir} is owned by uid 65534`,
        );
      });

      it('follows a symlink to the real file and checks both paths', async () => {
        const real = adminFile(0o666);
        const link = path.join(dir, 'link.json');
        symlinkSync(real, link);
        expect(await checkAdminFileOwnership(link, NOBODY)).toContain(`${real} is writable`);
      });

      it('no warning for root (it can change anything) or for a missing file', async () => {
        expect(await checkAdminFileOwnership(adminFile(0o666), 0)).toBeUndefined();
        expect(await checkAdminFileOwnership(path.join(dir, 'missing.json'), NOBODY)).toBeUndefined();
      });
    },
  );
});
