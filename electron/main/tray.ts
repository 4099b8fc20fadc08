// Renders the plain tray model (tray-model.ts) as an Electron Tray with a context menu.
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import { join } from 'node:path';
import type { GuardState } from '../../shared/guard-state.js';
import type { TrayAction, TrayMenuItem, TrayModel } from './tray-model.js';

export interface AppTray {
  render(model: TrayModel): void;
  destroy(): void;
}

export function createAppTray(
  iconDir: string,
  onAction: (action: TrayAction) => void,
  onClick: () => void,
): AppTray {
  const icons = new Map<GuardState, Electron.NativeImage>();
  const icon = (state: GuardState) => {
    let image = icons.get(state);
    if (!image) {
      // createFromPath picks up the @2x and @3x files beside it for high-density screens.
      image = nativeImage.createFromPath(join(iconDir, `${state}.png`));
      icons.set(state, image);
    }
    return image;
  };
  const tray = new Tray(icon('enforcing'));
  tray.on('click', onClick);

  const toTemplate = (item: TrayMenuItem): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'note':
        return { label: item.label, enabled: false };
      case 'submenu':
        return { label: item.label, enabled: item.enabled, submenu: item.items.map(toTemplate) };
      case 'checkbox':
        return {
          type: 'checkbox',
          label: item.label,
          checked: item.checked,
          enabled: item.enabled,
          ...(item.toolTip ? { toolTip: item.toolTip } : {}),
          click: () => onAction(item.action),
        };
      case 'action':
        return {
          label: item.label,
          enabled: item.enabled,
          ...(item.toolTip ? { toolTip: item.toolTip } : {}),
          click: () => onAction(item.action),
        };
    }
  };

  return {
    render(model) {
      tray.setImage(icon(model.icon));
      tray.setToolTip(model.tooltip);
      tray.setContextMenu(Menu.buildFromTemplate(model.menu.map(toTemplate)));
    },
    destroy() {
      tray.destroy();
    },
  };
}
