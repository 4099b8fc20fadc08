import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DAEMON_V8_FLAGS } from './daemon-v8-flags.js';

/** Allocates short-lived garbage as a request loop does, then reports the young generation's size. */
const CHURN = `
const v8 = require('node:v8');
let keep = [];
for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 2000) keep = []; }
const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
console.log(space.space_size);`;

const youngBytes = (flags: readonly string[]): number =>
  Number(execFileSync(process.execPath, [...flags, '-e', CHURN], { encoding: 'utf8' }).trim());

describe('the daemon V8 flags', () => {
  it('are accepted by this Node, and keep the young generation small where it otherwise grows', () => {
    const capped = youngBytes(DAEMON_V8_FLAGS);
    const uncapped = youngBytes([]);
    // Both semi-spaces count: at most 2 x 4 MiB with the flags.
    expect(capped).toBeLessThanOrEqual(8 << 20);
    expect(uncapped).toBeGreaterThan(capped);
  });
});
