/**
 * The whole window (issue #13): a numbered stepper whose steps open as they become possible, one primary
 * "Continue" per screen in an action bar that stays in view, the open action wherever a workspace is
 * missing, Ctrl+O, and at 900×600 collapsed charts and the card's editor and preview as tabs.
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { buildWorkspace } from '../fixtures/workspace';
import { dropFolder, expect, test } from './fixtures';

/** A Trainer run whose scores are imported from trainer_state.json: no Python needed. */
async function trainerRun(tmp: string, name: string): Promise<string> {
  const { root } = await buildWorkspace(path.join(tmp, name), {
    layout: 'trainer',
    steps: [20, 40, 60],
    checkpoints: [
      { name: 'checkpoint-20', trainerScores: { accuracy: 0.41 } },
      { name: 'checkpoint-40', trainerScores: { accuracy: 0.58 } },
      { name: 'checkpoint-60', trainerScores: { accuracy: 0.52 } },
    ],
    readme: `# ${name}\n\nA small classifier.\n`,
  });
  return root;
}

const steps = (page: Page) => page.getByRole('navigation', { name: 'Steps' });
const step = (page: Page, name: string) => steps(page).getByRole('button', { name });
const actionBar = (page: Page) => page.getByRole('region', { name: 'Actions' });
/** The action bar's Continue, after checking where it leads. */
async function continueTo(page: Page, label: string) {
  await expect(actionBar(page).getByTestId('action-bar-next')).toHaveText(`Next: ${label}`);
  return actionBar(page).getByRole('button', { name: 'Continue', exact: true });
}

test('the stepper opens steps as they become possible, and a step opened early offers the open action', async ({
  page,
  bridge,
  tmp,
}) => {
  await page.goto(bridge.url);
  // Numbered, in order; only the first is possible before a workspace is open.
  await expect(steps(page).getByRole('listitem')).toHaveText([
    '1Workspace',
    '2Checkpoints',
    '3Model card',
    '4Publish',
  ]);
  await expect(step(page, 'Workspace')).toBeEnabled();
  for (const name of ['Checkpoints', 'Model card', 'Publish'])
    await expect(step(page, name)).toHaveAttribute('aria-disabled', 'true');

  // Opened anyway (keyboard), the step says why and offers the way on, never a bare sentence.
  await step(page, 'Publish').focus();
  await page.keyboard.press('Enter');
  const main = page.getByRole('main');
  await expect(main.getByText('Open a workspace first.')).toBeVisible();
  const open = main.getByRole('button', { name: 'Open a workspace…' });
  await expect(open).toBeVisible();

  const root = await trainerRun(tmp, 'stepper-run');
  bridge.setNextChosenFolder(root);
  await open.click();
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(3);
  await expect(step(page, 'Checkpoints')).toHaveAttribute('aria-current', 'step');
  for (const name of ['Checkpoints', 'Model card', 'Publish'])
    await expect(step(page, name)).not.toHaveAttribute('aria-disabled', 'true');

  // One primary action per screen, "Continue", in the action bar: Checkpoints → Model card → Publish.
  const next = await continueTo(page, 'Model card');
  await expect(next).toBeEnabled();
  await next.click();
  await expect(step(page, 'Model card')).toHaveAttribute('aria-current', 'step');
  await (await continueTo(page, 'Publish')).click();
  await expect(step(page, 'Publish')).toHaveAttribute('aria-current', 'step');
  await expect(actionBar(page).getByRole('button', { name: 'Publish', exact: true })).toBeVisible();
  // Back on the Workspace screen, Continue is its one primary action; "Choose folder…" is secondary.
  await step(page, 'Workspace').click();
  await expect(await continueTo(page, 'Checkpoints')).toBeVisible();
  await expect(main.locator('.button--primary')).toHaveCount(1);
});

test('Ctrl+O opens a folder from any screen', async ({ page, bridge, tmp }) => {
  const first = await trainerRun(tmp, 'first-run');
  const second = await trainerRun(tmp, 'second-run');
  await page.goto(bridge.url);
  bridge.setNextChosenFolder(first);
  await page.keyboard.press('Control+o');
  await expect(page.locator('.app__root')).toHaveText(first);
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(3);

  await step(page, 'Model card').click();
  bridge.setNextChosenFolder(second);
  await page.keyboard.press('Control+o');
  await expect(page.locator('.app__root')).toHaveText(second);
  await expect(step(page, 'Checkpoints')).toHaveAttribute('aria-current', 'step');

  // Both are recent workspaces, with their names and checkpoint counts.
  await step(page, 'Workspace').click();
  const recent = page.getByTestId('recent-workspace');
  await expect(recent).toHaveCount(2);
  await expect(recent.first()).toContainText('second-run');
  await expect(recent.first().getByTestId('recent-checkpoints')).toHaveText('3 checkpoints');
  await expect(recent.first().getByTestId('recent-last-publish')).toHaveText('never published');
  await expect(recent.nth(1)).toContainText('first-run');
});

test('at 900×600 the action bar stays in view, charts collapse and the card editor and preview are tabs', async ({
  page,
  bridge,
  tmp,
}) => {
  await page.setViewportSize({ width: 900, height: 600 });
  await page.goto(bridge.url);
  await dropFolder(page, await trainerRun(tmp, 'small-window'));
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(3);

  // Charts fold away behind their summary; the table comes first.
  const charts = page.getByTestId('narrow-collapse');
  await expect(charts).toBeVisible();
  await expect(charts).not.toHaveAttribute('open');
  await expect(page.locator('.checkpoints__charts')).toBeHidden();
  await charts.locator('summary').click();
  await expect(page.locator('.checkpoints__charts')).toBeVisible();
  await expect(await continueTo(page, 'Model card')).toBeInViewport();
  await (await continueTo(page, 'Model card')).click();
  const tabs = page.getByRole('tablist', { name: 'Editor and preview' });
  await expect(tabs).toBeVisible();
  await expect(tabs.getByRole('tab', { name: 'Edit' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.card-pane--editor')).toBeVisible();
  await expect(page.locator('.card-pane--side')).toBeHidden();
  await tabs.getByRole('tab', { name: 'Preview' }).click();
  await expect(page.locator('.card-pane--side')).toBeVisible();
  await expect(page.locator('.card-pane--editor')).toBeHidden();

  // Publish: the primary action is in view without scrolling, two screens of panels notwithstanding.
  await (await continueTo(page, 'Publish')).click();
  await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();
  const publish = page.getByRole('main').getByRole('button', { name: 'Publish', exact: true });
  await expect(publish).toBeInViewport();
  await page.mouse.wheel(0, 2000);
  await expect(publish).toBeInViewport();

  // Wide again: side by side, no tabs, charts open.
  await page.setViewportSize({ width: 1280, height: 800 });
  await step(page, 'Model card').click();
  await expect(page.getByRole('tablist', { name: 'Editor and preview' })).toHaveCount(0);
  await expect(page.locator('.card-pane--editor')).toBeVisible();
  await expect(page.locator('.card-pane--side')).toBeVisible();
});
