/**
 * The whole flow as a user goes through it, written once for both transports: the browser specs (test
 * bridge) and the Electron specs (the real app). Only how the workspace is opened differs.
 */
import { downloadFile } from '@huggingface/hub';
import { expect, type Page, type TestInfo } from '@playwright/test';
import path from 'node:path';
import { buildWorkspace } from '../fixtures/workspace';
import type { LocalHub } from '../local-hub';
import { screenshot } from './fixtures';

export const FLOW_TOKEN = 'hf_' + 'FlowSpecWriteTokenAAAAAAAAAAAAAAAA';

const README = `---
license: apache-2.0
---
# Flow model

![Loss curve](assets/loss.png)

| Benchmark | Flow model |
|---|---|
| Math Reasoning | {RESULT} |
| Common Sense | {RESULT} |
| Code Generation | {RESULT} |

Hand-written notes stay as they are.
`;

export async function buildFlowWorkspace(dir: string): Promise<string> {
  const { root } = await buildWorkspace(path.join(dir, 'flow-run'), {
    layout: 'step',
    steps: [100, 200, 300],
    sharded: true,
    weightsBytes: 512 * 1024,
    readme: README,
    images: ['assets/loss.png'],
    benchmarks: {
      math_reasoning: { kind: 'score', scores: { step_100: 0.41, step_200: 0.62, step_300: 0.58 } },
      common_sense: { kind: 'score', scores: { step_100: 0.5, step_200: 0.7, step_300: 0.66 } },
      // Fails for step_300 only: that checkpoint is incomplete and cannot be the best.
      code_generation: { kind: 'score', scores: { step_100: 0.2, step_200: 0.3 } },
    },
  });
  return root;
}

export async function publishFlow(
  page: Page,
  testInfo: TestInfo,
  options: { root: string; hub: LocalHub; openWorkspace(root: string): Promise<void> },
): Promise<void> {
  const { root, hub } = options;
  await options.openWorkspace(root);

  // Evaluate: the scripts run, step_300's code_generation fails and says why, step_200 is the best.
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(3);
  await expect(page.getByTestId('best-reason')).toContainText('step_200', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'code_generation failed for step_300: show why' })).toBeVisible();
  await expect(page.locator('[data-checkpoint="step_200"]').getByTestId('eval-accuracy')).toHaveText('0.540');

  // Pick step_100 on the chart instead of the best.
  await page.locator('.recharts-line-dots').first().locator('circle').first().click({ force: true });
  await expect(page.getByTestId('choice-summary')).toContainText('Chosen: step_100');
  await screenshot(page, testInfo, 'flow-1-checkpoints');

  // The card follows the choice; the user adds a line.
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Model card' }).click();
  const preview = page.getByRole('region', { name: 'Preview' });
  await expect(preview.getByRole('row', { name: /Math Reasoning/ })).toContainText('0.410');
  await expect(preview.getByRole('row', { name: /Code Generation/ })).toContainText('0.200');
  const editor = page.getByRole('textbox', { name: 'Model card editor' });
  await expect(editor).toContainText('| Math Reasoning | 0.410 |');
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nPublished with Hub Publisher.\n');
  await expect(preview).toContainText('Published with Hub Publisher.');
  await screenshot(page, testInfo, 'flow-2-card');

  // Publish: sign in, name the repository, publish, see it verified.
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Publish' }).click();
  await page.getByLabel(/Hugging Face token|Use another token/).fill(FLOW_TOKEN);
  const keep = page.getByLabel('Keep it in the system keychain');
  if (await keep.isEnabled()) await keep.uncheck();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('publish-account')).toContainText('flow-user');
  await page.getByLabel('Repository name').fill('flow-model');
  await expect(page.getByTestId('publish-checkpoint')).toContainText('step_100');
  await page.getByRole('main').getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Verified' })).toBeVisible({ timeout: 90_000 });
  const url = `${hub.url}/flow-user/flow-model`;
  await expect(page.getByTestId('publish-url')).toHaveText(url);
  await screenshot(page, testInfo, 'flow-3-published');

  // What the Hub now serves is what the user saw: step_100's scores and their own line.
  const readme = await downloadFile({
    repo: 'flow-user/flow-model',
    path: 'README.md',
    hubUrl: hub.url,
    accessToken: FLOW_TOKEN,
  });
  const text = await readme!.text();
  expect(text).toContain('| Math Reasoning | 0.410 |');
  expect(text).toContain('| Code Generation | 0.200 |');
  expect(text).toContain('Published with Hub Publisher.');
  expect(text).toContain('Hand-written notes stay as they are.');
  expect(text).not.toContain(FLOW_TOKEN);
  const image = await downloadFile({ repo: 'flow-user/flow-model', path: 'assets/loss.png', hubUrl: hub.url, accessToken: FLOW_TOKEN });
  expect(image).not.toBeNull();
}
