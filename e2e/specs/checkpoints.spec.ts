import path from 'node:path';
import { buildWorkspace } from '../fixtures/workspace';
import { dropFolder, expect, screenshot, test } from './fixtures';

const SCORES = {
  math_reasoning: { step_100: 0.41, step_200: 0.62, step_300: 0.58 },
  common_sense: { step_100: 0.5, step_200: 0.7, step_300: 0.66 },
};

test('evaluation runs live, shows failures with their cause, and the chart picks a checkpoint', async ({ page, bridge, tmp }, testInfo) => {
  const { root } = await buildWorkspace(path.join(tmp, 'run'), {
    layout: 'step',
    steps: [100, 200, 300],
    benchmarks: {
      // Slow enough to see the runs live in their cells.
      math_reasoning: { kind: 'score', scores: SCORES.math_reasoning, delayMs: 1500 },
      common_sense: { kind: 'score', scores: SCORES.common_sense },
      code_generation: { kind: 'name-error' },
    },
  });
  await page.goto(bridge.url);
  await dropFolder(page, root);

  const rows = page.getByTestId('checkpoint-row');
  await expect(rows).toHaveCount(3);
  await expect(page.getByRole('progressbar', { name: /Evaluating/ })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'running…' }).first()).toBeVisible();
  await screenshot(page, testInfo, 'evaluation-running');
  // code_generation fails everywhere, so no checkpoint is complete and none is chosen yet.
  await expect(page.getByRole('button', { name: 'code_generation failed for step_200: show why' })).toBeVisible();
  await expect(page.getByTestId('best-reason')).toContainText('No checkpoint has a score for every benchmark');

  await page.getByRole('button', { name: 'code_generation failed for step_200: show why' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('NameError');
  await screenshot(page, testInfo, 'benchmark-failure-details');
  await dialog.getByLabel('Score entered by hand').fill('0.3');
  await dialog.getByRole('button', { name: 'Save score' }).click();
  await expect(dialog).toBeHidden();

  // With the manual score step_200 is complete: (0.62 + 0.7 + 0.3) / 3 = 0.540.
  const step200 = page.locator('[data-checkpoint="step_200"]');
  await expect(step200.getByTestId('eval-accuracy')).toHaveText('0.540');
  await expect(step200).toContainText('0.300M');
  await expect(page.getByTestId('best-reason')).toContainText('step_200');
  await expect(page.getByTestId('choice-summary')).toContainText('Chosen: step_200');

  // Enter the missing scores for step_100 and pick it on the chart.
  await page.getByRole('button', { name: 'code_generation failed for step_100: show why' }).click();
  await page.getByRole('dialog').getByLabel('Score entered by hand').fill('0.2');
  await page.getByRole('dialog').getByRole('button', { name: 'Save score' }).click();
  await expect(page.locator('[data-checkpoint="step_100"]').getByTestId('eval-accuracy')).toHaveText('0.370');

  const firstDot = page.locator('.recharts-line-dots').first().locator('circle').first();
  await firstDot.click({ force: true });
  await expect(page.getByTestId('choice-summary')).toContainText('Chosen: step_100');
  await expect(page.locator('[data-checkpoint="step_100"]')).toHaveAttribute('aria-selected', 'true');
  await screenshot(page, testInfo, 'checkpoints-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, testInfo, 'checkpoints-dark');
});

test('an interpreter chosen in the native picker runs the evaluation', async ({ page, bridge, tmp }) => {
  const { root } = await buildWorkspace(path.join(tmp, 'run'), {
    layout: 'step',
    steps: [100, 200],
    benchmarks: { common_sense: { kind: 'score', scores: { step_100: 0.5, step_200: 0.7 } } },
  });
  await page.goto(bridge.url);
  await dropFolder(page, root);
  await expect(page.getByTestId('best-reason')).toContainText('step_200');
  // The bridge answers the native file dialog as a user would, with a real interpreter.
  const python = '/usr/bin/python3';
  bridge.setNextChosenInterpreter(python);
  await page.getByRole('button', { name: 'Choose interpreter…' }).click();
  await expect(page.getByLabel('Python')).toHaveValue(python);
  await expect(page.getByLabel('Python').locator('option:checked')).toHaveText(`Python (chosen) — ${python}`);
  await page.getByRole('button', { name: 'Evaluate again' }).click();
  await expect(page.getByRole('progressbar', { name: /Evaluating/ })).toBeHidden({ timeout: 30_000 });
  await expect(page.getByTestId('best-reason')).toContainText('step_200');
  await expect(page.getByRole('button', { name: /failed for/ })).toHaveCount(0);
});
