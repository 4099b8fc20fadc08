import { describe, expect, it } from 'vitest';
import { guardState } from './guard-state.js';
import type { AppState } from './ipc-contract.js';

const state: AppState = {
  policy: {
    enforcing: true,
    locked: false,
    source: 'user',
    imageList: { images: ['docker:cli'], allowDerivedImages: false },
    commandList: { type: 'deny', commands: [] },
  },
  status: {
    engine: { reachable: true, upstreamSocket: '/var/run/docker.sock' },
    listen: { socket: '/run/sw.sock', dockerHost: 'unix:///run/sw.sock' },
    refresher: { running: false, lastRunAt: null, nextRunAt: null, imagesChecked: 0, errors: [] },
    containers: [],
  },
};

const withPolicy = (policy: Partial<AppState['policy']>): AppState => ({
  ...state,
  policy: { ...state.policy, ...policy },
});

describe('guardState', () => {
  it.each([
    [state, 'enforcing'],
    [withPolicy({ enforcing: false }), 'paused'],
    [withPolicy({ locked: true, enforcing: false }), 'locked'],
    [
      {
        ...withPolicy({ locked: true }),
        status: { ...state.status, engine: { reachable: false, upstreamSocket: 'x' } },
      },
      'unreachable',
    ],
  ] as const)('picks the icon for %#', (input, expected) => {
    expect(guardState(input)).toBe(expected);
  });
});
