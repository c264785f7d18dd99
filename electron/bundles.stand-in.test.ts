/**
 * The BUILT dist-electron/main.js and dist-electron/preload.cjs, loaded in Node against a stand-in for the
 * `electron` module (electron/electron-stand-in.ts), NOT against Electron: the binary cannot run on the build
 * machines. The stand-in answers what Electron 41.7.1 answers, each value citing its doc or source line; the
 * real thing runs in e2e/electron wherever the binary exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FILE_DERIVED_CHANNELS, JOB_CHANNELS, REQUEST_CHANNELS } from '../shared/ipc/contract';
import {
  createElectronStandIn,
  StandInBrowserWindow,
  StandInFrame,
  type ElectronStandIn,
} from './electron-stand-in';

// Built at run time, so no literal in the repository looks like a real token.
const FAKE_TOKEN = 'hf_' + 'abcdefghijklmnopqrstuvwxyz012345';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Another checkout's bundles can be loaded instead (how the old origin check was shown to fail). */
const bundleRoot = process.env.STAND_IN_BUNDLE_ROOT ?? projectRoot;

let stand: ElectronStandIn;
let tmp: string;
let window: StandInBrowserWindow;
const savedDataDir = process.env.HUB_PUBLISHER_DATA_DIR;

beforeAll(async () => {
  // The project's own build script, so the test loads exactly what `npm start` and packaging ship.
  if (!process.env.STAND_IN_BUNDLE_ROOT) {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: projectRoot, stdio: 'pipe' });
  }
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hub-publisher-stand-in-'));
  process.env.HUB_PUBLISHER_DATA_DIR = path.join(tmp, 'app-data');
  stand = createElectronStandIn({ userData: path.join(tmp, 'user-data') });
  vi.doMock('electron', () => stand.module);
  await import(pathToFileURL(path.join(bundleRoot, 'dist-electron', 'main.js')).href);
  // main.js starts on `app.whenReady().then(start)`: let that settle.
  await vi.waitFor(() => expect(StandInBrowserWindow.all).toHaveLength(1));
  window = StandInBrowserWindow.all[0]!;
}, 120_000);

afterAll(() => {
  if (savedDataDir === undefined) delete process.env.HUB_PUBLISHER_DATA_DIR;
  else process.env.HUB_PUBLISHER_DATA_DIR = savedDataDir;
  rmSync(tmp, { recursive: true, force: true });
});

/** What ipcMain.handle's listener receives: docs/api/structures/ipc-main-invoke-event.md (sender, senderFrame). */
function invoke(channel: string, args: unknown, event: { sender: unknown; senderFrame: unknown }) {
  const handler = stand.ipcHandlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return handler(event, args) as Promise<{ ok: boolean; error?: { code: string } }>;
}

const fromPage = () => ({ sender: window.webContents, senderFrame: window.webContents.mainFrame });

describe('the built main process and preload against an Electron stand-in (not Electron)', () => {
  it('registers every channel of the contract', () => {
    expect([...stand.ipcHandlers.keys()].sort()).toEqual([...REQUEST_CHANNELS, ...JOB_CHANNELS].sort());
  });

  it('answers the app page in the window main frame (origin app://renderer, as Chromium serialises it)', async () => {
    expect(window.webContents.mainFrame.url).toBe('app://renderer/index.html');
    expect(window.webContents.mainFrame.origin).toBe('app://renderer');
    const answer = await invoke('settings:get', undefined, fromPage());
    expect(answer.error?.code).toBeUndefined();
    expect(answer.ok).toBe(true);
  });

  it('refuses a subframe, another origin, a null frame, a destroyed frame and a contents that is not ours', async () => {
    const subframe = new StandInFrame(window.webContents.mainFrame);
    subframe.commit('app://renderer/index.html', stand.standardSchemes);
    const otherOrigin = new StandInFrame(null);
    otherOrigin.commit('https://example.com/', stand.standardSchemes);
    const opaque = new StandInFrame(null);
    opaque.commit('data:text/html,hi', stand.standardSchemes);
    const destroyed = new StandInFrame(null);
    destroyed.commit('app://renderer/index.html', stand.standardSchemes);
    destroyed.destroyed = true;
    const foreign = new StandInBrowserWindow({});
    await foreign.loadURL('app://renderer/index.html');
    const events = [
      { sender: window.webContents, senderFrame: subframe },
      { sender: window.webContents, senderFrame: otherOrigin },
      { sender: window.webContents, senderFrame: opaque },
      // docs/api/structures/ipc-main-invoke-event.md:7: senderFrame "May be `null`" after navigation or destruction.
      { sender: window.webContents, senderFrame: null },
      { sender: window.webContents, senderFrame: destroyed },
      { sender: foreign.webContents, senderFrame: foreign.webContents.mainFrame },
    ];
    for (const event of events) {
      const answer = await invoke('settings:get', undefined, event);
      expect(answer.error?.code).toBe('FORBIDDEN_SENDER');
    }
    foreign.destroyed = true;
  });

  it('registers app: as a standard, secure scheme and serves index.html with the CSP; traversal is 404', async () => {
    expect(stand.standardSchemes.has('app')).toBe(true);
    const handler = stand.protocolHandlers.get('app')!;
    const page = await handler(new Request('app://renderer/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<div id="root">');
    for (const url of [
      'app://renderer/..%2f..%2fpackage.json',
      'app://renderer/%2e%2e/%2e%2e/package.json',
      'app://renderer/missing.js',
    ]) {
      expect((await handler(new Request(url))).status).toBe(404);
    }
    expect((await handler(new Request('app://renderer/%E0%A4%A'))).status).toBe(400);
  });

  it('creates a locked-down window that denies navigation, window.open and webviews', () => {
    const prefs = window.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(prefs.webviewTag ?? false).toBe(false);
    expect(path.basename(String(prefs.preload))).toBe('preload.cjs');
    for (const event of ['will-navigate', 'will-attach-webview']) {
      const prevented = vi.fn();
      window.webContents.emit(event, { preventDefault: prevented }, 'https://example.com/');
      expect(prevented, event).toHaveBeenCalled();
    }
    // docs/api/web-contents.md "setWindowOpenHandler": returning { action: 'deny' } cancels the window.
    expect(window.webContents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({
      action: 'deny',
    });
  });

  it('uses HUB_PUBLISHER_DATA_DIR as the data folder and saves the window state there on close', async () => {
    // Moving the endpoint needs the user's yes in a native dialog: the stand-in user clicks "Change endpoint".
    stand.nextMessageBoxResponse = 1;
    const changed = await invoke('settings:set', { hubEndpoint: 'http://127.0.0.1:9' }, fromPage());
    stand.nextMessageBoxResponse = 0;
    expect(changed).toMatchObject({ ok: true });
    expect(stand.messageBoxes.at(-1)?.buttons).toEqual(['Cancel', 'Change endpoint']);
    expect(existsSync(path.join(tmp, 'app-data', 'settings.json'))).toBe(true);
    expect(existsSync(path.join(tmp, 'user-data', 'settings.json'))).toBe(false);
    window.simulateClose();
    expect(JSON.parse(readFileSync(path.join(tmp, 'app-data', 'window-state.json'), 'utf8'))).toHaveProperty(
      'bounds',
    );
    expect(stand.exitCodes).toEqual([]);
  });

  it('exits 1 with a redacted message when start-up fails, instead of an unhandled rejection', async () => {
    const failing = createElectronStandIn({ userData: path.join(tmp, 'failing') });
    const app = failing.module.app as { getPath(name: string): string };
    app.getPath = () => {
      throw new Error(`cannot create the folder for ${FAKE_TOKEN}`);
    };
    const errors: string[] = [];
    const consoleError = vi.spyOn(console, 'error').mockImplementation((message: string) => {
      errors.push(message);
    });
    try {
      vi.resetModules();
      vi.doMock('electron', () => failing.module);
      await import(`${pathToFileURL(path.join(bundleRoot, 'dist-electron', 'main.js')).href}?failing-start`);
      await vi.waitFor(() => expect(failing.exitCodes).toEqual([1]));
      expect(errors.join('\n')).toContain('could not start');
      expect(errors.join('\n')).not.toContain(FAKE_TOKEN);
    } finally {
      consoleError.mockRestore();
      vi.doMock('electron', () => stand.module);
    }
  });

  it('the preload requires nothing but electron and exposes window.api with every domain of the contract', () => {
    const source = readFileSync(path.join(bundleRoot, 'dist-electron', 'preload.cjs'), 'utf8');
    const required: string[] = [];
    // docs/tutorial/sandbox.md:52-73: a sandboxed preload gets a limited `require`, not Node's.
    const sandboxedRequire = (name: string) => {
      required.push(name);
      if (name === 'electron') return stand.module;
      throw new Error(`module not found: ${name}`);
    };
    const module = { exports: {} };
    new Function('require', 'module', 'exports', source)(sandboxedRequire, module, module.exports);
    expect(required).toEqual(['electron']);
    const api = stand.exposed.get('api') as Record<string, Record<string, unknown>>;
    const domains = new Set([...REQUEST_CHANNELS, ...JOB_CHANNELS].map((channel) => channel.split(':')[0]!));
    for (const domain of domains) expect(Object.keys(api), domain).toContain(domain);
    for (const channel of [...REQUEST_CHANNELS, ...JOB_CHANNELS]) {
      const [domain, verb] = channel.split(':') as [string, string];
      // A dropped folder's path comes from the File (webUtils.getPathForFile), never from a page string.
      if (FILE_DERIVED_CHANNELS.includes(channel)) expect(api[domain]?.[verb], channel).toBeUndefined();
      else expect(typeof api[domain]![verb], channel).toBe('function');
    }
    expect(typeof api.files!.openDropped).toBe('function');
  });
});
