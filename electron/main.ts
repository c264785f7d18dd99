/**
 * The Electron main process: wiring only. Every decision (who may call, what the protocol serves, window
 * options and bounds, the data folder, start-up failure) is a plain function in ./shell, unit-tested with
 * the values Electron gives; the services behind the handlers are plain Node too.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  net,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
} from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JOB_CHANNELS, REQUEST_CHANNELS } from '../shared/ipc/contract';
import { redactSecrets } from '../shared/redact';
import { createRegistry } from './ipc/handlers/index';
import { useSafeStorageWhereKeytarFails } from './services/token/safe-storage';
import { appDataDir } from './shell/data-dir';
import {
  confirmDialogOptions,
  confirmed,
  folderDialogOptions,
  interpreterDialogOptions,
  pickedPath,
} from './shell/dialogs';
import { rendererProtocolHandler } from './shell/renderer-protocol';
import { sendIfAlive } from './shell/send';
import { APP_ORIGIN, isTrustedSender } from './shell/sender';
import { startApp } from './shell/startup';
import { mainWindowOptions } from './shell/window-options';
import { boundsOnDisplays, loadWindowState, saveWindowState } from './shell/window-state';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '..', 'dist', 'renderer');
const iconPath = path.join(here, '..', 'build', 'icon.png');

// Before `ready`, as Electron requires: `standard` gives the page a real origin (app://renderer).
protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  void startApp({ ready: app.whenReady(), start, exit: (code) => app.exit(code) });
}

function start(): void {
  const dataDir = appDataDir(process.env, app.getPath('userData'));
  useSafeStorageWhereKeytarFails(safeStorage, dataDir);
  protocol.handle('app', rendererProtocolHandler(rendererDir));
  // Deny every permission request (camera, notifications, ...): the app needs none.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  const windows = new Map<number, BrowserWindow>();
  const ourContents = new Set<number>();
  const parentWindow = () => BrowserWindow.getFocusedWindow() ?? [...windows.values()][0];
  const registry = createRegistry(
    (senderId, event, payload) => sendIfAlive(windows.get(Number(senderId))?.webContents, event, payload),
    {
      dataDir,
      // Chromium's network stack: the system proxy settings and certificate store apply to Hub requests.
      fetch: net.fetch as unknown as typeof fetch,
      platform: {
        version: app.getVersion(),
        async chooseFolder() {
          const parent = parentWindow();
          const options = folderDialogOptions();
          return pickedPath(
            parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options),
          );
        },
        async chooseInterpreter() {
          const parent = parentWindow();
          const options = interpreterDialogOptions(process.platform);
          return pickedPath(
            parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options),
          );
        },
        async confirm(request) {
          const parent = parentWindow();
          const options = confirmDialogOptions(request);
          return confirmed(
            parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options),
          );
        },
        openExternal: (url) => shell.openExternal(url),
      },
    },
  );
  for (const channel of [...REQUEST_CHANNELS, ...JOB_CHANNELS]) {
    ipcMain.handle(channel, (event, args: unknown) =>
      registry.dispatch(
        { id: String(event.sender.id), trusted: isTrustedSender(event, ourContents) },
        channel,
        args,
      ),
    );
  }

  const window = createWindow(dataDir);
  const contentsId = window.webContents.id;
  windows.set(contentsId, window);
  ourContents.add(contentsId);
  window.on('closed', () => {
    registry.cancelAllFrom(String(contentsId));
    windows.delete(contentsId);
    ourContents.delete(contentsId);
  });
  app.on('window-all-closed', () => app.quit());
  // Hash workers stop and the hash cache is written before the process ends.
  let disposed = false;
  app.on('before-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    disposed = true;
    void registry.dispose().finally(() => app.quit());
  });
}

function createWindow(dataDir: string): BrowserWindow {
  const state = loadWindowState(dataDir);
  const bounds = boundsOnDisplays(state.bounds, screen.getAllDisplays());
  const window = new BrowserWindow(
    mainWindowOptions({ bounds, preload: path.join(here, 'preload.cjs'), icon: iconPath }),
  );
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  // No navigation away from the app and no new windows; links go through app:openExternal.
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));

  window.on('close', () => {
    const failed = saveWindowState(dataDir, {
      bounds: window.getNormalBounds(),
      maximized: window.isMaximized(),
    });
    if (failed) console.error(`The window size could not be saved: ${redactSecrets(failed.message)}`);
  });
  void window.loadURL(`${APP_ORIGIN}/index.html`).catch((err: unknown) => {
    console.error(
      `The app page did not load: ${redactSecrets(err instanceof Error ? err.message : String(err))}`,
    );
  });
  return window;
}
