import path from 'node:path';
import { buildWorkspace } from '../fixtures/workspace';
import { dropFolder, expect, screenshot, test } from './fixtures';

// A Trainer run whose accuracy and loss disagree: checkpoint-300 has the best accuracy, checkpoint-200
// the lowest eval_loss. Both come from trainer_state.json, so nothing needs Python.
const CHECKPOINTS = [
  { name: 'checkpoint-100', trainerScores: { accuracy: 0.7, loss: 0.9 } },
  { name: 'checkpoint-200', trainerScores: { accuracy: 0.6, loss: 0.5 } },
  { name: 'checkpoint-300', trainerScores: { accuracy: 0.8, loss: 0.7 } },
];

for (const viewport of [
  { width: 1280, height: 800 },
  { width: 900, height: 600 },
]) {
  test(`choosing eval_loss makes the lowest-loss checkpoint best, and the card says so (${viewport.width}×${viewport.height})`, async ({
    page,
    bridge,
    tmp,
  }, testInfo) => {
    await page.setViewportSize(viewport);
    const { root } = await buildWorkspace(path.join(tmp, 'trainer-run'), {
      layout: 'trainer',
      steps: [],
      checkpoints: CHECKPOINTS,
    });
    await page.goto(bridge.url);
    await dropFolder(page, root);
    await expect(page.getByTestId('checkpoint-row')).toHaveCount(3);
    const reason = page.getByTestId('best-reason');
    await expect(reason).toContainText('checkpoint-300 has the highest complete eval_accuracy', {
      timeout: 60_000,
    });

    const metric = page.getByLabel('Metric that picks the best checkpoint');
    await expect(metric).toBeVisible();
    await metric.selectOption('eval_loss');
    await expect(reason).toHaveText(
      'checkpoint-200 has the lowest eval_loss (0.500; lower is better), the lowest of 3 checkpoints with one.',
    );
    const bestRow = page.getByTestId('checkpoint-row').filter({ has: page.locator('.badge--good') });
    await expect(bestRow).toHaveCount(1);
    await expect(bestRow).toContainText('checkpoint-200');
    await expect(bestRow.locator('.badge--good')).toHaveAttribute('title', 'The best by eval_loss');
    await expect(page.getByTestId('choice-summary')).toContainText(
      'Chosen: checkpoint-200 — eval_loss 0.500',
    );
    await screenshot(page, testInfo, `best-by-eval-loss-${viewport.width}-light`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, testInfo, `best-by-eval-loss-${viewport.width}-dark`);
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('button', { name: 'Model card' }).click();
    // When narrow, the editor and the preview are tabs: show the preview.
    const previewTab = page.getByRole('tab', { name: 'Preview' });
    if (viewport.width <= 1000) await previewTab.click();
    const preview = page.getByRole('region', { name: 'Preview' });
    await expect(preview).toContainText('This card describes checkpoint-200', { timeout: 30_000 });
    await expect(preview).toContainText('checkpoint-200 has the lowest eval_loss (0.500; lower is better)');
  });
}

test('the choice is remembered for the workspace when it is opened again', async ({ page, bridge, tmp }) => {
  const { root } = await buildWorkspace(path.join(tmp, 'trainer-run'), {
    layout: 'trainer',
    steps: [],
    checkpoints: CHECKPOINTS,
  });
  await page.goto(bridge.url);
  await dropFolder(page, root);
  const reason = page.getByTestId('best-reason');
  await expect(reason).toContainText('checkpoint-300', { timeout: 60_000 });
  await page.getByLabel('Metric that picks the best checkpoint').selectOption('eval_loss');
  await expect(reason).toContainText('checkpoint-200 has the lowest eval_loss');

  await page.reload();
  await dropFolder(page, root);
  await expect(page.getByLabel('Metric that picks the best checkpoint')).toHaveValue('eval_loss', {
    timeout: 60_000,
  });
  await expect(reason).toContainText('checkpoint-200 has the lowest eval_loss');
});

test('a weight of 0 leaves a benchmark out of eval_accuracy and the best follows', async ({
  page,
  bridge,
  tmp,
}) => {
  const { root } = await buildWorkspace(path.join(tmp, 'two-benchmarks'), {
    layout: 'trainer',
    steps: [],
    checkpoints: [
      { name: 'checkpoint-100', trainerScores: { accuracy: 0.7, f1: 0.2 } },
      { name: 'checkpoint-200', trainerScores: { accuracy: 0.6, f1: 0.9 } },
      { name: 'checkpoint-300', trainerScores: { accuracy: 0.8, f1: 0.3 } },
    ],
  });
  await page.goto(bridge.url);
  await dropFolder(page, root);
  const reason = page.getByTestId('best-reason');
  // Equal weights: (0.6 + 0.9) / 2 beats (0.8 + 0.3) / 2.
  await expect(reason).toContainText('checkpoint-200 has the highest complete eval_accuracy (0.750)', {
    timeout: 60_000,
  });
  const f1 = page.getByLabel('Weight of f1');
  await expect(f1).toHaveValue('1');
  await f1.fill('0');
  await f1.press('Tab');
  await expect(reason).toContainText('checkpoint-300 has the highest complete eval_accuracy (0.800)');
  await expect(
    page.getByTestId('checkpoint-row').filter({ has: page.locator('.badge--good') }),
  ).toContainText('checkpoint-300');
  // A weight that is no number is not sent: the field shows the weight in use again.
  await f1.fill('');
  await f1.press('Tab');
  await expect(f1).toHaveValue('0');
});
