import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deviceNumbers } from './guard-watch.js';
import { parseMountInfo } from './mount-aliases.js';

/** glibc's makedev, for spelling the test values. */
function makedev(major: number, minor: number): number {
  const d =
    ((BigInt(major) & 0xfffn) << 8n) |
    ((BigInt(major) & ~0xfffn) << 32n) |
    (BigInt(minor) & 0xffn) |
    ((BigInt(minor) & ~0xffn) << 12n);
  return Number(d);
}

describe('deviceNumbers: dev_t as /proc/self/mountinfo prints it', () => {
  it.each<[string, number, string]>([
    ['0', 0, '0:0'],
    ['sda (0x800)', 0x800, '8:0'],
    ['sda1 (0x801)', 0x801, '8:1'],
    ['a device-mapper volume (0xfe01)', 0xfe01, '254:1'],
    ['a tmpfs (0x19)', 0x19, '0:25'],
    ['minor 255', 0xff, '0:255'],
    ['minor 256 moves into the high bits', 0x100000, '0:256'],
    ['nvme0n1p1 (259:1)', makedev(259, 1), '259:1'],
    ['a large minor (259:74565)', makedev(259, 0x12345), '259:74565'],
    ['major 4095', makedev(4095, 0), '4095:0'],
    ['major 4096 moves above bit 32', makedev(4096, 0), '4096:0'],
    ['both large', makedev(5000, 1_000_000), '5000:1000000'],
  ])('%s', (_name, dev, expected) => {
    expect(deviceNumbers(dev)).toBe(expected);
  });

  it("agrees with this host's mountinfo for /", () => {
    let text: string;
    try {
      text = readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      return; // not Linux
    }
    const root = parseMountInfo(text)
      .filter((m) => m.mountPoint === '/')
      .pop();
    expect(root?.device).toBe(deviceNumbers(statSync('/').dev));
  });
});
