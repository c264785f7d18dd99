/**
 * The Electron shell's decisions, with the inputs Electron really produces. Sources are in
 * github.com/electron/electron at tag v41.7.1.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../security';
import { appDataDir } from './data-dir';
import { confirmDialogOptions, confirmed, interpreterDialogOptions, pickedPath } from './dialogs';
import { mimeTypeFor, rendererProtocolHandler, resolveRendererPath } from './renderer-protocol';
import { sendIfAlive } from './send';
import { APP_ORIGIN, isTrustedSender, type SenderFrame } from './sender';
import { startApp } from './startup';
import { mainWindowOptions } from './window-options';
import { boundsOnDisplays, DEFAULT_WINDOW_STATE, loadWindowState, saveWindowState } from './window-state';

// Built at run time, so no literal in the repository looks like a real token.
const FAKE_TOKEN = 'hf_' + 'abcdefghijklmnopqrstuvwxyz012345';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hub-publisher-shell-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A WebFrameMain as Electron gives it: `origin` is Chromium's `GetLastCommittedOrigin().Serialize()`
 * (shell/browser/api/electron_api_web_frame_main.cc:420-423), `parent` is null for a top frame
 * (docs/api/web-frame-main.md "frame.parent"), `isDestroyed()` (…_web_frame_main.cc:269).
 */
function frame(
  origin: string,
  options: { parent?: unknown; destroyed?: boolean; detached?: boolean } = {},
): SenderFrame {
  return {
    get origin() {
      // …_web_frame_main.cc:205-214: reading a property of a disposed frame throws.
      if (options.destroyed)
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      return origin;
    },
    parent: options.parent ?? null,
    detached: options.detached ?? false,
    isDestroyed: () => options.destroyed ?? false,
  };
}
const contents = (id: number, destroyed = false) => ({ id, isDestroyed: () => destroyed });
const ours = new Set([1]);

describe('sender trust', () => {
  it("trusts the app page's main frame, whose origin Chromium serialises as app://renderer", () => {
    // `app` is registered `standard` (docs/api/protocol.md:96-120), so Chromium gives it a tuple origin.
    expect(isTrustedSender({ sender: contents(1), senderFrame: frame('app://renderer') }, ours)).toBe(true);
  });

  it("is not fooled by Node's URL parser: new URL('app://renderer/…').origin is the string 'null'", () => {
    expect(new URL('app://renderer/index.html').origin).toBe('null');
    expect(APP_ORIGIN).not.toBe(new URL('app://renderer/index.html').origin);
  });

  it('refuses a subframe, another origin, an opaque origin, a null, destroyed or detached frame, other contents', () => {
    const main = frame(APP_ORIGIN);
    const refused = [
      { sender: contents(1), senderFrame: frame(APP_ORIGIN, { parent: main }) },
      { sender: contents(1), senderFrame: frame('https://huggingface.co') },
      { sender: contents(1), senderFrame: frame('app://renderer.evil') },
      // docs/api/web-frame-main.md:214-217: pages without a tuple origin serialise as "null".
      { sender: contents(1), senderFrame: frame('null') },
      // docs/api/structures/ipc-main-invoke-event.md:7: senderFrame may be null after navigation or destruction.
      { sender: contents(1), senderFrame: null },
      { sender: contents(1), senderFrame: frame(APP_ORIGIN, { destroyed: true }) },
      // docs/api/web-frame-main.md:276-279: detached while the page runs unload listeners.
      { sender: contents(1), senderFrame: frame(APP_ORIGIN, { detached: true }) },
      { sender: contents(2), senderFrame: frame(APP_ORIGIN) },
      // docs/api/web-contents.md:1161 contents.isDestroyed().
      { sender: contents(1, true), senderFrame: frame(APP_ORIGIN) },
    ];
    for (const event of refused) expect(isTrustedSender(event, ours)).toBe(false);
  });
});

describe('the app:// protocol', () => {
  const root = path.join(tmp, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  mkdirSync(path.join(tmp, 'renderer-private'), { recursive: true });
  writeFileSync(path.join(tmp, 'renderer-private', 'secret.txt'), 'secret');
  const handle = rendererProtocolHandler(root);

  it('contains paths with path.relative: a sibling sharing the prefix is outside', () => {
    // The URL parser drops a literal `..`, so this names a file inside the renderer folder.
    expect(resolveRendererPath(root, 'app://renderer/../renderer-private/secret.txt')).toEqual({
      file: path.join(root, 'renderer-private', 'secret.txt'),
    });
    // An escaped one survives parsing: `startsWith(rendererDir)` would accept …/renderer-private/secret.txt.
    expect(path.join(root, '../renderer-private/secret.txt').startsWith(root)).toBe(true);
    expect(resolveRendererPath(root, 'app://renderer/..%2frenderer-private%2fsecret.txt')).toEqual({
      status: 404,
    });
    expect(resolveRendererPath(root, 'app://renderer/..%2f..%2fetc%2fpasswd')).toEqual({ status: 404 });
    expect(resolveRendererPath(root, 'app://renderer/')).toEqual({ file: path.join(root, 'index.html') });
    expect(resolveRendererPath(root, 'app://renderer/%E0%A4%A')).toEqual({ status: 400 });
  });

  it('serves files with their MIME type, the CSP and nosniff; answers 400/404 instead of throwing', async () => {
    // docs/api/protocol.md:131: the handler receives a global Request.
    const page = await handle(new Request('app://renderer/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const script = await handle(new Request('app://renderer/assets/app.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
    // lib/browser/api/protocol.ts:156-159: a throw is logged and the load fails with ERR_UNEXPECTED.
    expect((await handle(new Request('app://renderer/%E0%A4%A'))).status).toBe(400);
    expect((await handle(new Request('app://renderer/missing.js'))).status).toBe(404);
    expect((await handle(new Request('app://renderer/assets'))).status).toBe(404);
    expect((await handle(new Request('app://renderer/..%2frenderer-private%2fsecret.txt'))).status).toBe(404);
    expect((await handle(new Request('app://other/index.html'))).status).toBe(404);
    expect(
      (await handle(new Request('app://renderer/index.html', { method: 'POST', body: 'x' }))).status,
    ).toBe(405);
    expect(mimeTypeFor('x.woff2')).toBe('font/woff2');
    expect(mimeTypeFor('x.unknown')).toBe('application/octet-stream');
  });
});

describe('window', () => {
  it('is locked down and carries the icon', () => {
    const options = mainWindowOptions({
      bounds: { width: 1000, height: 700 },
      preload: '/p/preload.cjs',
      icon: '/i.png',
    });
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      preload: '/p/preload.cjs',
    });
    expect(options.icon).toBe('/i.png');
  });

  // screen.getAllDisplays() (docs/api/screen.md:122) gives Display objects with a DIP workArea
  // (docs/api/structures/display.md:21); a second monitor to the left has negative x.
  const displays = [
    { workArea: { x: 0, y: 0, width: 1920, height: 1040 } },
    { workArea: { x: -1280, y: 0, width: 1280, height: 1024 } },
  ];

  it('uses saved bounds only when they fall on a connected display', () => {
    expect(boundsOnDisplays({ x: 100, y: 50, width: 1200, height: 800 }, displays)).toEqual({
      x: 100,
      y: 50,
      width: 1200,
      height: 800,
    });
    expect(boundsOnDisplays({ x: -1200, y: 10, width: 1000, height: 700 }, displays)).toEqual({
      x: -1200,
      y: 10,
      width: 1000,
      height: 700,
    });
    // The monitor it was on is unplugged: keep the size, let Electron centre it.
    expect(boundsOnDisplays({ x: 3000, y: 100, width: 1200, height: 800 }, displays)).toEqual({
      width: 1200,
      height: 800,
    });
    expect(boundsOnDisplays({ x: 100, y: -500, width: 1200, height: 800 }, displays)).toEqual({
      width: 1200,
      height: 800,
    });
    expect(boundsOnDisplays({ x: 100, y: 50, width: 1200, height: 800 }, [])).toEqual({
      width: 1200,
      height: 800,
    });
  });

  it('saves state atomically, never throws from close, and ignores implausible saved state', () => {
    const dir = path.join(tmp, 'state');
    expect(
      saveWindowState(dir, { bounds: { x: 1, y: 2, width: 1000, height: 700 }, maximized: true }),
    ).toBeNull();
    expect(loadWindowState(dir)).toEqual({
      bounds: { x: 1, y: 2, width: 1000, height: 700 },
      maximized: true,
    });
    writeFileSync(path.join(dir, 'window-state.json'), '{"bounds":{"width":"big"}}');
    expect(loadWindowState(dir)).toEqual(DEFAULT_WINDOW_STATE);
    writeFileSync(path.join(tmp, 'a-file'), '');
    // The data folder is a file: the write fails and says why, without throwing.
    expect(saveWindowState(path.join(tmp, 'a-file'), DEFAULT_WINDOW_STATE)).toBeInstanceOf(Error);
    expect(readFileSync(path.join(dir, 'window-state.json'), 'utf8')).toContain('big');
  });
});

describe('start-up and lifetime', () => {
  it('exits 1 with a redacted message when start fails', async () => {
    const exit = vi.fn();
    const log = vi.fn();
    await startApp({
      // docs/api/app.md:558: app.whenReady() returns a Promise fulfilled once Electron is initialised.
      ready: Promise.resolve(),
      start: () => {
        throw new Error(`bad token ${FAKE_TOKEN}`);
      },
      exit,
      log,
    });
    expect(exit).toHaveBeenCalledWith(1);
    expect(log.mock.calls[0]![0]).toContain('could not start');
    expect(log.mock.calls[0]![0]).not.toContain(FAKE_TOKEN);
  });

  it('does not exit when start succeeds, and fails the same way on an async start', async () => {
    const exit = vi.fn();
    await startApp({ ready: Promise.resolve(), start: () => undefined, exit, log: () => {} });
    expect(exit).not.toHaveBeenCalled();
    await startApp({
      ready: Promise.resolve(),
      start: async () => Promise.reject(new Error('x')),
      exit,
      log: () => {},
    });
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('never sends to a destroyed webContents', () => {
    const send = vi.fn();
    expect(sendIfAlive({ isDestroyed: () => true, send }, 'job:done', {})).toBe(false);
    expect(sendIfAlive(undefined, 'job:done', {})).toBe(false);
    expect(sendIfAlive({ isDestroyed: () => false, send }, 'job:done', { a: 1 })).toBe(true);
    expect(send).toHaveBeenCalledOnce();
  });

  it('keeps its data in HUB_PUBLISHER_DATA_DIR when set, else in userData (the CLI rule)', () => {
    expect(appDataDir({ HUB_PUBLISHER_DATA_DIR: '/data' }, '/user-data')).toBe('/data');
    expect(appDataDir({ HUB_PUBLISHER_DATA_DIR: '' }, '/user-data')).toBe('/user-data');
    expect(appDataDir({}, '/user-data')).toBe('/user-data');
  });
});

describe('native dialogs', () => {
  it('confirm defaults to Cancel and is true only for the confirm button', () => {
    const options = confirmDialogOptions({
      title: 'Delete',
      message: 'Delete 3 files?',
      confirmLabel: 'Delete',
    });
    expect(options.buttons).toEqual(['Cancel', 'Delete']);
    expect(options.defaultId).toBe(0);
    expect(options.cancelId).toBe(0);
    // docs/api/dialog.md showMessageBox resolves { response: index of the clicked button }.
    expect(confirmed({ response: 1 })).toBe(true);
    expect(confirmed({ response: 0 })).toBe(false);
  });

  it('reads the picked file, or null when cancelled', () => {
    expect(pickedPath({ canceled: true, filePaths: [] })).toBeNull();
    expect(pickedPath({ canceled: false, filePaths: ['/usr/bin/python3'] })).toBe('/usr/bin/python3');
    expect(interpreterDialogOptions('win32').filters).toEqual([{ name: 'Python', extensions: ['exe'] }]);
    expect(interpreterDialogOptions('linux').properties).toContain('openFile');
  });
});
