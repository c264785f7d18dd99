import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalHub, type LocalHub } from '../local-hub';
import { dropFolder, test as base } from './fixtures';
import { buildFlowWorkspace, FLOW_TOKEN, publishFlow } from './flow';

// The user's own tokens and keychain entries stay out of the app under test.
process.env.HUB_PUBLISHER_KEYCHAIN_SERVICE = 'Hub Publisher (flow spec)';
delete process.env.HF_TOKEN;

const test = base.extend<{ hub: LocalHub }>({
  // eslint-disable-next-line no-empty-pattern
  hub: async ({}, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flow-spec-hub-'));
    const hub = await startLocalHub({ dataDir: dir, users: [{ name: 'flow-user', token: FLOW_TOKEN, role: 'write' }] });
    await use(hub);
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  },
  hubEndpoint: async ({ hub }, use) => {
    await use(hub.url);
  },
});

test('drop → evaluate → pick on the chart → edit the card → publish → verified', async ({ page, bridge, tmp, hub }, testInfo) => {
  process.env.HF_HOME = path.join(tmp, 'hf-home');
  const root = await buildFlowWorkspace(tmp);
  await page.goto(bridge.url);
  await publishFlow(page, testInfo, { root, hub, openWorkspace: (folder) => dropFolder(page, folder) });
});
