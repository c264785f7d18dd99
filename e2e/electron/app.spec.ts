/**
 * The real app through Playwright's `_electron`. These run wherever the Electron binary is installed (a
 * developer's machine, release CI); on machines without it they skip and say why.
 */
import { expect, test, type ElectronApplication } from '@playwright/test';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { binary, launchApp, MISSING_ELECTRON } from './launch';

if (!binary) console.log(`Electron specs skipped: ${MISSING_ELECTRON}`);
test.skip(!binary, MISSING_ELECTRON);

let app: ElectronApplication;
let tmp: string;

test.beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hub-publisher-electron-'));
  app = await launchApp({ tmp, keychainService: 'Hub Publisher (electron app spec)' });
});

test.afterAll(async () => {
  await app?.close();
  await rm(tmp, { recursive: true, force: true });
});

test('the window is locked down', async () => {
  const page = await app.firstWindow();
  // No Node in the page: context isolation and the sandbox hold.
  expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
  expect(await page.evaluate(() => Object.keys((window as unknown as { api: object }).api))).toContain(
    'workspace',
  );
  // The page is answered (its origin is app://renderer, so the main process trusts it).
  const settings = await page.evaluate(() =>
    (window as unknown as { api: { settings: { get(): Promise<{ ok: boolean }> } } }).api.settings.get(),
  );
  expect(settings.ok).toBe(true);
  // window.open is denied and navigation away is blocked.
  await page.evaluate(() => window.open('https://example.com'));
  expect(app.windows()).toHaveLength(1);
});

test('choosing a folder lists its checkpoints in numeric order', async () => {
  const workspace = path.join(tmp, 'run');
  for (const name of ['step_1000', 'step_200']) {
    await mkdir(path.join(workspace, name), { recursive: true });
    await writeFile(path.join(workspace, name, 'config.json'), '{}');
  }
  await app.evaluate(({ dialog }, folder) => {
    dialog.showOpenDialog = (async () => ({
      canceled: false,
      filePaths: [folder],
    })) as typeof dialog.showOpenDialog;
  }, workspace);
  const page = await app.firstWindow();
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await expect(page.getByTestId('checkpoint-row').locator('.ckpt-table__name')).toHaveText([
    'step_200',
    'step_1000',
  ]);
});
