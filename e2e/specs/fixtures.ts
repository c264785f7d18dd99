/**
 * Playwright fixtures for browser specs: a fresh app data folder and a test bridge per test, and helpers
 * that act as a user would (drop a folder on the window, save a screenshot artifact).
 */
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBridge, type Bridge } from '../bridge/server';
import { startLocalHub, type LocalHub, type LocalHubOptions } from '../local-hub';

export interface AppFixtures {
  tmp: string;
  bridge: Bridge;
  hubEndpoint: string;
}

export const test = base.extend<AppFixtures>({
  // eslint-disable-next-line no-empty-pattern
  tmp: async ({}, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hub-publisher-spec-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  hubEndpoint: ['https://huggingface.co', { option: true }],
  bridge: async ({ tmp, hubEndpoint }, use) => {
    const bridge = await startBridge({ dataDir: path.join(tmp, 'app-data'), hubEndpoint });
    activeBridge = bridge;
    await use(bridge);
    activeBridge = null;
    await bridge.close();
  },
});

export { expect };

/** Drops a folder on the window the way a file manager does: a drop event whose File has a real path. */
let activeBridge: Bridge | null = null;

export async function dropFolder(page: Page, folder: string): Promise<void> {
  // The user really dropped it: the bridge accepts this path as dropped (Electron's webUtils would report it).
  activeBridge?.expectDrop(folder);
  await page.evaluate((folderPath) => {
    const file = new File([], folderPath.split('/').pop() ?? 'folder');
    Object.defineProperty(file, 'path', { value: folderPath });
    const data = new DataTransfer();
    data.items.add(file);
    const target = document.querySelector('.app') ?? document.body;
    target.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data }));
    target.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
  }, folder);
}

/** Saves a full-page screenshot as a test artifact (attached to the report and kept in test-results/). */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<string> {
  const file = testInfo.outputPath(`${name}.png`);
  // From the top: a scrolled page would put the sticky header in the middle of a full-page image.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
  return file;
}

/**
 * The app fixtures plus one local Hub per worker, which the bridge uses as its endpoint: specs that publish
 * or read the Hub say only who its users are and how it behaves.
 */
export function withLocalHub(options: Omit<LocalHubOptions, 'dataDir'>) {
  return test.extend<object, { hub: LocalHub }>({
    hub: [
      // eslint-disable-next-line no-empty-pattern
      async ({}, use) => {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'spec-hub-'));
        const hub = await startLocalHub({ ...options, dataDir: dir });
        await use(hub);
        await hub.close();
        await rm(dir, { recursive: true, force: true });
      },
      { scope: 'worker' },
    ],
    hubEndpoint: async ({ hub }, use) => {
      await use(hub.url);
    },
  });
}
