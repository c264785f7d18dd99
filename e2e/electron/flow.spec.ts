/**
 * The whole flow in the real app: the same steps as the browser flow spec, with Electron's own IPC,
 * preload and window. Runs wherever the Electron binary is installed; skips, saying why, elsewhere.
 */
import { test } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalHub } from '../local-hub';
import { buildFlowWorkspace, FLOW_TOKEN, publishFlow } from '../specs/flow';
import { binary, launchApp, MISSING_ELECTRON } from './launch';

if (!binary) console.log(`Electron flow spec skipped: ${MISSING_ELECTRON}`);
test.skip(!binary, MISSING_ELECTRON);

test('drop → evaluate → pick on the chart → edit the card → publish → verified, in the real app', async ({
  browserName: _,
}, testInfo) => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'hub-publisher-electron-flow-'));
  const hub = await startLocalHub({
    dataDir: path.join(tmp, 'hub'),
    users: [{ name: 'flow-user', token: FLOW_TOKEN, role: 'write' }],
  });
  const app = await launchApp({
    tmp,
    hubEndpoint: hub.url,
    keychainService: 'Hub Publisher (electron flow spec)',
  });
  try {
    const page = await app.firstWindow();
    const root = await buildFlowWorkspace(tmp);
    await publishFlow(page, testInfo, {
      root,
      hub,
      // A synthetic drop has no real path in Electron; the folder picker does.
      openWorkspace: async (folder) => {
        await app.evaluate(({ dialog }, chosen) => {
          dialog.showOpenDialog = (async () => ({
            canceled: false,
            filePaths: [chosen],
          })) as typeof dialog.showOpenDialog;
        }, folder);
        await page.getByRole('button', { name: 'Choose folder…' }).click();
      },
    });
  } finally {
    await app.close();
    await hub.close();
    await rm(tmp, { recursive: true, force: true });
  }
});
