/**
 * One workspace after another in the same window (issue #12), through the real handlers, services and local
 * Hub: each workspace has its own repository name and its own evaluation; a repository another workspace
 * published to shows what it already holds, asks before taking this workspace's checkpoint, and verification
 * names the files on the Hub this publish does not account for.
 */
import { uploadFile } from '@huggingface/hub';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { buildWorkspace, type BuildWorkspaceOptions } from '../fixtures/workspace';
import { dropFolder, expect, screenshot, withLocalHub } from './fixtures';

const WRITE = 'hf_' + 'SessionSpecWriteTokenAAAAAAAAAAAAAA';

process.env.HUB_PUBLISHER_KEYCHAIN_SERVICE = 'Hub Publisher (browser spec)';
delete process.env.HF_TOKEN;

const test = withLocalHub({
  users: [{ name: 'alice', token: WRITE, role: 'write' }],
});

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name }).click();
const publishButton = (page: Page) =>
  page.getByRole('main').getByRole('button', { name: 'Publish', exact: true });

async function open(page: Page, tmp: string, name: string, options: BuildWorkspaceOptions): Promise<string> {
  process.env.HF_HOME = path.join(tmp, 'hf-home');
  const { root } = await buildWorkspace(path.join(tmp, name), {
    layout: 'step',
    steps: [100, 200],
    ...options,
  });
  await dropFolder(page, root);
  await expect(page.getByRole('banner')).toContainText(root);
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(2);
  return root;
}

async function signIn(page: Page) {
  await page.getByLabel(/Hugging Face token|Use another token/).fill(WRITE);
  const keep = page.getByLabel('Keep it in the system keychain');
  if (await keep.isEnabled()) await keep.uncheck();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('publish-account')).toContainText('alice');
}

test('another workspace is evaluated on its own and never shows the previous one’s scores (case 2)', async ({
  page,
  bridge,
  tmp,
}, testInfo) => {
  await page.goto(bridge.url);
  // The first workspace's evaluation is slow: the second is opened while its scripts run.
  await open(page, tmp, 'slow-run', {
    benchmarks: { arc: { kind: 'score', scores: { step_100: 0.111, step_200: 0.222 }, delayMs: 12_000 } },
  });
  await expect(page.getByText(/Evaluating: \d+ of 2 runs/)).toBeVisible({ timeout: 30_000 });

  const second = await open(page, tmp, 'quick-run', {
    benchmarks: { arc: { kind: 'score', scores: { step_100: 0.777, step_200: 0.888 } } },
  });
  await expect(page.getByTestId('best-reason')).toContainText('step_200', { timeout: 60_000 });
  await expect(page.locator('[data-checkpoint="step_200"]').getByTestId('eval-accuracy')).toHaveText('0.888');
  // Long enough for the first workspace's scripts to have answered, were they still running.
  await page.waitForTimeout(13_000);
  await expect(page.getByRole('main')).not.toContainText('0.222');
  await expect(page.getByRole('main')).not.toContainText('0.111');
  await expect(page.getByRole('banner')).toContainText(second);

  await nav(page, 'Model card');
  const editor = page.getByRole('textbox', { name: 'Model card editor' });
  await expect(editor).toContainText('0.888');
  await expect(editor).not.toContainText('0.222');
  await screenshot(page, testInfo, 'session-second-workspace-card');
});

test('each workspace has its own repository; publishing into another workspace’s asks, keeps or deletes its files, and names what it cannot account for', async ({
  page,
  bridge,
  tmp,
  hub,
}, testInfo) => {
  await page.goto(bridge.url);
  const bert = await open(page, tmp, 'bert-run', { sharded: true, readme: '# BERT base\n\nAn encoder.\n' });
  await nav(page, 'Publish');
  await signIn(page);
  // Proposed from the README's title, and said so.
  const name = page.getByLabel('Repository name');
  await expect(name).toHaveValue('BERT-base');
  await expect(page.getByTestId('publish-repo-source')).toHaveAttribute('data-source', 'readme-title');
  await name.fill('tr1');
  await expect(page.getByTestId('publish-plan-row').first()).toBeVisible();
  await publishButton(page).click();
  await expect(page.getByRole('heading', { name: 'Verified' })).toBeVisible({ timeout: 60_000 });

  // Case 1: another workspace never inherits the repository typed for the previous one.
  await open(page, tmp, 'llama-run', { readme: '# Llama 7B\n\nA decoder.\n' });
  await nav(page, 'Publish');
  await expect(page.getByTestId('publish-account')).toContainText('alice');
  await expect(name).toHaveValue('Llama-7B');
  await expect(page.getByTestId('publish-target')).toContainText(`${hub.url}/alice/Llama-7B`);

  // The user chooses the first workspace's repository on purpose: the plan shows what is already there.
  await name.fill('tr1');
  const remoteOnly = page.getByTestId('publish-remote-only');
  await expect(remoteOnly).toContainText('On the Hub, not in this upload');
  await expect(
    remoteOnly.getByTestId('publish-remote-only-row').filter({ hasText: 'model-00001-of-00002.safetensors' }),
  ).toHaveAttribute('data-action', 'keep');
  const other = page.getByTestId('publish-other-workspace');
  await expect(other).toContainText(bert);
  await expect(other).toContainText('step_200');
  await expect(publishButton(page)).toBeDisabled();
  await expect(page.locator('#publish-blocked')).toContainText('Confirm');
  await screenshot(page, testInfo, 'session-other-workspace');
  await other.getByLabel('Publish this workspace’s checkpoint into it anyway').check();
  await expect(publishButton(page)).toBeEnabled();

  // Someone else adds a file after the plan was made: this publish cannot account for it.
  await uploadFile({
    repo: 'alice/tr1',
    file: { path: 'added-elsewhere.txt', content: new Blob(['from a colleague\n']) },
    hubUrl: hub.url,
    accessToken: WRITE,
  });
  await publishButton(page).click();
  const mixed = page.getByRole('heading', {
    name: 'Published, but the repository also holds files this publish does not account for',
  });
  await expect(mixed).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('publish-unaccounted')).toContainText('added-elsewhere.txt');
  await expect(page.getByTestId('publish-kept')).toContainText('model-00001-of-00002.safetensors');
  await expect(page.getByRole('heading', { name: 'Verified' })).toHaveCount(0);
  await screenshot(page, testInfo, 'session-unaccounted');

  // Deleting what this workspace does not hold leaves a repository that is exactly this publish.
  await page.getByLabel('Delete them in the same commit').check();
  await expect(
    remoteOnly.getByTestId('publish-remote-only-row').filter({ hasText: 'added-elsewhere.txt' }),
  ).toHaveAttribute('data-action', 'delete');
  await publishButton(page).click();
  await expect(page.getByRole('heading', { name: 'Verified' })).toBeVisible({ timeout: 60_000 });
  const tree = (await (await fetch(`${hub.url}/api/models/alice/tr1/tree/main?recursive=true`)).json()) as {
    path: string;
    type: string;
  }[];
  const files = tree.filter((e) => e.type === 'file').map((e) => e.path);
  expect(files).toContain('model.safetensors');
  expect(files).not.toContain('model-00001-of-00002.safetensors');
  expect(files).not.toContain('added-elsewhere.txt');

  // The first workspace, opened again, proposes the repository it was published to.
  await open(page, tmp, 'bert-run', { sharded: true, readme: '# BERT base\n\nAn encoder.\n' });
  await nav(page, 'Publish');
  await expect(name).toHaveValue('tr1');
  await expect(page.getByTestId('publish-repo-source')).toHaveAttribute('data-source', 'remembered');
});

test('the card fills the model’s own column, as the CLI does, never the baseline’s (case 3)', async ({
  page,
  bridge,
  tmp,
}) => {
  await page.goto(bridge.url);
  // Published once already: the model's column holds numbers, no placeholders say which column is meant.
  const readme = [
    '# my-model',
    '',
    '| Benchmark | my-model | Baseline |',
    '|---|---|---|',
    '| Math Reasoning | 0.100 | 0.300 |',
    '',
  ].join('\n');
  await open(page, tmp, 'column-run', {
    readme,
    benchmarks: { math_reasoning: { kind: 'score', scores: { step_100: 0.41, step_200: 0.62 } } },
  });
  await expect(page.getByTestId('best-reason')).toContainText('step_200', { timeout: 60_000 });
  await nav(page, 'Model card');
  const row = page.getByRole('region', { name: 'Preview' }).getByRole('row', { name: /Math Reasoning/ });
  await expect(row.getByRole('cell')).toHaveText(['Math Reasoning', '0.620', '0.300']);
  await expect(page.getByRole('textbox', { name: 'Model card editor' })).toContainText(
    '| Math Reasoning | 0.620 | 0.300 |',
  );
});
