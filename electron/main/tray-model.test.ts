import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../shared/history-entry.js';
import type { AppState } from '../../shared/ipc-contract.js';
import { buildTrayModel, type TrayMenuItem } from './tray-model.js';

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
    listen: {
      socket: '/run/user/1000/socket-warden/docker.sock',
      dockerHost: 'unix:///run/user/1000/socket-warden/docker.sock',
    },
    refresher: { running: false, lastRunAt: null, nextRunAt: null, imagesChecked: 0, errors: [] },
    containers: [],
  },
};

const withPolicy = (policy: Partial<AppState['policy']>): AppState => ({
  ...state,
  policy: { ...state.policy, ...policy },
});

function find(items: TrayMenuItem[], label: RegExp): TrayMenuItem | undefined {
  for (const item of items) {
    if ('label' in item && label.test(item.label)) return item;
    if (item.type === 'submenu') {
      const inner = find(item.items, label);
      if (inner) return inner;
    }
  }
  return undefined;
}

const denial = (id: number, image: string): HistoryEntry => ({
  id,
  time: `2026-01-02T14:0${id}:00.000Z`,
  kind: 'socket-mount-denied',
  requester: { kind: 'host' },
  request: { method: 'POST', uri: '/v1.41/containers/create' },
  image,
  reason: 'not-allowed',
  message: 'denied',
});

describe('buildTrayModel', () => {
  it('offers to pause enforcement when it is on, and to resume it when off', () => {
    const on = find(buildTrayModel(state, []).menu, /^Enforce socket rules/);
    expect(on).toMatchObject({
      type: 'checkbox',
      checked: true,
      enabled: true,
      action: { kind: 'set-enforcement', enforcing: false },
    });
    const off = find(buildTrayModel(withPolicy({ enforcing: false }), []).menu, /^Enforce socket rules/);
    expect(off).toMatchObject({ checked: false, action: { kind: 'set-enforcement', enforcing: true } });
  });

  it('disables the enforcement switch when locked and says where the lock is', () => {
    const model = buildTrayModel(
      withPolicy({ locked: true, adminFile: '/etc/socket-warden/admin-settings.json' }),
      [],
    );
    const item = find(model.menu, /^Enforce socket rules/);
    expect(item).toMatchObject({ enabled: false });
    expect(item && 'label' in item ? item.label : '').toContain('/etc/socket-warden/admin-settings.json');
    expect(model.icon).toBe('locked');
  });

  it('on a managed host, says so, and disables the switch for a user outside the edit group', () => {
    const readOnly = buildTrayModel(state, [], { managed: true, canEdit: false });
    expect(find(readOnly.menu, /^Managed: .*\(read-only\)$/)).toBeDefined();
    expect(find(readOnly.menu, /^Enforce socket rules/)).toMatchObject({
      enabled: false,
      toolTip: expect.stringMatching(/group socket-warden/) as string,
    });
    const editor = buildTrayModel(state, [], { managed: true, canEdit: true });
    expect(find(editor.menu, /^Managed: the system service guards this host$/)).toBeDefined();
    expect(find(editor.menu, /^Enforce socket rules/)).toMatchObject({ enabled: true });
    expect(find(buildTrayModel(state, []).menu, /^Managed:/)).toBeUndefined();
  });

  it('lists the five newest denials, each opening its history entry', () => {
    const entries = [1, 2, 3, 4, 5, 6, 7].map((id) => denial(id, `docker.io/library/img${id}:latest`));
    const recent = find(buildTrayModel(state, entries).menu, /^Recent denials/);
    expect(recent?.type).toBe('submenu');
    const items = recent?.type === 'submenu' ? recent.items.filter((item) => item.type === 'action') : [];
    expect(items).toHaveLength(6); // five entries and "Show all…"
    expect(items[0]).toMatchObject({
      label: '14:01  docker.io/library/img1:latest',
      action: { kind: 'open-history', entryId: 1 },
    });
  });

  it('says so when there are no denials', () => {
    expect(find(buildTrayModel(state, []).menu, /^No denials yet/)).toBeDefined();
  });

  it('offers the DOCKER_HOST line for the guarded socket', () => {
    const copy = find(buildTrayModel(state, []).menu, /^Copy DOCKER_HOST/);
    expect(copy).toMatchObject({
      action: {
        kind: 'copy-text',
        text: 'export DOCKER_HOST=unix:///run/user/1000/socket-warden/docker.sock',
      },
    });
  });

  it('names the engine problem when the engine is unreachable', () => {
    const down: AppState = {
      ...state,
      status: {
        ...state.status,
        engine: {
          reachable: false,
          upstreamSocket: '/var/run/docker.sock',
          error: 'connect ENOENT /var/run/docker.sock',
        },
      },
    };
    const model = buildTrayModel(down, []);
    expect(model.icon).toBe('unreachable');
    expect(model.tooltip).toContain('unreachable');
    expect(find(model.menu, /ENOENT/)).toBeDefined();
  });

  it('always ends with Quit', () => {
    expect(buildTrayModel(state, []).menu.at(-1)).toMatchObject({ action: { kind: 'quit' } });
  });
});
