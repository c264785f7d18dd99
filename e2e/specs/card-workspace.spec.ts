/**
 * The Model card as a user finishes it: a card written for the model's task (a BERT classifier gets no
 * system prompt or temperature), facts about the run from its latest trainer state, links on the endpoint
 * the app publishes to, the TODOs left to fill with a jump to each, the license from the Hub's list, a
 * warning before publishing a card that still has TODOs, and Ctrl+S saving the README into the workspace
 * (diff first, backup kept, refused when the file changed on disk).
 */
import type { Page } from '@playwright/test';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildWorkspace } from '../fixtures/workspace';
import { dropFolder, expect, screenshot, withLocalHub } from './fixtures';

const WRITE = 'hf_' + 'AliceWriteTokenForTheCardSpecAAAAAA';

process.env.HUB_PUBLISHER_KEYCHAIN_SERVICE = 'Hub Publisher (browser spec)';
delete process.env.HF_TOKEN;

const test = withLocalHub({
  users: [{ name: 'alice', token: WRITE, role: 'write' }],
});

const SCORES = { checkpoint_100: 0.5, checkpoint_200: 0.7, checkpoint_300: 0.6 };
const benchmarks = (prefix: string) => ({
  sst2: {
    kind: 'score' as const,
    scores: Object.fromEntries(Object.entries(SCORES).map(([k, v]) => [k.replace('checkpoint_', prefix), v])),
  },
});

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name }).click();

async function open(page: Page, bridgeUrl: string, root: string, best: string) {
  await page.goto(bridgeUrl);
  await dropFolder(page, root);
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(3);
  await expect(page.getByTestId('best-reason')).toContainText(best, { timeout: 60_000 });
  await nav(page, 'Model card');
}

test('a BERT classifier gets a classifier’s card: its labels, the run’s best, links on the endpoint, TODOs to jump to, a license from the list, and a warning before publishing', async ({
  page,
  bridge,
  tmp,
  hub,
}, testInfo) => {
  process.env.HF_HOME = path.join(tmp, 'hf-home');
  const { root } = await buildWorkspace(path.join(tmp, 'sentiment'), {
    layout: 'trainer',
    steps: [100, 200, 300],
    benchmarks: benchmarks('checkpoint-'),
    // The trainer picked checkpoint-300 by eval_loss at the end of the run; checkpoint-200's own snapshot
    // (written at step 200) names no best yet.
    bestModelCheckpoint: 'out/checkpoint-300',
    defaults: {
      config: {
        architectures: ['BertForSequenceClassification'],
        model_type: 'bert',
        id2label: { '0': 'negative', '1': 'positive' },
      },
    },
  });
  await open(page, bridge.url, root, 'checkpoint-200');
  const preview = page.getByRole('region', { name: 'Preview' });
  await expect(page.getByRole('heading', { name: 'Generated card' })).toBeVisible();
  await expect(preview).toContainText('pipeline("text-classification", model=');
  await expect(preview).toContainText('Labels: negative, positive.');
  await expect(preview).not.toContainText(/system prompt|temperature/i);
  await expect(page.getByLabel('System prompt')).toHaveCount(0);
  await expect(page.getByLabel('Recommended temperature')).toHaveCount(0);
  await expect(preview.getByRole('group', { name: 'Metadata' })).toContainText('text-classification');
  // The card describes checkpoint-200, and the trainer's own verdict comes from the run's final state.
  await expect(preview).toContainText('This card describes checkpoint-200');
  await expect(preview).toContainText('Best checkpoint according to the trainer: checkpoint-300');
  await expect(preview).toContainText('Steps: 300 of 10000');
  // The repository link points at the endpoint the app publishes to.
  await expect(preview.getByRole('link', { name: /\/sentiment$/ })).toHaveAttribute(
    'href',
    new RegExp(`^${hub.url.replace(/[.]/g, '\\.')}/`),
  );

  // What is left to fill, each a jump into the editor.
  const todos = page.getByRole('region', { name: /Left to fill/ });
  await expect(todos.getByRole('heading')).toHaveText(/Left to fill: \d+ TODOs/);
  const initial = await todos.getByRole('listitem').count();
  expect(initial).toBeGreaterThanOrEqual(4);
  await todos.getByRole('button', { name: /^choose a license id/ }).click();
  const editor = page.getByRole('textbox', { name: 'Model card editor' });
  await expect(editor).toBeFocused();
  await expect(page.locator('.cm-activeLine')).toContainText('# TODO: choose a license id');
  // In the front matter `# TODO` is a YAML comment: not drawn as a heading (underlined, bold) as the
  // body's title is.
  const headingStyle = (line: string) =>
    page
      .locator('.cm-line', { hasText: line })
      .first()
      .evaluate((el) => {
        const spans = [el, ...el.querySelectorAll('span')];
        return spans.some((s) => getComputedStyle(s).textDecorationLine.includes('underline'));
      });
  expect(await headingStyle('# TODO: choose a license id')).toBe(false);
  expect(await headingStyle('# sentiment')).toBe(true);
  await screenshot(page, testInfo, 'card-todos-1280-light');
  await page.setViewportSize({ width: 900, height: 600 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, testInfo, 'card-todos-900-dark');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });

  // The license comes from the Hub's list: a search narrows the select; no free text.
  await page.getByLabel('Search licenses').fill('apache');
  const license = page.getByLabel('License', { exact: true });
  await expect(license.locator('option')).toHaveText(['Not chosen yet', 'apache-2.0']);
  await license.selectOption('apache-2.0');
  await expect(preview.getByRole('group', { name: 'Metadata' })).toContainText('apache-2.0');
  await expect(todos.getByRole('button', { name: /^choose a license id/ })).toHaveCount(0);
  await page.getByLabel('Search licenses').fill('zzz');
  await expect(page.getByText('No Hub license id contains “zzz”')).toBeVisible();
  await page.getByLabel('Search licenses').fill('other');
  await license.selectOption('other');
  await page.getByLabel('License name').fill('acme-research');
  await page.getByLabel('License link').fill('LICENSE.md');
  const metadata = preview.getByRole('group', { name: 'Metadata' });
  await expect(metadata).toContainText('license_name');
  await expect(metadata).toContainText('acme-research');
  await expect(preview.getByRole('link', { name: 'acme-research' })).toHaveAttribute('href', 'LICENSE.md');
  await screenshot(page, testInfo, 'card-license-other-1280-light');

  // Publishing a card that still has TODOs asks first; declining publishes nothing.
  await nav(page, 'Publish');
  await page.getByLabel(/Hugging Face token|Use another token/).fill(WRITE);
  const keep = page.getByLabel('Keep it in the system keychain');
  if (await keep.isEnabled()) await keep.uncheck();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('publish-account')).toContainText('alice');
  const publish = page.getByRole('main').getByRole('button', { name: 'Publish', exact: true });
  await expect(publish).toBeEnabled({ timeout: 30_000 });
  const asked: string[] = [];
  page.once('dialog', (dialog) => {
    asked.push(dialog.message());
    void dialog.dismiss();
  });
  const before = hub.requestLog.length;
  await publish.click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toMatch(/still has \d+ TODOs to fill/);
  expect(asked[0]).toContain('describe the model');
  await expect(publish).toHaveText('Publish');
  expect(hub.requestLog.slice(before).filter((r) => r.kind === 'commit' || r.kind === 'create-repo')).toEqual(
    [],
  );
});

const README = `---
license: apache-2.0
---
# Tiny classifier

| Benchmark | Tiny classifier |
|---|---|
| SST2 | {RESULT} |
`;

test('Ctrl+S saves the card into the workspace with the diff first and a backup, and refuses a README changed on disk', async ({
  page,
  bridge,
  tmp,
}, testInfo) => {
  const { root } = await buildWorkspace(path.join(tmp, 'saved'), {
    steps: [100, 200, 300],
    benchmarks: benchmarks('step_'),
    readme: README,
  });
  await open(page, bridge.url, root, 'step_200');
  const editor = page.getByRole('textbox', { name: 'Model card editor' });
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nEdited in Hub Publisher.');
  await page.keyboard.press('Control+s');

  const dialog = page.getByRole('dialog', { name: /Save the card as README\.md/ });
  await expect(dialog).toBeVisible();
  // The diff says what changes on disk: the filled score and the new line.
  await expect(dialog).toContainText('Edited in Hub Publisher.');
  await expect(dialog).toContainText('0.700');
  await expect(dialog).toContainText('compared with the README on disk');
  await screenshot(page, testInfo, 'card-save-diff-1280-light');
  await page.setViewportSize({ width: 900, height: 600 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, testInfo, 'card-save-diff-900-dark');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
  // Cancel writes nothing.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect(await readFile(path.join(root, 'README.md'), 'utf8')).toBe(README);

  await page.keyboard.press('Control+s');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Saved README.md in the workspace' }),
  ).toBeVisible();
  const written = await readFile(path.join(root, 'README.md'), 'utf8');
  expect(written).toContain('| SST2 | 0.700 |');
  expect(written).toContain('Edited in Hub Publisher.');
  // The previous README is kept in the app's data folder, not in the workspace (it would be uploaded).
  const backups = path.join(tmp, 'app-data', 'card-backups');
  const [folder] = await readdir(backups);
  const [backup] = await readdir(path.join(backups, folder!));
  expect(await readFile(path.join(backups, folder!, backup!), 'utf8')).toBe(README);
  expect((await readdir(root)).filter((f) => /readme/i.test(f))).toEqual(['README.md']);
  // Saved, the card has no edits left to discard.
  await expect(page.getByRole('button', { name: 'Discard edits' })).toBeDisabled();

  // Another editor writes the README; the next save is refused and their text stays.
  const theirs = written.replace('Edited in Hub Publisher.', 'Edited in another editor.');
  await writeFile(path.join(root, 'README.md'), theirs);
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nA second edit.');
  await page.keyboard.press('Control+s');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toContainText('changed on disk since the card was read');
  expect(await readFile(path.join(root, 'README.md'), 'utf8')).toBe(theirs);
});
