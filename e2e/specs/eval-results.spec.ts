/**
 * Evaluation metadata in the window: the "Evaluation results" box beside the preview, the proposed Hub
 * datasets, a value edited in the box moving the table and the metadata with it, a publish that carries
 * model-index and .eval_results, and a card the Hub would refuse stopped before any upload.
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { parse } from 'yaml';
import { buildWorkspace } from '../fixtures/workspace';
import { dropFolder, expect, screenshot, withLocalHub } from './fixtures';

const WRITE = 'hf_' + 'EvalSpecWriteTokenForTheBrowserAAAA';

process.env.HUB_PUBLISHER_KEYCHAIN_SERVICE = 'Hub Publisher (browser spec)';
delete process.env.HF_TOKEN;

const README = `---
license: apache-2.0
---
# Tiny reasoner

| Benchmark | Score |
|---|---|
| GSM8K | {RESULT} |
| ARC Easy | {RESULT} |

Hand-written notes stay as they are.
`;

const HARNESS = { step_100: { gsm8k: 0.3, arc_easy: 0.4 }, step_200: { gsm8k: 0.4379, arc_easy: 0.71283 } };

const test = withLocalHub({
  users: [{ name: 'alice', token: WRITE, role: 'write' }],
});

async function openWorkspace(page: Page, bridgeUrl: string, root: string) {
  await page.goto(bridgeUrl);
  await dropFolder(page, root);
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(2);
  await expect(page.getByTestId('best-reason')).toContainText('step_200', { timeout: 60_000 });
}

async function signInAndName(page: Page, repo: string) {
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Publish' }).click();
  await page.getByLabel(/Hugging Face token|Use another token/).fill(WRITE);
  const keep = page.getByLabel('Keep it in the system keychain');
  if (await keep.isEnabled()) await keep.uncheck();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('publish-account')).toContainText('alice');
  await page.getByLabel('Repository name').fill(repo);
}

test('the Evaluation results box proposes Hub datasets, follows edited values and publishes model-index and .eval_results', async ({
  page,
  bridge,
  tmp,
  hub,
}, testInfo) => {
  process.env.HF_HOME = path.join(tmp, 'hf-home');
  const { root } = await buildWorkspace(path.join(tmp, 'run'), {
    layout: 'step',
    steps: [100, 200],
    lmEval: { results: HARNESS },
    readme: README,
  });
  await openWorkspace(page, bridge.url, root);
  await page.getByRole('button', { name: 'Model card' }).click();

  const box = page.getByRole('complementary', { name: 'Evaluation results' });
  const row = (benchmark: string) => box.locator(`tr[data-benchmark="${benchmark}"]`);
  await expect(row('gsm8k')).toContainText('GSM8K');
  await expect(box.getByLabel('Value of gsm8k')).toHaveValue('0.4379');
  await expect(row('gsm8k')).toContainText('0.438 at three decimals');
  await expect(box.getByLabel('Hub dataset of gsm8k')).toHaveValue('openai/gsm8k');
  await expect(box.getByLabel('Hub dataset of arc_easy')).toHaveValue('allenai/ai2_arc');
  // Off by default: the README's YAML stays as written, and nothing reaches a leaderboard.
  await expect(row('gsm8k')).toContainText('card only (model-index)');
  await box.getByLabel('Write .eval_results files').check();
  await box.getByLabel('Add to model-index').check();
  await expect(row('gsm8k')).toContainText('model page + leaderboard');
  await expect(row('arc_easy')).toContainText('card only (model-index)');
  await expect(box.getByTestId('eval-results-files')).toHaveText('Uploads .eval_results/gsm8k.yaml');

  // A value typed in the box rewrites its table cell; the metadata carries it at full precision.
  const preview = page.getByRole('region', { name: 'Preview' });
  await box.getByLabel('Value of arc_easy').fill('0.7125');
  await box.getByLabel('Value of arc_easy').press('Enter');
  await expect(preview.locator('td[data-benchmark="arc_easy"]')).toHaveText('0.713');
  await expect(page.getByRole('textbox', { name: 'Model card editor' })).toContainText(
    '| ARC Easy | 0.713 |',
  );
  await expect(box.getByLabel('Value of arc_easy')).toHaveValue('0.7125');
  // And the other way: a cell edited in the editor is the value the metadata carries.
  const gsmLine = page.locator('.cm-line').filter({ hasText: '| GSM8K |' });
  await gsmLine.click();
  await page.keyboard.press('End');
  for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowLeft');
  for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+ArrowLeft');
  await page.keyboard.type('0.5');
  await expect(box.getByLabel('Value of gsm8k')).toHaveValue('0.5');
  await screenshot(page, testInfo, 'eval-results-box');

  await signInAndName(page, 'evaluated-model');
  await expect(page.getByTestId('publish-plan-row').locator('td:first-child')).toContainText([
    '.eval_results/gsm8k.yaml',
    'README.md',
  ]);
  await page.getByRole('main').getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Verified' })).toBeVisible({ timeout: 60_000 });

  const readme = await (await fetch(`${hub.url}/alice/evaluated-model/resolve/main/README.md`)).text();
  expect(readme).toContain('| GSM8K | 0.5 |');
  expect(readme).toContain('| ARC Easy | 0.713 |');
  const meta = parse(/^---\n([\s\S]*?)\n---\n/.exec(readme)![1]!) as {
    license: string;
    'model-index': { name: string; results: { dataset: { type: string }; metrics: { value: number }[] }[] }[];
  };
  expect(meta.license).toBe('apache-2.0');
  expect(meta['model-index'][0]!.results.map((r) => [r.dataset.type, r.metrics[0]!.value]).sort()).toEqual([
    ['allenai/ai2_arc', 0.7125],
    ['openai/gsm8k', 0.5],
  ]);
  const entries = parse(
    await (await fetch(`${hub.url}/alice/evaluated-model/resolve/main/.eval_results/gsm8k.yaml`)).text(),
  ) as { dataset: { id: string }; value: number }[];
  expect(entries.map((e) => [e.dataset.id, e.value])).toEqual([['openai/gsm8k', 0.5]]);
});

test('a card the Hub would refuse is stopped before any upload, naming the key', async ({
  page,
  bridge,
  tmp,
  hub,
}, testInfo) => {
  process.env.HF_HOME = path.join(tmp, 'hf-home');
  const { root } = await buildWorkspace(path.join(tmp, 'bad'), {
    layout: 'step',
    steps: [100, 200],
    lmEval: { results: HARNESS },
    readme: README.replace('license: apache-2.0', 'license: apache\nlanguage: [English]'),
  });
  await openWorkspace(page, bridge.url, root);
  const before = hub.requestLog.length;
  await signInAndName(page, 'refused-model');
  const alert = page.getByRole('main').getByRole('alert').filter({ hasText: 'cannot be published' });
  await expect(alert).toContainText('license: license "apache" is not a license id the Hub knows');
  await expect(alert).toContainText('language: language "English" is not a language code');
  await expect(alert).toContainText('Nothing was uploaded.');
  await expect(page.getByRole('main').getByRole('button', { name: 'Publish', exact: true })).toBeDisabled();
  await screenshot(page, testInfo, 'eval-results-refused');
  expect(
    hub.requestLog
      .slice(before)
      .map((e) => e.kind)
      .filter((k) => ['create-repo', 'preupload', 'lfs-batch', 'commit'].includes(k)),
  ).toEqual([]);
});

test('an .eval_results file already in the workspace is merged, and a different value is refused until the user says so', async ({
  page,
  bridge,
  tmp,
}) => {
  const { root } = await buildWorkspace(path.join(tmp, 'merge'), {
    layout: 'step',
    steps: [100, 200],
    lmEval: { results: HARNESS },
    readme: README,
    files: {
      '.eval_results/gsm8k.yaml': '- dataset:\n    id: openai/gsm8k\n    task_id: gsm8k\n  value: 0.25\n',
    },
  });
  await openWorkspace(page, bridge.url, root);
  await page.getByRole('button', { name: 'Model card' }).click();
  const box = page.getByRole('complementary', { name: 'Evaluation results' });
  await box.getByLabel('Write .eval_results files').check();
  const refusal = box.getByRole('alert');
  await expect(refusal).toContainText(
    '.eval_results/gsm8k.yaml[0].value already says 0.25 for gsm8k; this checkpoint scored 0.4379',
  );
  await expect(refusal).toContainText('Replace existing values');
  await box.getByLabel('Replace existing values').check();
  await expect(refusal).toHaveCount(0);
  await expect(box.getByTestId('eval-results-files')).toHaveText('Uploads .eval_results/gsm8k.yaml');
});
