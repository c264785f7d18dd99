/**
 * The Publish screen as a new user meets it (issue #13), against the local Hub: the Hub endpoint before the
 * token, the plan (and what the Hub already holds) before sign-in, no error for the name the app proposed,
 * a long sign-in error that stays inside its panel, one Overall bar that only moves forward, a cancel that
 * clears speed and time left, and what to do after a verified publish.
 */
import { createRepo, uploadFiles } from '@huggingface/hub';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { buildWorkspace } from '../fixtures/workspace';
import { dropFolder, expect, withLocalHub } from './fixtures';

const WRITE = 'hf_' + 'AliceWriteTokenForThePublishScreenAA';
const WRONG = 'hf_' + 'NobodyHasThisTokenForThePublishScrnA';

process.env.HUB_PUBLISHER_KEYCHAIN_SERVICE = 'Hub Publisher (browser spec)';
delete process.env.HF_TOKEN;

const test = withLocalHub({
  users: [{ name: 'alice', token: WRITE, role: 'write' }],
  // The cancel case slows classic LFS PUTs down to watch a file being sent; Xet publishes have their own tests.
  xet: false,
});

async function openOnPublish(
  page: Page,
  tmp: string,
  name: string,
  weightsBytes = 64 * 1024,
  sharded = false,
) {
  process.env.HF_HOME = path.join(tmp, 'hf-home');
  const { root } = await buildWorkspace(path.join(tmp, name), {
    layout: 'step',
    steps: [100, 200],
    weightsBytes,
    sharded,
    readme: `# ${name}\n\nA small model.\n`,
  });
  await dropFolder(page, root);
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(2);
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();
  return root;
}

async function signIn(page: Page, token: string) {
  await page.getByLabel(/Hugging Face token|Use another token/).fill(token);
  const keep = page.getByLabel('Keep it in the system keychain');
  if (await keep.isEnabled()) await keep.uncheck();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Whether `inner` lies wholly inside `outer` on screen (nothing pushed out, nothing clipped). */
async function expectInside(inner: Locator, outer: Locator) {
  const a = await inner.boundingBox();
  const b = await outer.boundingBox();
  expect(a && b).toBeTruthy();
  expect(a!.x).toBeGreaterThanOrEqual(b!.x - 0.5);
  expect(a!.x + a!.width).toBeLessThanOrEqual(b!.x + b!.width + 0.5);
}

for (const size of [
  { width: 1280, height: 800 },
  { width: 900, height: 600 },
]) {
  test(`at ${size.width}×${size.height} a long sign-in error wraps inside the Account panel and "Sign in" stays whole`, async ({
    page,
    bridge,
    tmp,
  }) => {
    await page.setViewportSize(size);
    await page.goto(bridge.url);
    await openOnPublish(page, tmp, `wrap-${size.width}`);
    await signIn(page, WRONG);
    const panel = page
      .locator('section.publish-panel')
      .filter({ has: page.getByRole('heading', { name: 'Account' }) });
    const error = panel.getByRole('alert').filter({ hasText: 'did not accept the token' });
    await expect(error).toBeVisible();
    await expectInside(error, panel);
    const button = panel.getByRole('button', { name: 'Sign in' });
    await expectInside(button, panel);
    // Whole: its text is not cut off inside the button either.
    expect(await button.evaluate((b) => b.scrollWidth <= b.clientWidth)).toBe(true);
    expect(await panel.evaluate((p) => p.scrollWidth <= p.clientWidth + 1)).toBe(true);
  });
}

test('before sign-in: the endpoint comes first, the proposed name shows no error, and the plan is there', async ({
  page,
  bridge,
  tmp,
}) => {
  await page.goto(bridge.url);
  await openOnPublish(page, tmp, 'first-visit');
  await expect(page.getByText('No token found yet')).toBeVisible();

  // The endpoint setting comes before the token field: the token is checked against it.
  const endpoint = page.getByRole('textbox', { name: 'Hub endpoint', exact: true });
  const token = page.getByLabel('Hugging Face token');
  const endpointBox = await endpoint.boundingBox();
  const tokenBox = await token.boundingBox();
  expect(endpointBox!.y).toBeLessThan(tokenBox!.y);

  // The name the app proposed (from the README's title) is not an error, though no owner is known yet.
  const name = page.getByLabel('Repository name');
  await expect(name).toHaveValue('first-visit');
  await expect(page.getByTestId('publish-repo-source')).toHaveAttribute('data-source', 'readme-title');
  const plan = page.getByTestId('publish-plan-row');
  await expect(plan.first()).toBeVisible();
  await expect(plan.locator('td:first-child')).toContainText(['README.md', 'config.json']);
  await expect(name).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.publish-field-error')).toHaveCount(0);
  await expect(page.locator('[data-code="REPO_NAME_INVALID"]')).toHaveCount(0);
  await expect(page.getByTestId('publish-plan-anonymous')).toContainText('Sign in');
  await expect(page.locator('#publish-blocked')).toContainText('Sign in with a token first');
});

test('before sign-in, owner/name shows what the public repository already holds, as the dry run does', async ({
  page,
  bridge,
  tmp,
  hub,
}) => {
  const repo = { type: 'model' as const, name: 'alice/already-there' };
  await createRepo({ repo, accessToken: WRITE, hubUrl: hub.url });
  await uploadFiles({
    repo,
    accessToken: WRITE,
    hubUrl: hub.url,
    files: [{ path: 'old-notes.txt', content: new Blob(['notes from an earlier publish\n']) }],
  });
  await page.goto(bridge.url);
  await openOnPublish(page, tmp, 'anonymous-plan');
  await page.getByLabel('Repository name').fill('alice/already-there');
  const remoteOnly = page.getByTestId('publish-remote-only');
  await expect(remoteOnly).toContainText('On the Hub, not in this upload: 1 file');
  await expect(page.getByTestId('publish-remote-only-row')).toContainText('old-notes.txt');
  await expect(page.getByRole('columnheader', { name: 'On the Hub' })).toBeVisible();
  await expect(page.getByTestId('publish-plan-anonymous')).toContainText('without signing in');
  // Still nobody signed in: the plan came from anonymous reads.
  await expect(page.getByTestId('publish-account')).toHaveCount(0);
});

/** Every value the Overall bar and its text take during a run, recorded in the page as they change. */
async function recordOverall(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { overall: { value: number | null; text: string }[] };
    w.overall = [];
    const sample = () => {
      const bar = document.querySelector('[role="progressbar"][aria-label="Overall"]');
      const text = document.querySelector('[data-testid="publish-overall"]')?.textContent ?? '';
      if (!bar) return;
      const now = bar.getAttribute('aria-valuenow');
      const value = now === null ? null : Number(now);
      const last = w.overall.at(-1);
      if (!last || last.value !== value || last.text !== text) w.overall.push({ value, text });
    };
    new MutationObserver(sample).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
  });
  return () =>
    page.evaluate(() => (window as unknown as { overall: { value: number | null; text: string }[] }).overall);
}

test('Overall only moves forward across phases, the file being sent says so, and a cancel clears speed and time left', async ({
  page,
  bridge,
  tmp,
  hub,
}) => {
  await page.goto(bridge.url);
  // Two shards of their own size: the first is sent, the second waits, so there is a file being sent to cancel.
  await openOnPublish(page, tmp, 'overall-run', 2 * 1024 * 1024 + 333, true);
  await signIn(page, WRITE);
  await expect(page.getByTestId('publish-account')).toContainText('alice');
  await page.getByLabel('Repository name').fill('overall-model');
  const publish = page.getByRole('main').getByRole('button', { name: 'Publish', exact: true });
  await expect(publish).toBeEnabled();

  // Bytes go out slowly enough to be watched, then a large object waits long enough to cancel.
  hub.setFaults({ rules: [{ fault: 'latency', ms: 60_000, kinds: ['lfs-put'], skip: 1 }] });
  const samples = await recordOverall(page);
  await publish.click();
  await expect(page.getByTestId('publish-status')).toContainText('Sending ', { timeout: 30_000 });
  await expect(page.getByTestId('publish-status')).not.toContainText('Preparing');
  await expect(page.getByTestId('publish-file').filter({ hasText: 'sending' }).first()).toBeVisible();
  // The action bar carries the same progress, in view whatever the scroll position.
  await expect(page.getByRole('progressbar', { name: 'Publish progress' })).toBeInViewport();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('publish-status')).toContainText('Cancelled');
  hub.setFaults(undefined);

  const seen = await samples();
  expect(seen.length).toBeGreaterThan(1);
  const values = seen.map((s) => s.value);
  // One bar: a number throughout (never the "size unknown" half bar), never going back.
  for (const v of values) expect(v).not.toBeNull();
  for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
  for (const s of seen) expect(s.text).not.toMatch(/^0 B of 0 B/);
  // Cancelled: where it stopped stays, but no speed and no time left.
  const overall = page.getByTestId('publish-overall');
  await expect(overall).not.toContainText('/s');
  await expect(overall).not.toContainText('left');
});

test('after a verified publish: Open on the Hub, Copy URL, Show receipt, Publish another, and the receipt on the Workspace screen', async ({
  page,
  context,
  bridge,
  tmp,
  hub,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: bridge.url });
  await page.goto(bridge.url);
  const root = await openOnPublish(page, tmp, 'done-run');
  await signIn(page, WRITE);
  await expect(page.getByTestId('publish-account')).toContainText('alice');
  await page.getByLabel('Repository name').fill('done-model');
  await page.getByRole('main').getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Verified' })).toBeVisible({ timeout: 60_000 });
  const url = `${hub.url}/alice/done-model`;

  await page.getByRole('button', { name: 'Open on the Hub' }).click();
  await expect.poll(() => bridge.openedExternally.at(-1)).toBe(url);

  await page.getByRole('button', { name: 'Copy URL' }).click();
  await expect(page.getByText('Copied the address.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

  await page.getByRole('button', { name: 'Show receipt' }).click();
  const receipt = page.getByTestId('receipt');
  await expect(receipt).toContainText('alice/done-model');
  await expect(receipt.getByRole('table')).toContainText('config.json');
  await expect(receipt.getByRole('table')).toContainText('README.md');

  await page.getByRole('button', { name: 'Publish another' }).click();
  await expect(page.getByRole('heading', { name: 'Drop a folder of training output' })).toBeVisible();
  // The workspace shows what was published from it, with its receipt.
  const published = page.getByTestId('workspace-publish');
  await expect(published).toHaveCount(1);
  await expect(published).toContainText('step_200 to alice/done-model, verified');
  await published.getByRole('button', { name: 'Show receipt' }).click();
  await expect(published.getByTestId('receipt')).toContainText('config.json');
  // And the recent list says when it was last published, with its checkpoint count.
  const recent = page.getByTestId('recent-workspace').filter({ hasText: root });
  await expect(recent.getByTestId('recent-checkpoints')).toHaveText('2 checkpoints');
  await expect(recent.getByTestId('recent-last-publish')).toContainText('to alice/done-model');
  // Back on Publish, the finished run is cleared: the plan says everything is already there.
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByRole('heading', { name: 'Verified' })).toHaveCount(0);
  await expect(page.getByText('Everything is already on the Hub: nothing to send.')).toBeVisible();
});
