/**
 * Every screen at 1280×800 and 900×600, light and dark, saved as Playwright artifacts (attached to the
 * report, under test-results/; never committed): the pictures a reviewer looks at for layout and colour.
 * Each picture is taken once the screen shows what it is about, so a broken screen fails here too.
 */
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { buildWorkspace } from '../fixtures/workspace';
import { dropFolder, expect, screenshot, test } from './fixtures';

const SIZES = [
  { width: 1280, height: 800 },
  { width: 900, height: 600 },
] as const;

/** The window as the user sees it (sticky header and action bar in place), and the whole page. */
async function bothSchemes(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const file = testInfo.outputPath(`${name}-${colorScheme}-window.png`);
    await page.screenshot({ path: file });
    await testInfo.attach(`${name}-${colorScheme}-window`, { path: file, contentType: 'image/png' });
    await screenshot(page, testInfo, `${name}-${colorScheme}-full`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

for (const size of SIZES) {
  test(`every screen at ${size.width}×${size.height}, light and dark`, async ({
    page,
    bridge,
    tmp,
  }, testInfo) => {
    await page.setViewportSize(size);
    const tag = `${size.width}x${size.height}`;
    await page.goto(bridge.url);
    await expect(page.getByRole('heading', { name: 'Drop a folder of training output' })).toBeVisible();
    await bothSchemes(page, testInfo, `${tag}-1-workspace-empty`);

    // Before a workspace: a later step explains itself and offers the open action.
    await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Publish' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: 'Open a workspace…' })).toBeVisible();
    await bothSchemes(page, testInfo, `${tag}-0-step-before-workspace`);

    process.env.HF_HOME = path.join(tmp, 'hf-home');
    const { root } = await buildWorkspace(path.join(tmp, 'trainer-run'), {
      layout: 'trainer',
      steps: [20, 40, 60, 80],
      checkpoints: [
        { name: 'checkpoint-20', trainerScores: { accuracy: 0.41, f1: 0.38 } },
        { name: 'checkpoint-40', trainerScores: { accuracy: 0.58, f1: 0.55 } },
        { name: 'checkpoint-60', trainerScores: { accuracy: 0.52, f1: 0.57 } },
        { name: 'checkpoint-80', trainerScores: { accuracy: 0.55, f1: 0.5 } },
      ],
      readme: '# Trainer run\n\nA small classifier.\n',
    });
    await dropFolder(page, root);
    await expect(page.getByTestId('checkpoint-row')).toHaveCount(4);
    await bothSchemes(page, testInfo, `${tag}-2-checkpoints`);

    await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Model card' }).click();
    await expect(page.locator('.card-pane--editor')).toBeVisible();
    await bothSchemes(page, testInfo, `${tag}-3-card`);

    await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Publish' }).click();
    await expect(page.getByTestId('publish-plan-row').first()).toBeVisible();
    await bothSchemes(page, testInfo, `${tag}-4-publish`);

    await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Workspace' }).click();
    await expect(page.getByTestId('workspace-open')).toBeVisible();
    await bothSchemes(page, testInfo, `${tag}-1-workspace-open`);
  });
}
