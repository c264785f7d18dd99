/**
 * The Checkpoints screen as a user meets it: scores land in their cells while the evaluation runs, every
 * number sits under its header whatever the names, the charts and the table answer the pointer and the
 * keyboard, and a workspace without benchmarks still has a way on.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../../shared/units';
import { buildWorkspace } from '../fixtures/workspace';
import { dropFolder, expect, screenshot, test } from './fixtures';

// The machine may be loaded: evaluations start Python processes; a minute is what the other specs allow.
const EVALUATED = { timeout: 60_000 };

const README = [
  '# My model',
  '',
  '| Benchmark | Score |',
  '|-----------|-------|',
  '| GSM8K     |       |',
  '| HumanEval |       |',
  '',
].join('\n');

test('scores stream into their cells while the evaluation runs, under the README table labels', async ({
  page,
  bridge,
  tmp,
}, testInfo) => {
  const { root } = await buildWorkspace(path.join(tmp, 'run'), {
    layout: 'step',
    steps: [100, 200],
    readme: README,
    config: { concurrency: 3 },
    benchmarks: {
      gsm8k: { kind: 'score', scores: { step_100: 0.5, step_200: 0.6 } },
      // Never finishes: the other scores must be on screen while it runs (the user cancels it at the end).
      humaneval: { kind: 'hang' },
      mmlu: { kind: 'score', scores: { step_100: 0.7, step_200: 0.8 } },
    },
  });
  await page.goto(bridge.url);
  await dropFolder(page, root);

  // Labels as the README's table writes them; a benchmark it does not name keeps its name as written.
  const header = page.locator('.ckpt-table__head');
  await expect(header.getByRole('columnheader', { name: 'GSM8K', exact: true })).toBeVisible(EVALUATED);
  await expect(header.getByRole('columnheader', { name: 'HumanEval', exact: true })).toBeVisible();
  await expect(header.getByRole('columnheader', { name: 'mmlu', exact: true })).toBeVisible();
  await expect(header).not.toContainText('Gsm8k');

  const step100 = page.locator('[data-checkpoint="step_100"]');
  const progress = page.getByRole('progressbar', { name: /Evaluating/ });
  // While humaneval still runs, gsm8k's score is already in its cell, not "done".
  await expect(step100.locator('[data-benchmark="gsm8k"]')).toHaveText('0.500S', EVALUATED);
  await expect(progress).toBeVisible();
  await expect(step100.locator('[data-benchmark="humaneval"]')).toHaveText(/running…|queued/);
  // A row still running is not "incomplete".
  await expect(step100.getByTestId('eval-accuracy')).toHaveText('evaluating…');
  await expect(page.getByTestId('checkpoint-row').filter({ hasText: 'incomplete' })).toHaveCount(0);
  await expect(page.getByTestId('evaluation-time')).toContainText(/\d+s elapsed/);
  // The chart draws the benchmarks' partial lines before eval_accuracy exists.
  await expect(page.getByRole('button', { name: 'GSM8K', exact: true, pressed: true })).toBeVisible();
  await expect(page.locator('.recharts-line-curve[d*="M"]')).not.toHaveCount(0);
  await screenshot(page, testInfo, 'checkpoints-streaming');

  // Every other score streams in too.
  await expect(page.locator('[data-checkpoint="step_200"] [data-benchmark="mmlu"]')).toHaveText(
    '0.800S',
    EVALUATED,
  );
  await expect(progress).toBeVisible();

  // Cancelling keeps what finished: the scores stay, the cell that never finished has none.
  await page.getByRole('button', { name: 'Cancel evaluation' }).click();
  await expect(progress).toBeHidden(EVALUATED);
  await expect(step100.locator('[data-benchmark="gsm8k"]')).toHaveText('0.500S', EVALUATED);
  await expect(step100.locator('[data-benchmark="mmlu"]')).toHaveText('0.700S');
  await expect(step100.locator('[data-benchmark="humaneval"]')).toHaveText('—');
  await expect(step100.getByTestId('eval-accuracy')).toHaveText('incomplete');
});

/** What the Trainer writes to resume training (the publish plan's training-state patterns). */
const TRAINING_STATE =
  /^(optimizer\.(pt|bin|safetensors)|scheduler\.pt|scaler\.pt|rng_state.*\.pth|trainer_state\.json|training_args\.bin)$/;

const LONG = 'checkpoint-300-exported-for-release-candidate-with-a-long-name';

test('one grid: scores stay under their headers with a long best name; charts, sorting and keys work', async ({
  page,
  bridge,
  tmp,
}, testInfo) => {
  const { root } = await buildWorkspace(path.join(tmp, 'run'), {
    layout: 'trainer',
    steps: [100, 200],
    checkpoints: [{ name: LONG, step: 300, trainingState: true }],
    benchmarks: {
      arc: { kind: 'score', scores: { 'checkpoint-100': 0.2, 'checkpoint-200': 0.5, [LONG]: 0.9 } },
      mmlu: { kind: 'score', scores: { 'checkpoint-100': 0.3, 'checkpoint-200': 0.6, [LONG]: 0.8 } },
    },
  });
  await page.goto(bridge.url);
  await dropFolder(page, root);
  await expect(page.getByTestId('best-reason')).toContainText(LONG, EVALUATED);

  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 900, height: 600 },
  ]) {
    await page.setViewportSize(viewport);
    for (const benchmark of ['arc', 'mmlu']) {
      const head = await page
        .locator('.ckpt-table__head')
        .getByRole('columnheader', { name: benchmark, exact: true })
        .boundingBox();
      const cells = page.locator(`[data-testid="checkpoint-row"] [data-benchmark="${benchmark}"]`);
      await expect(cells).toHaveCount(3);
      for (const cell of await cells.all()) {
        await cell.scrollIntoViewIfNeeded();
        const box = await cell.boundingBox();
        const h = await page
          .locator('.ckpt-table__head')
          .getByRole('columnheader', { name: benchmark, exact: true })
          .boundingBox();
        expect(box && h && Math.abs(box.x - h.x)).toBeLessThan(1);
        expect(box && h && Math.abs(box.width - h.width)).toBeLessThan(1);
      }
      expect(head).not.toBeNull();
    }
    await screenshot(page, testInfo, `checkpoints-grid-${viewport.width}-light`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, testInfo, `checkpoints-grid-${viewport.width}-dark`);
    await page.emulateMedia({ colorScheme: 'light' });
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // Size is what a publish uploads: the training state (optimizer.pt and friends) is left out.
  const folder = path.join(root, 'checkpoint-100');
  const files = await readdir(folder, { recursive: true, withFileTypes: true });
  let whole = 0;
  let model = 0;
  for (const f of files.filter((e) => e.isFile())) {
    const bytes = (await stat(path.join(f.parentPath, f.name))).size;
    whole += bytes;
    if (!TRAINING_STATE.test(f.name)) model += bytes;
  }
  expect(whole).toBeGreaterThan(model);
  await expect(page.locator('[data-checkpoint="checkpoint-100"]').getByTestId('checkpoint-size')).toHaveText(
    formatBytes(model),
  );

  // Ticks at the checkpoints' steps.
  const ticks = page
    .locator('.checkpoints__charts figure')
    .first()
    .locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
  await expect(ticks).toHaveText(['100', '200', '300']);

  // The chosen checkpoint is the best: one bar per benchmark, labelled with its value.
  const bars = page.locator('.checkpoints__charts figure').nth(1);
  await expect(bars.locator('.recharts-label-list').first()).toContainText('0.900 (best)');
  await expect(bars.locator('.recharts-bar-rectangle path, .recharts-bar-rectangle rect')).toHaveCount(2);

  // A click right after moving the pointer picks the point under it, not the one hovered before.
  const dots = page
    .locator('.checkpoints__charts figure')
    .first()
    .locator('.recharts-line-dots')
    .first()
    .locator('circle');
  await expect(dots).toHaveCount(3);
  const first = (await dots.nth(0).boundingBox())!;
  const second = (await dots.nth(1).boundingBox())!;
  await page.mouse.move(first.x + first.width / 2, first.y + first.height / 2);
  await page.mouse.click(second.x + second.width / 2, second.y + second.height / 2);
  await expect(page.getByTestId('choice-summary')).toContainText('Chosen: checkpoint-200');
  // Now chosen is not the best: two bars, each with its value.
  await expect(bars.locator('.recharts-label-list').nth(1)).toContainText('0.900');
  await page.getByRole('button', { name: 'use the best' }).click();

  // Sorting by a column, both ways.
  const names = () =>
    page
      .getByTestId('checkpoint-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-checkpoint')));
  await page.locator('.ckpt-table__head').getByRole('button', { name: 'mmlu' }).click();
  await expect(page.locator('.ckpt-table__head').getByRole('columnheader', { name: 'mmlu' })).toHaveAttribute(
    'aria-sort',
    'descending',
  );
  expect(await names()).toEqual([LONG, 'checkpoint-200', 'checkpoint-100']);
  await page.locator('.ckpt-table__head').getByRole('button', { name: 'mmlu' }).click();
  expect(await names()).toEqual(['checkpoint-100', 'checkpoint-200', LONG]);

  // One tab stop: Tab enters the table on one row, arrows move, Enter picks, Tab leaves the table.
  const focused = page.locator(':focus');
  await page.getByRole('button', { name: 'Evaluate again' }).focus();
  for (let i = 0; i < 30 && (await page.locator('.ckpt-table :focus').count()) === 0; i++)
    await page.keyboard.press('Tab');
  await expect(focused).toHaveAttribute('data-checkpoint', 'checkpoint-100');
  await page.keyboard.press('ArrowDown');
  await expect(focused).toHaveAttribute('data-checkpoint', 'checkpoint-200');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('choice-summary')).toContainText('Chosen: checkpoint-200');
  await page.keyboard.press('Tab');
  await expect(page.locator('.ckpt-table :focus')).toHaveCount(0);
  await page.keyboard.press('Shift+Tab');
  await expect(focused).toHaveAttribute('data-checkpoint', 'checkpoint-200');
});

test('without benchmarks the next step is offered, and a manual score can be edited and cleared', async ({
  page,
  bridge,
  tmp,
}, testInfo) => {
  const { root } = await buildWorkspace(path.join(tmp, 'run'), { layout: 'step', steps: [100, 200] });
  await page.goto(bridge.url);
  await dropFolder(page, root);

  const next = page.getByRole('button', { name: 'Generate the card for step_200' });
  await expect(next).toBeVisible(EVALUATED);
  await expect(next).toHaveClass(/button--primary/);
  await expect(page.getByRole('button', { name: 'Evaluate again' })).not.toHaveClass(/button--primary/);
  await screenshot(page, testInfo, 'checkpoints-no-benchmarks');

  await page.getByRole('button', { name: 'Enter scores by hand…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Checkpoint').selectOption('step_100');
  await dialog.getByLabel('Benchmark').fill('mmlu');
  await dialog.getByLabel('Score').fill('0.61');
  await dialog.getByRole('button', { name: 'Save score' }).click();
  const cell = page.locator('[data-checkpoint="step_100"] [data-benchmark="mmlu"]');
  await expect(cell).toHaveText('0.610M', EVALUATED);

  // Edit it...
  await cell.getByRole('button').click();
  await page.getByRole('dialog').getByLabel('Score entered by hand').fill('0.65');
  await page.getByRole('dialog').getByRole('button', { name: 'Save score' }).click();
  await expect(cell).toHaveText('0.650M', EVALUATED);
  await expect(page.locator('[data-checkpoint="step_100"]').getByTestId('eval-accuracy')).toHaveText('0.650');

  // ...and clear it: the benchmark goes with its only score.
  await cell.getByRole('button').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Clear manual score' }).click();
  await expect(page.locator('.ckpt-table__head').getByRole('columnheader', { name: 'mmlu' })).toHaveCount(
    0,
    EVALUATED,
  );

  await next.click();
  await expect(page.getByRole('heading', { name: /Model card/i }).first()).toBeVisible();
});
