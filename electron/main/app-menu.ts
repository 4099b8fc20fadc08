// The window's own menu (hidden until Alt): where there is no tray (GNOME without the AppIndicator
// extension) this is how the user closes the window or quits.
import { Menu, type MenuItemConstructorOptions } from 'electron';

export function installAppMenu(devTools: boolean): void {
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'Socket Warden',
      submenu: [
        { role: 'close', label: 'Close window (keeps running in the tray)' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    ...(devTools ? [{ role: 'viewMenu' } as const] : []),
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
