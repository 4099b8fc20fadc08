// What the tray shows, as plain data: the icon for the guard state, the tooltip and the menu. Built
// from the app state alone so it is tested without a display; tray.ts turns it into Electron menus.
import type { HistoryEntry, HistoryId } from '../../shared/history-entry.js';
import { guardState, guardStateLabels, type GuardState } from '../../shared/guard-state.js';
import type { AppState } from '../../shared/ipc-contract.js';

export type TrayAction =
  | { kind: 'set-enforcement'; enforcing: boolean }
  | { kind: 'open-settings' }
  | { kind: 'open-history'; entryId?: HistoryId }
  | { kind: 'copy-text'; text: string }
  | { kind: 'quit' };

export type TrayMenuItem =
  | { type: 'action'; label: string; action: TrayAction; enabled: boolean; toolTip?: string }
  | {
      type: 'checkbox';
      label: string;
      checked: boolean;
      action: TrayAction;
      enabled: boolean;
      toolTip?: string;
    }
  | { type: 'note'; label: string }
  | { type: 'submenu'; label: string; items: TrayMenuItem[]; enabled: boolean }
  | { type: 'separator' };

export interface TrayModel {
  icon: GuardState;
  tooltip: string;
  menu: TrayMenuItem[];
}

const recentLimit = 5;

/** On a managed host: the app shows the system daemon; `canEdit` when its user is in the edit group. */
export interface TrayConnection {
  managed: true;
  canEdit: boolean;
}

const readOnlyReason = 'Read-only: editing needs membership in the group socket-warden';

export function buildTrayModel(
  state: AppState,
  recentDenials: readonly HistoryEntry[],
  connection?: TrayConnection,
): TrayModel {
  const guard = guardState(state);
  const { policy, status } = state;
  const lockedReason = policy.adminFile
    ? `Locked by the administrator in ${policy.adminFile}`
    : 'Locked by the administrator';
  const readOnly = connection?.canEdit === false && !policy.locked;
  const exportLine = `export DOCKER_HOST=${status.listen.dockerHost}`;

  const enforcement: TrayMenuItem = {
    type: 'checkbox',
    label: policy.locked ? `Enforce socket rules (${lockedReason.toLowerCase()})` : 'Enforce socket rules',
    checked: policy.enforcing,
    enabled: !policy.locked && !readOnly,
    action: { kind: 'set-enforcement', enforcing: !policy.enforcing },
    ...(policy.locked ? { toolTip: lockedReason } : readOnly ? { toolTip: readOnlyReason } : {}),
  };

  const recent = recentDenials.slice(0, recentLimit);
  const denials: TrayMenuItem = {
    type: 'submenu',
    label: 'Recent denials',
    enabled: true,
    items: recent.length
      ? [
          ...recent.map((entry): TrayMenuItem => ({
            type: 'action',
            label: denialLabel(entry),
            enabled: true,
            action: { kind: 'open-history', entryId: entry.id },
          })),
          { type: 'separator' },
          { type: 'action', label: 'Show all…', enabled: true, action: { kind: 'open-history' } },
        ]
      : [{ type: 'note', label: 'No denials yet' }],
  };

  const docker: TrayMenuItem = {
    type: 'submenu',
    label: 'Use the guarded socket',
    enabled: true,
    items: [
      { type: 'note', label: exportLine },
      {
        type: 'action',
        label: 'Copy DOCKER_HOST line',
        enabled: true,
        action: { kind: 'copy-text', text: exportLine },
      },
      ...(status.listen.dockerContext
        ? [
            { type: 'note', label: `docker context use ${status.listen.dockerContext}` } as const,
            {
              type: 'action',
              label: 'Copy docker context command',
              enabled: true,
              action: { kind: 'copy-text', text: `docker context use ${status.listen.dockerContext}` },
            } as const,
          ]
        : []),
    ],
  };

  return {
    icon: guard,
    tooltip: `Socket Warden: ${guardStateLabels[guard]}`,
    menu: [
      { type: 'note', label: guardStateLabels[guard] },
      ...(connection
        ? [
            {
              type: 'note',
              label: connection.canEdit
                ? 'Managed: the system service guards this host'
                : 'Managed: the system service guards this host (read-only)',
            } as const,
          ]
        : []),
      ...(guard === 'unreachable' && status.engine.error
        ? [{ type: 'note', label: status.engine.error } as const]
        : []),
      { type: 'separator' },
      enforcement,
      { type: 'action', label: 'Open settings…', enabled: true, action: { kind: 'open-settings' } },
      denials,
      docker,
      { type: 'separator' },
      { type: 'action', label: 'Quit Socket Warden', enabled: true, action: { kind: 'quit' } },
    ],
  };
}

/** `14:03 alpine — Not on the image list`: short enough for a menu. */
export function denialLabel(entry: HistoryEntry): string {
  const time = entry.time.slice(11, 16);
  const who = entry.image ?? (entry.requester.kind === 'container' ? entry.requester.name : 'host');
  const what =
    entry.kind === 'command-blocked' ? `${entry.request.method} ${shortPath(entry.request.uri)}` : who;
  const text = `${time}  ${what}`;
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function shortPath(uri: string): string {
  return uri.replace(/^\/v\d+(\.\d+)?(?=\/)/, '').split('?')[0] ?? uri;
}
