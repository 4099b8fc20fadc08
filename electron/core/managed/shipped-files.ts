// The files the package ships for managed mode (packaging/ beside dist/ in the package, at the top of a
// checkout), and its version: found by walking up from this module, so the same code works from the
// .deb, from dist/ and from the sources under test.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ShippedFiles } from './install-plan.js';

/** The directory holding package.json and packaging/. */
export function appRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from, i = 0; i < 8; i++, dir = path.dirname(dir)) {
    if (
      existsSync(path.join(dir, 'packaging', 'systemd', 'socket-warden.socket')) &&
      existsSync(path.join(dir, 'package.json'))
    ) {
      return dir;
    }
  }
  throw new Error(`cannot find packaging/systemd/ above ${from} (a broken install?)`);
}

export async function readShippedFiles(
  root = appRoot(),
): Promise<{ shipped: ShippedFiles; version: string }> {
  const read = (...parts: string[]): Promise<string> =>
    fs.readFile(path.join(root, 'packaging', ...parts), 'utf8');
  const pkg = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as { version?: string };
  return {
    shipped: {
      socketUnit: await read('systemd', 'socket-warden.socket'),
      serviceUnit: await read('systemd', 'socket-warden.service'),
      dockerSocketDropIn: await read('systemd', 'docker.socket.d', 'socket-warden.conf'),
      defaultAdminSettings: await read('default-admin-settings.json'),
    },
    version: pkg.version ?? 'unknown',
  };
}
