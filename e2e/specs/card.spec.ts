import { createRepo, uploadFiles } from '@huggingface/hub';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { buildWorkspace } from '../fixtures/workspace';
import { startLocalHub, type LocalHub } from '../local-hub';
import { dropFolder, expect, screenshot, test } from './fixtures';

const SCORES = {
  math_reasoning: { step_100: 0.41, step_200: 0.62, step_300: 0.58 },
  common_sense: { step_100: 0.5, step_200: 0.7, step_300: 0.6625 },
};

const README = `---
license: apache-2.0
tags:
  - reasoning
---
# Tiny reasoner

![Loss curve](assets/loss.png)

## Results

| Group | Benchmark | Tiny reasoner | Baseline |
|---|---|---|---|
| **Reasoning** | Math Reasoning | {RESULT} | 0.300 |
| | Common-Sense | {RESULT} | 0.450 |
| | *Average* | {RESULT} | 0.375 |

Written by hand, and it must stay as written.
`;

async function openWorkspace(page: Page, bridgeUrl: string, root: string) {
  await page.goto(bridgeUrl);
  await dropFolder(page, root);
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(3);
  // The evaluation chooses step_200: it is best on every benchmark (its scripts take a while on a loaded machine).
  await expect(page.getByTestId('best-reason')).toContainText('step_200', { timeout: 60_000 });
}

/** Score scripts; `prefix` renames the checkpoints for other layouts (`checkpoint-` for the Trainer's). */
function scoreBenchmarks(prefix = 'step_') {
  const rename = (scores: Record<string, number>) =>
    Object.fromEntries(Object.entries(scores).map(([name, v]) => [name.replace('step_', prefix), v]));
  return {
    math_reasoning: { kind: 'score' as const, scores: rename(SCORES.math_reasoning) },
    common_sense: { kind: 'score' as const, scores: rename(SCORES.common_sense) },
  };
}

test('the card follows the chosen checkpoint while the user edits it', async ({
  page,
  bridge,
  tmp,
}, testInfo) => {
  const { root } = await buildWorkspace(path.join(tmp, 'run'), {
    steps: [100, 200, 300],
    benchmarks: scoreBenchmarks(),
    readme: README,
    images: ['assets/loss.png'],
  });
  await openWorkspace(page, bridge.url, root);
  await page.getByRole('button', { name: 'Model card' }).click();

  const preview = page.getByRole('region', { name: 'Preview' });
  const cell = (benchmark: string) => preview.locator(`td[data-benchmark="${benchmark}"]`);
  await expect(page.getByTestId('card-checkpoint')).toHaveText('step_200');
  await expect(cell('math_reasoning')).toHaveText('0.620');
  await expect(cell('common_sense')).toHaveText('0.700');
  await expect(cell('eval_accuracy')).toHaveText('0.660');
  // The baseline column is not the model's and keeps its numbers.
  await expect(preview.getByRole('row', { name: /Math Reasoning/ })).toContainText('0.300');
  // Front matter is shown as metadata, the image comes from the workspace.
  await expect(preview.getByRole('group', { name: 'Metadata' })).toContainText('apache-2.0');
  await expect(preview.getByRole('img', { name: 'Loss curve' })).toHaveAttribute(
    'src',
    /^data:image\/png;base64,/,
  );

  // The user writes in the editor.
  const editor = page.getByRole('textbox', { name: 'Model card editor' });
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nMy own closing note.');
  await expect(preview).toContainText('My own closing note.');

  // Another checkpoint picked on the Checkpoints screen: the table changes, the edit stays.
  await page.getByRole('button', { name: 'Checkpoints' }).click();
  await page.locator('[data-checkpoint="step_300"]').click();
  await page.getByRole('button', { name: 'Model card' }).click();
  await expect(page.getByTestId('card-checkpoint')).toHaveText('step_300');
  await expect(cell('math_reasoning')).toHaveText('0.580');
  // 0.6625 is a binary tie: Python's format gives 0.662 (ties to even).
  await expect(cell('common_sense')).toHaveText('0.662');
  await expect(cell('math_reasoning')).toHaveAttribute('title', /was 0\.620/);
  await expect(editor).toContainText('My own closing note.');
  await expect(preview).toContainText('Written by hand, and it must stay as written.');

  // Picked again with the editor open: the cells change in place.
  await page.getByLabel('Checkpoint', { exact: true }).selectOption('step_100');
  await expect(cell('math_reasoning')).toHaveText('0.410');
  await expect(cell('eval_accuracy')).toHaveText('0.455');
  await expect(editor).toContainText('| **Reasoning** | Math Reasoning | 0.410 | 0.300 |');
  await expect(editor).toContainText('My own closing note.');
  await screenshot(page, testInfo, 'card-light');

  // The diff against the README on disk shows the filled cells and the user's line.
  await page.getByRole('tab', { name: 'Changes from disk' }).click();
  const diff = page.getByRole('region', { name: 'Changes from the README on disk' });
  await expect(diff).toContainText('My own closing note.');
  await expect(diff).toContainText('| **Reasoning** | Math Reasoning | {RESULT} | 0.300 |');
  await screenshot(page, testInfo, 'card-diff');

  await page.getByRole('tab', { name: 'Preview' }).click();
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, testInfo, 'card-dark');

  // The edits survive reopening the workspace.
  await page.getByRole('button', { name: 'Workspace' }).click();
  await page.getByRole('button', { name: root }).click();
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(3);
  await page.getByRole('button', { name: 'Model card' }).click();
  await expect(page.getByRole('textbox', { name: 'Model card editor' })).toContainText(
    'My own closing note.',
  );
  await expect(cell('math_reasoning')).toHaveText('0.620');
});

test('missing images and invalid metadata are reported', async ({ page, bridge, tmp }, testInfo) => {
  const { root } = await buildWorkspace(path.join(tmp, 'broken'), {
    steps: [100, 200, 300],
    benchmarks: scoreBenchmarks(),
    readme: `---\nlicense: not-a-license\nbase_model: /home/me/models/base\n---\n# Card\n\n![Gone](assets/gone.png)\n\n| Benchmark | Score |\n|---|---|\n| Math Reasoning | {RESULT} |\n| Poetry | {RESULT} |\n`,
  });
  await openWorkspace(page, bridge.url, root);
  await page.getByRole('button', { name: 'Model card' }).click();

  const warnings = page.getByRole('region', { name: /problem/ });
  await expect(warnings).toContainText('assets/gone.png');
  await expect(warnings).toContainText('not-a-license');
  await expect(warnings).toContainText('/home/me/models/base');
  await expect(warnings).toContainText('common_sense');
  await expect(warnings).toContainText('Poetry');
  await expect(page.getByRole('region', { name: 'Preview' })).toContainText('Missing image: assets/gone.png');
  await screenshot(page, testInfo, 'card-warnings');

  // Keyboard: Tab leaves the editor (it does not trap focus), and the views are tabs moved with the arrows.
  await page.getByRole('textbox', { name: 'Model card editor' }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('tab', { name: 'Preview' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Changes from disk' })).toBeFocused();
  await expect(page.getByRole('tab', { name: 'Changes from disk' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel')).toContainText('compared with the README on disk');
});

test('a workspace without a README gets a complete generated card that follows the checkpoint', async ({
  page,
  bridge,
  tmp,
}, testInfo) => {
  const { root } = await buildWorkspace(path.join(tmp, 'no-readme'), {
    layout: 'trainer',
    steps: [100, 200, 300],
    benchmarks: scoreBenchmarks('checkpoint-'),
  });
  await page.goto(bridge.url);
  await dropFolder(page, root);
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(3);
  await expect(page.getByTestId('best-reason')).toContainText('checkpoint-200', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Model card' }).click();

  const preview = page.getByRole('region', { name: 'Preview' });
  await expect(page.getByRole('heading', { name: 'Generated card' })).toBeVisible();
  await expect(preview.getByRole('heading', { name: 'no-readme', level: 1 })).toBeVisible();
  await expect(preview.getByRole('group', { name: 'Metadata' })).toContainText('transformers');
  await expect(preview.getByRole('row', { name: /Math Reasoning/ })).toContainText('0.620');
  await expect(preview.getByRole('row', { name: /Average/ })).toContainText('0.660');
  await expect(preview).toContainText('checkpoint-200');
  // The Trainer's log gives a training section.
  await expect(preview.getByRole('heading', { name: /Training/ }).first()).toBeVisible();

  // System prompt and temperature go into the usage snippet.
  await page.getByLabel('System prompt').fill('You are a careful reasoner.');
  await page.getByLabel('Recommended temperature').fill('0.3');
  await expect(preview).toContainText('You are a careful reasoner.');
  await expect(preview).toContainText('temperature=0.3');

  // The user's own words stay when another checkpoint is picked; the card's facts follow it.
  const editor = page.getByRole('textbox', { name: 'Model card editor' });
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nThanks to the whole team.');
  await page.getByLabel('Checkpoint', { exact: true }).selectOption('checkpoint-300');
  await expect(preview.getByRole('row', { name: /Math Reasoning/ })).toContainText('0.580');
  await expect(preview).toContainText('checkpoint-300');
  await expect(preview).toContainText('Thanks to the whole team.');
  await expect(preview).toContainText('You are a careful reasoner.');
  await screenshot(page, testInfo, 'card-generated-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, testInfo, 'card-generated-dark');

  // Reopening the workspace keeps the edits and the options.
  await page.getByRole('button', { name: 'Workspace' }).click();
  await page.getByRole('button', { name: root }).click();
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(3);
  await page.getByRole('button', { name: 'Model card' }).click();
  await expect(page.getByLabel('System prompt')).toHaveValue('You are a careful reasoner.');
  await expect(preview).toContainText('Thanks to the whole team.');
  // The evaluation chose the best checkpoint again, and the card says so.
  await expect(preview.getByRole('row', { name: /Math Reasoning/ })).toContainText('0.620');
  await expect(preview).toContainText('checkpoint-200');
});

test('a CRLF README keeps its line endings while it is edited', async ({ page, bridge, tmp }) => {
  const crlf = [
    '# Card',
    '',
    '| Benchmark | Score |',
    '|---|---|',
    '| Math Reasoning | {RESULT} |',
    '',
    'Last line.',
    '',
  ].join('\r\n');
  const { root } = await buildWorkspace(path.join(tmp, 'crlf'), {
    steps: [100, 200, 300],
    benchmarks: scoreBenchmarks(),
    readme: crlf,
  });
  await openWorkspace(page, bridge.url, root);
  await page.getByRole('button', { name: 'Model card' }).click();
  await expect(
    page.getByRole('region', { name: 'Preview' }).locator('td[data-benchmark="math_reasoning"]'),
  ).toHaveText('0.620');

  await page.getByRole('textbox', { name: 'Model card editor' }).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('Added by hand.');
  await page.keyboard.press('Enter');
  await page.getByRole('tab', { name: 'Changes from disk' }).click();
  // Only the filled row and the new line differ: every other line still ends in CRLF.
  const diff = page.getByRole('region', { name: 'Changes from the README on disk' });
  await expect(diff).toContainText('2 lines added');
  await expect(diff).toContainText('1 removed');
  await expect(diff.locator('.card-diff__line--add')).toHaveText([
    /Math Reasoning \| 0\.620/,
    /Added by hand\./,
  ]);
});

const ALICE = { name: 'alice', token: 'hf_' + 'AliceCardSpecWriteTokenAAAAAAAAAAAA', role: 'write' as const };

const hubTest = test.extend<object, { hub: LocalHub }>({
  hub: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'card-spec-hub-'));
      const hub = await startLocalHub({ dataDir: dir, users: [ALICE] });
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

hubTest(
  'the card is compared with the README already on the Hub',
  async ({ page, bridge, tmp, hub }, testInfo) => {
    const credentials = { accessToken: ALICE.token, hubUrl: hub.url };
    await createRepo({ repo: 'alice/tiny-reasoner', ...credentials });
    const onHub = README.replace(
      'Written by hand, and it must stay as written.',
      'The first version, as published.',
    );
    await uploadFiles({
      repo: 'alice/tiny-reasoner',
      files: [{ path: 'README.md', content: new Blob([onHub]) }],
      ...credentials,
    });

    const { root } = await buildWorkspace(path.join(tmp, 'run'), {
      steps: [100, 200, 300],
      benchmarks: scoreBenchmarks(),
      readme: README,
    });
    await openWorkspace(page, bridge.url, root);
    await page.getByRole('button', { name: 'Model card' }).click();
    await page.getByRole('tab', { name: 'Compare with the Hub' }).click();

    await page.getByLabel('Repository on the Hub').fill('alice/tiny-reasoner');
    await page.getByRole('button', { name: 'Compare' }).click();
    const diff = page.getByRole('region', {
      name: 'Changes from the README of alice/tiny-reasoner on the Hub',
    });
    await expect(diff.locator('.card-diff__line--del')).toContainText([
      '{RESULT} | 0.300',
      'The first version, as published.',
    ]);
    await expect(diff.locator('.card-diff__line--add')).toContainText([
      '0.620 | 0.300',
      'Written by hand, and it must stay as written.',
    ]);
    await screenshot(page, testInfo, 'card-hub-diff');

    await page.getByLabel('Repository on the Hub').fill('alice/not-published-yet');
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect(
      page.getByRole('status').filter({ hasText: 'alice/not-published-yet has no README on the Hub' }),
    ).toBeVisible();
  },
);

test('the scores can be moved to another column, and back', async ({ page, bridge, tmp }) => {
  const { root } = await buildWorkspace(path.join(tmp, 'columns'), {
    steps: [100, 200, 300],
    benchmarks: scoreBenchmarks(),
    readme: README,
  });
  await openWorkspace(page, bridge.url, root);
  await page.getByRole('button', { name: 'Model card' }).click();
  const row = page.getByRole('region', { name: 'Preview' }).getByRole('row', { name: /Math Reasoning/ });
  await expect(row).toContainText('0.620');

  await page.getByLabel('Fill column').selectOption({ label: 'Baseline' });
  // The baseline's numbers are replaced, and the model's column gets its placeholders back.
  await expect(row.getByRole('cell')).toHaveText(['Reasoning', 'Math Reasoning', '{RESULT}', '0.620']);
  await page.getByLabel('Fill column').selectOption('auto');
  await expect(row.getByRole('cell')).toHaveText(['Reasoning', 'Math Reasoning', '0.620', '0.300']);
});
