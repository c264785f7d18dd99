/**
 * The Electron main process: one window, locked down, serving the renderer from the `app://` scheme and
 * answering it only through the handler registry. Everything else lives in plain Node services.
 */
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, shell, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { JOB_CHANNELS, REQUEST_CHANNELS } from '../shared/ipc/contract';
import { redactSecrets } from '../shared/redact';
import { createRegistry } from './ipc/handlers/index';
import type { HandlerRegistry } from './ipc/registry';
import { CONTENT_SECURITY_POLICY } from './security';
import { loadWindowState, saveWindowState } from './window/state';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '..', 'dist', 'renderer');
const APP_ORIGIN = 'app://renderer';

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
  app.whenReady().then(start, (err: unknown) => {
    console.error(redactSecrets(err instanceof Error ? (err.stack ?? err.message) : String(err)));
    app.exit(1);
  });
}

function start(): void {
  const dataDir = app.getPath('userData');
  serveRenderer();

  const windows = new Map<number, BrowserWindow>();
  const registry = createRegistry(
    (senderId, event, payload) => windows.get(Number(senderId))?.webContents.send(event, payload),
    {
      dataDir,
      platform: {
        version: app.getVersion(),
        async chooseFolder() {
          const focused = BrowserWindow.getFocusedWindow();
          const options = { properties: ['openDirectory' as const], title: 'Choose a folder of training output' };
          const picked = focused ? await dialog.showOpenDialog(focused, options) : await dialog.showOpenDialog(options);
          return picked.canceled ? null : (picked.filePaths[0] ?? null);
        },
        openExternal: (url) => shell.openExternal(url),
      },
    },
  );
  registerIpc(registry, windows);

  const window = createWindow(dataDir);
  windows.set(window.webContents.id, window);
  const senderId = String(window.webContents.id);
  window.on('closed', () => {
    registry.cancelAllFrom(senderId);
    windows.delete(Number(senderId));
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

/** Serves the built renderer under app://renderer/ with the CSP as a real response header. */
function serveRenderer(): void {
  protocol.handle('app', async (request) => {
    const { pathname } = new URL(request.url);
    const file = path.normalize(path.join(rendererDir, decodeURIComponent(pathname)));
    if (!file.startsWith(rendererDir)) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(pathname === '/' ? path.join(rendererDir, 'index.html') : file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
  // Deny every permission request (camera, notifications, ...): the app needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}

function registerIpc(registry: HandlerRegistry, windows: Map<number, BrowserWindow>): void {
  const senderOf = (event: IpcMainInvokeEvent) => ({
    id: String(event.sender.id),
    // Only the app's own page in one of our windows' main frames may call.
    trusted:
      windows.has(event.sender.id) &&
      event.senderFrame !== null &&
      event.senderFrame === event.sender.mainFrame &&
      new URL(event.senderFrame.url).origin === APP_ORIGIN,
  });
  for (const channel of [...REQUEST_CHANNELS, ...JOB_CHANNELS]) {
    ipcMain.handle(channel, (event, args: unknown) => registry.dispatch(senderOf(event), channel, args));
  }
}

function createWindow(dataDir: string): BrowserWindow {
  const state = loadWindowState(dataDir);
  const window = new BrowserWindow({
    ...state.bounds,
    minWidth: 900,
    minHeight: 600,
    title: 'Hub Publisher',
    show: false,
    backgroundColor: '#111827',
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  // No navigation away from the app and no new windows; links go through app:openExternal.
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());

  window.on('close', () => {
    saveWindowState(dataDir, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
  });
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}
