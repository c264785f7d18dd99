/**
 * A stand-in for the `electron` module, NOT Electron: it records what the built main process and preload
 * register and answers with the values Electron 41.7.1 gives. Each value names the doc or source line it
 * follows (paths are in github.com/electron/electron at tag v41.7.1). Used only by
 * electron/bundles.stand-in.test.ts, because the Electron binary cannot run on the build machines.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

type Listener = (...args: unknown[]) => unknown;

/** A frame as `WebFrameMain` exposes it (docs/api/web-frame-main.md). */
export class StandInFrame {
  url = '';
  origin = 'null';
  destroyed = false;
  /** docs/api/web-frame-main.md "frame.detached": true while the page runs unload listeners. */
  detached = false;
  constructor(
    /** docs/api/web-frame-main.md "frame.parent": null for the top frame. */
    readonly parent: StandInFrame | null = null,
  ) {}
  isDestroyed(): boolean {
    // shell/browser/api/electron_api_web_frame_main.cc:269 `IsDestroyed() { return render_frame_disposed_; }`
    return this.destroyed;
  }
  /** Sets url and origin the way Chromium commits a navigation. */
  commit(url: string, standardSchemes: ReadonlySet<string>): void {
    this.url = url;
    this.origin = chromiumOrigin(url, standardSchemes);
  }
}

/**
 * `WebFrameMain.origin` is `GetLastCommittedOrigin().Serialize()`
 * (shell/browser/api/electron_api_web_frame_main.cc:420-423): a scheme/host/port tuple for http(s) and for
 * schemes registered as `standard` (docs/api/protocol.md:96-120, "A standard scheme adheres to … generic URI
 * syntax"), and the string "null" for everything else (docs/api/web-frame-main.md:209-216). This is NOT
 * what Node's `new URL(url).origin` gives for `app:` (it gives "null"), which is the bug this stand-in
 * exists to catch.
 */
export function chromiumOrigin(url: string, standardSchemes: ReadonlySet<string>): string {
  const parsed = new URL(url);
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme === 'http' || scheme === 'https' || standardSchemes.has(scheme)) {
    return `${scheme}://${parsed.host}`;
  }
  return 'null';
}

let nextContentsId = 1;

/** docs/api/web-contents.md: an EventEmitter with an integer `id`, `mainFrame`, `isDestroyed()`, `send()`. */
export class StandInWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly mainFrame = new StandInFrame(null);
  destroyed = false;
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => unknown) | null = null;
  constructor(private readonly electron: ElectronStandIn) {
    super();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, payload: unknown): void {
    // docs/api/web-contents.md "contents.send": sending to a destroyed contents throws "Object has been destroyed".
    if (this.destroyed) throw new TypeError('Object has been destroyed');
    this.sent.push({ channel, payload });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => unknown): void {
    this.windowOpenHandler = handler;
  }
  async loadURL(url: string): Promise<void> {
    this.mainFrame.commit(url, this.electron.standardSchemes);
  }
}

export class StandInBrowserWindow extends EventEmitter {
  static all: StandInBrowserWindow[] = [];
  static electron: ElectronStandIn;
  readonly webContents: StandInWebContents;
  destroyed = false;
  maximized = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    this.webContents = new StandInWebContents(StandInBrowserWindow.electron);
    StandInBrowserWindow.all.push(this);
  }
  static getAllWindows(): StandInBrowserWindow[] {
    return StandInBrowserWindow.all.filter((w) => !w.destroyed);
  }
  static getFocusedWindow(): StandInBrowserWindow | null {
    return StandInBrowserWindow.getAllWindows()[0] ?? null;
  }
  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  getNormalBounds() {
    const {
      x = 0,
      y = 0,
      width = 800,
      height = 600,
    } = this.options as Partial<Record<'x' | 'y' | 'width' | 'height', number>>;
    return { x, y, width, height };
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {}
  show(): void {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** What Electron does on close: `close`, then the contents is destroyed, then `closed`. */
  simulateClose(): void {
    this.emit('close', { preventDefault() {} });
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.webContents.mainFrame.destroyed = true;
    this.emit('closed');
  }
}

export interface ElectronStandIn {
  standardSchemes: Set<string>;
  privilegedSchemes: unknown[];
  protocolHandlers: Map<string, (request: Request) => Response | Promise<Response>>;
  ipcHandlers: Map<string, Listener>;
  exposed: Map<string, unknown>;
  exitCodes: number[];
  /** Message boxes shown, with their options, and the button index the stand-in user clicks next. */
  messageBoxes: { buttons?: string[]; message?: string }[];
  nextMessageBoxResponse: number;
  userData: string;
  module: Record<string, unknown>;
}

/** A fresh stand-in; `module` is what `import … from 'electron'` returns. */
export function createElectronStandIn(options: {
  userData: string;
  encryptionBackend?: string;
}): ElectronStandIn {
  const stand: ElectronStandIn = {
    standardSchemes: new Set(),
    privilegedSchemes: [],
    protocolHandlers: new Map(),
    ipcHandlers: new Map(),
    exposed: new Map(),
    exitCodes: [],
    messageBoxes: [],
    // docs/api/dialog.md "dialog.showMessageBox": resolves { response } with the clicked button's index;
    // Escape or closing the box gives cancelId, which the app sets to "Cancel" (index 0).
    nextMessageBoxResponse: 0,
    userData: options.userData,
    module: {},
  };
  StandInBrowserWindow.all = [];
  StandInBrowserWindow.electron = stand;
  const app = Object.assign(new EventEmitter(), {
    // docs/api/app.md "app.requestSingleInstanceLock": true for the first instance.
    requestSingleInstanceLock: () => true,
    // docs/api/app.md:558 "app.whenReady()": a Promise fulfilled when Electron is initialised.
    whenReady: () => Promise.resolve(),
    isReady: () => true,
    // docs/api/app.md:610 "userData": the app's configuration folder.
    getPath: (name: string) => {
      if (name === 'userData') return stand.userData;
      throw new Error(`Failed to get '${name}' path`);
    },
    getVersion: () => '0.1.0',
    isPackaged: false,
    quit: () => undefined,
    exit: (code = 0) => {
      stand.exitCodes.push(code);
    },
  });
  const protocol = {
    registerSchemesAsPrivileged(schemes: { scheme: string; privileges?: { standard?: boolean } }[]) {
      stand.privilegedSchemes.push(...schemes);
      for (const s of schemes) if (s.privileges?.standard) stand.standardSchemes.add(s.scheme);
    },
    // docs/api/protocol.md:127-137: the handler gets a global Request and returns a Response (or a Promise of one).
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>) {
      stand.protocolHandlers.set(scheme, handler);
    },
  };
  const ipcMain = {
    handle(channel: string, listener: Listener) {
      // docs/api/ipc-main.md "ipcMain.handle": one handler per channel; a second one throws.
      if (stand.ipcHandlers.has(channel))
        throw new Error(`Attempted to register a second handler for '${channel}'`);
      stand.ipcHandlers.set(channel, listener);
    },
    on: () => ipcMain,
  };
  const session = {
    defaultSession: {
      setPermissionRequestHandler: () => undefined,
      setPermissionCheckHandler: () => undefined,
    },
  };
  const unavailable = (what: string) => () => {
    throw new Error(`${what} is not part of the stand-in`);
  };
  stand.module = {
    app,
    protocol,
    ipcMain,
    session,
    BrowserWindow: StandInBrowserWindow,
    dialog: {
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showMessageBox: async (...args: unknown[]) => {
        // (options) or (window, options): the options are the last argument.
        stand.messageBoxes.push(args.at(-1) as { buttons?: string[]; message?: string });
        return { response: stand.nextMessageBoxResponse, checkboxChecked: false };
      },
    },
    shell: { openExternal: async () => undefined },
    // docs/api/net.md:67 "net.fetch(input[, init])": the Fetch API through Chromium's network stack, which
    // also serves `file:` (docs/api/net.md:104-105); Node's fetch does not, so file: is read here.
    net: {
      async fetch(input: string | URL | Request, init?: RequestInit) {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        if (!url.startsWith('file:')) return fetch(input, init);
        try {
          return new Response(await readFile(fileURLToPath(url)), { status: 200 });
        } catch {
          // Chromium fails a missing file with net::ERR_FILE_NOT_FOUND, which net.fetch rejects with.
          throw new TypeError('net::ERR_FILE_NOT_FOUND');
        }
      },
    },
    // docs/api/screen.md:122 "screen.getAllDisplays()": Display[] with a `workArea` Rectangle (docs/api/structures/display.md:21).
    screen: { getAllDisplays: () => [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1050 } }] },
    safeStorage: {
      // docs/api/safe-storage.md: isEncryptionAvailable() is true on Linux once ready, even with basic_text.
      isEncryptionAvailable: () => true,
      // docs/api/safe-storage.md:63-69: `basic_text` when no secret store is recognised.
      getSelectedStorageBackend: () => options.encryptionBackend ?? 'basic_text',
      encryptString: (text: string) => Buffer.from(`v10${Buffer.from(text, 'utf8').toString('base64')}`),
      decryptString: (data: Buffer) => Buffer.from(data.toString().slice(3), 'base64').toString('utf8'),
    },
    nativeImage: { createFromPath: unavailable('nativeImage') },
    // Preload side: docs/api/context-bridge.md "exposeInMainWorld(apiKey, api)".
    contextBridge: {
      exposeInMainWorld(key: string, api: unknown) {
        stand.exposed.set(key, api);
      },
    },
    ipcRenderer: Object.assign(new EventEmitter(), { invoke: async () => undefined }),
    webUtils: { getPathForFile: () => '' },
  };
  return stand;
}
