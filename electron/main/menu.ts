/** The native menu: the platform's standard roles, About with versions, and Add File Source. */
import { app, type BrowserWindow, dialog, Menu, type MenuItemConstructorOptions, shell } from 'electron';
import { aboutText } from './about.ts';

export interface MenuActions {
  about(): void;
  addFileSource(): void;
}

export function installMenu(actions: MenuActions): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac
      ? [
          {
            label: app.name,
            submenu: [
              { label: 'About Cutline', click: actions.about },
              { type: 'separator' },
              { role: 'services' },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    {
      label: 'File',
      submenu: [
        { label: 'Add File Source…', accelerator: 'CmdOrCtrl+Shift+O', click: actions.addFileSource },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        ...(isMac ? [] : [{ label: 'About Cutline', click: actions.about } satisfies MenuItemConstructorOptions]),
        { label: 'Cutline documentation', click: () => void shell.openExternal('https://github.com/cutline-dev/cutline#readme') },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Never a synchronous dialog in main: it would stall the engine's program clock. */
export function showAbout(win: BrowserWindow | null, ffmpegVersion: string): void {
  const detail = aboutText({
    cutline: app.getVersion(),
    electron: process.versions.electron ?? '?',
    chrome: process.versions.chrome ?? '?',
    node: process.versions.node,
    ffmpeg: ffmpegVersion,
  });
  const options = { type: 'info' as const, title: 'About Cutline', message: 'Cutline', detail, buttons: ['OK'] };
  void (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
}
