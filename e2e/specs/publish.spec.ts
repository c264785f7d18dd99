/**
 * The Publish screen as a user drives it, against the local Hub through the same endpoint setting a user
 * would use: sign in with a pasted token, name the repository, read the plan, publish, see it verified.
 * Failure paths: a token the Hub refuses, a read-only token, and an upload cancelled then resumed.
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { buildWorkspace } from '../fixtures/workspace';
import type { TestInfo } from '@playwright/test';
import { dropFolder, expect, screenshot, withLocalHub } from './fixtures';

const WRITE = 'hf_' + 'AliceWriteTokenForTheBrowserSpecAAA';
const READ = 'hf_' + 'AliceReadTokenForTheBrowserSpecAAAA';
const WRONG = 'hf_' + 'NobodyHasThisTokenAnywhereAAAAAAAAA';
const README = '# Tiny model\n\nA small model.\n\n![loss curve](assets/loss.png)\n';

// Whatever tokens this machine has must not leak into the app under test, nor the test's into the user's keychain.
process.env.HUB_PUBLISHER_KEYCHAIN_SERVICE = 'Hub Publisher (browser spec)';
delete process.env.HF_TOKEN;

const test = withLocalHub({
  users: [
    { name: 'alice', token: WRITE, role: 'write' },
    { name: 'alice-ro', token: READ, role: 'read' },
  ],
  orgs: [{ name: 'acme', members: ['alice'] }],
  // These tests count classic LFS PUTs (cancel and resume among them): a Hub without Xet. Publishing through
  // Xet, its dedup and its resume are tested in e2e/integration/publish-xet.test.ts.
  xet: false,
});

interface WorkspaceOptions {
  weightsBytes?: number;
  /** Evaluate with a benchmark script (needs Python), so the best checkpoint is chosen by score. */
  evaluated?: boolean;
  /** Extra small files in every checkpoint. */
  extraFiles?: number;
}

async function openWorkspace(page: Page, tmp: string, name: string, options: WorkspaceOptions = {}) {
  process.env.HF_HOME = path.join(tmp, 'hf-home');
  const files: Record<string, string> = {};
  for (let i = 0; i < (options.extraFiles ?? 0); i++)
    files[`notes/note-${String(i).padStart(3, '0')}.txt`] = `note ${i}\n`;
  const { root } = await buildWorkspace(path.join(tmp, name), {
    layout: 'step',
    steps: [100, 200],
    sharded: true,
    weightsBytes: options.weightsBytes ?? 256 * 1024,
    readme: README,
    images: ['assets/loss.png'],
    defaults: { files },
    ...(options.evaluated
      ? { benchmarks: { arc: { kind: 'score' as const, scores: { step_100: 0.41, step_200: 0.6 } } } }
      : {}),
  });
  await dropFolder(page, root);
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(2);
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();
  return root;
}

/** Light and dark, from the top of the page (a scrolled page puts the sticky header mid-image). */
async function shots(page: Page, testInfo: TestInfo, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, testInfo, `${name}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, testInfo, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

async function signIn(page: Page, token: string) {
  const field = page.getByLabel(/Hugging Face token|Use another token/);
  await field.fill(token);
  const keep = page.getByLabel('Keep it in the system keychain');
  if (await keep.isEnabled()) await keep.uncheck();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('sign in, name the repository, read the plan, publish, and see it verified', async ({
  page,
  bridge,
  tmp,
  hub,
}, testInfo) => {
  await page.goto(bridge.url);
  await openWorkspace(page, tmp, 'tiny-run', { evaluated: true });
  await expect(page.getByText('No token found yet')).toBeVisible();

  await signIn(page, WRITE);
  const account = page.getByTestId('publish-account');
  await expect(account).toContainText('alice');
  await expect(account).toContainText('acme');
  await expect(account).toContainText('write');
  await expect(account).toContainText(`hf_…${WRITE.slice(-4)}`);
  await expect(account).toContainText('typed in');
  // The pasted token is gone from the page once the main process holds it.
  await expect(page.getByLabel('Use another token')).toHaveValue('');
  expect(await page.content()).not.toContain(WRITE);

  const owner = page.getByLabel('Owner');
  await expect(owner.locator('option')).toHaveText(['alice (you)', 'acme (organisation)']);
  const name = page.getByLabel('Repository name');
  await name.fill('tiny--model');
  await expect(page.getByRole('alert')).toContainText('cannot contain "--"');
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await name.fill('tiny-model');
  await expect(name).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('publish-target')).toContainText(`${hub.url}/alice/tiny-model`);

  const rows = page.getByTestId('publish-plan-row');
  await expect(rows.locator('td:first-child')).toHaveText([
    'README.md',
    'assets/loss.png',
    'config.json',
    'model-00001-of-00002.safetensors',
    'model-00002-of-00002.safetensors',
    'model.safetensors.index.json',
    'special_tokens_map.json',
    'tokenizer.json',
    'tokenizer_config.json',
  ]);
  await expect(rows.filter({ hasText: 'model-00001-of-00002.safetensors' })).toContainText(
    'large file (LFS)',
  );
  await expect(page.getByRole('row', { name: /^config\.json / })).toContainText('regular');
  await expect(page.getByTestId('publish-checkpoint')).toContainText(
    'step_200 · eval_accuracy 0.600 (best eval_accuracy)',
  );
  await shots(page, testInfo, 'publish-plan');

  // The card as edited on the Model card screen is what goes up as README.md.
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Model card' }).click();
  await page.getByRole('textbox', { name: 'Model card editor' }).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nWritten just before publishing.');
  await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByLabel('Repository name')).toHaveValue('tiny-model');

  // One refused request on the way: retried, and the user is told.
  hub.setFaults({ rules: [{ fault: 'status', status: 503, kinds: ['preupload'], count: 1 }] });
  await page.getByRole('main').getByRole('button', { name: 'Publish', exact: true }).click();
  const done = page.getByRole('heading', { name: 'Verified' });
  await expect(done).toBeVisible({ timeout: 60_000 });
  hub.setFaults(undefined);
  await expect(page.getByRole('main')).toContainText('1 request was retried along the way.');
  const url = `${hub.url}/alice/tiny-model`;
  await expect(page.getByTestId('publish-url')).toHaveText(url);
  await expect(page.getByTestId('publish-check')).toHaveCount(10);
  await expect(
    page.getByTestId('publish-check').filter({ hasText: 'README.md downloaded back' }),
  ).toContainText('byte-identical');
  await expect(page.getByTestId('publish-receipt')).toContainText('receipts');
  const published = await (await fetch(`${hub.url}/alice/tiny-model/resolve/main/README.md`)).text();
  expect(published).toContain('Written just before publishing.');
  await page.getByTestId('publish-url').click();
  await expect.poll(() => bridge.openedExternally).toContain(url);
  // The plan now knows the Hub has everything.
  await expect(page.getByText('Everything is already on the Hub: nothing to send.')).toBeVisible();
  await shots(page, testInfo, 'publish-done');
});

test('a token the Hub refuses and a read-only token say what to do, and nothing is published', async ({
  page,
  bridge,
  tmp,
  hub,
}, testInfo) => {
  await page.goto(bridge.url);
  await openWorkspace(page, tmp, 'refused-run');

  await signIn(page, WRONG);
  const refused = page.getByRole('alert').filter({ hasText: '401' });
  await expect(refused).toContainText('did not accept the token');
  await expect(refused).toContainText('settings/tokens');
  await expect(page.getByTestId('publish-account')).toHaveCount(0);

  const before = hub.requestLog.length;
  await signIn(page, READ);
  await expect(page.getByTestId('publish-account')).toContainText('alice-ro');
  await expect(page.getByTestId('publish-account')).toContainText('read only');
  await expect(page.getByRole('alert').filter({ hasText: 'can only read' })).toContainText('Write');
  await page.getByLabel('Repository name').fill('read-only-model');
  const publish = page.getByRole('main').getByRole('button', { name: 'Publish', exact: true });
  await expect(publish).toBeDisabled();
  await expect(page.locator('#publish-blocked')).toContainText('This token can only read');
  await shots(page, testInfo, 'publish-read-only');
  expect(hub.requestLog.slice(before).map((e) => e.kind)).not.toContain('create-repo');
});

test('a cancelled upload, published again, resumes without re-sending what the Hub already has', async ({
  page,
  bridge,
  tmp,
  hub,
}, testInfo) => {
  await page.goto(bridge.url);
  // Weights of their own size: the Hub keeps large objects by content, so another test's upload would be reused.
  await openWorkspace(page, tmp, 'slow-run', { weightsBytes: 3 * 1024 * 1024 + 4096, extraFiles: 60 });
  await signIn(page, WRITE);
  await expect(page.getByTestId('publish-account')).toContainText('alice');
  await page.getByLabel('Repository name').fill('resumed-model');
  await expect(page.getByTestId('publish-plan-row')).toHaveCount(69);

  // The first large object goes through at once; every later one waits long enough to cancel.
  hub.setFaults({ rules: [{ fault: 'latency', ms: 60_000, kinds: ['lfs-put'], skip: 1 }] });
  const from = hub.requestLog.length;
  await page.getByRole('main').getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Progress' })).toBeVisible();
  await expect
    .poll(() => hub.requestLog.slice(from).filter((e) => e.kind === 'lfs-put' && e.status === 200).length, {
      timeout: 30_000,
    })
    .toBe(1);
  await expect(page.getByRole('list', { name: 'Phases' }).locator('[aria-current="step"]')).toHaveText(
    'Uploading',
  );
  await expect(page.getByTestId('publish-file').first()).toBeVisible();
  // 69 files: only the rows in view are rendered, each announced with its place in the whole list.
  const fileRows = page.getByRole('list', { name: 'Files' }).getByRole('listitem');
  expect(await fileRows.count()).toBeLessThan(40);
  await expect(fileRows.first()).toHaveAttribute('aria-setsize', '69');
  await shots(page, testInfo, 'publish-progress');
  // Keyboard only from here: focus is on Cancel while running, back on Publish after it.
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('publish-status')).toContainText('Cancelled');
  // Before the commit: the main process says nothing landed, and the screen says so (not a fixed text).
  await expect(page.getByTestId('publish-status')).toContainText('Nothing was committed');
  await expect(page.getByTestId('publish-status')).not.toContainText('Too late');
  // This run created the repository: the screen says it is left empty, to resume in.
  await expect(page.getByTestId('publish-status')).toContainText('left empty');
  hub.setFaults(undefined);
  const completed = hub.requestLog
    .slice(from)
    .filter((e) => e.kind === 'lfs-put' && e.status === 200)
    .map((e) => e.path);

  const resumeFrom = hub.requestLog.length;
  await expect(page.getByRole('main').getByRole('button', { name: 'Publish', exact: true })).toBeEnabled();
  await expect(page.getByRole('main').getByRole('button', { name: 'Publish', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Verified' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('heading', { name: 'Verified' })).toBeFocused();
  const resent = hub.requestLog
    .slice(resumeFrom)
    .filter((e) => e.kind === 'lfs-put')
    .map((e) => e.path);
  expect(resent.length).toBeGreaterThan(0);
  for (const p of resent) expect(completed).not.toContain(p);
  await expect(page.getByTestId('publish-url')).toHaveText(`${hub.url}/alice/resumed-model`);
});

test('a namespace the account cannot use, a rate limit and an unreachable Hub each say what to do', async ({
  page,
  bridge,
  tmp,
  hub,
}, testInfo) => {
  await page.goto(bridge.url);
  await openWorkspace(page, tmp, 'errors-run');
  await signIn(page, WRITE);
  await expect(page.getByTestId('publish-account')).toContainText('alice');
  const publish = page.getByRole('main').getByRole('button', { name: 'Publish', exact: true });

  // Another user's namespace, pasted whole: refused before anything is sent, with the way out.
  const name = page.getByLabel('Repository name');
  await name.fill('bob/stolen-model');
  const forbidden = page.locator('[data-code="REPO_FORBIDDEN"]');
  await expect(forbidden).toContainText('cannot publish to "bob"');
  await expect(forbidden).toContainText('alice/stolen-model');
  await expect(publish).toBeDisabled();

  // Pasting an owner the account has picks it in the list.
  await name.fill('acme/limited-model');
  await expect(page.getByLabel('Owner')).toHaveValue('acme');
  await expect(name).toHaveValue('limited-model');
  await expect(publish).toBeEnabled();

  hub.setFaults({ rules: [{ fault: 'rate-limit', retryAfterSeconds: 3600, kinds: ['preupload'] }] });
  await publish.click();
  const limited = page.locator('[data-code="RATE_LIMITED"]');
  await expect(limited).toContainText('rate limiting');
  await expect(limited).toContainText('Wait a few minutes');
  // A message, not a stack trace.
  await expect(limited).not.toContainText(/\bat .*\.(ts|js):\d+|Error:/);
  hub.setFaults(undefined);
  await shots(page, testInfo, 'publish-rate-limited');

  // The endpoint is a setting the user confirms in a native dialog; a declined change keeps the old one.
  await page.getByRole('textbox', { name: 'Hub endpoint', exact: true }).fill('http://127.0.0.1:9');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('[data-code="NOT_CONFIRMED"]')).toContainText(`stays ${hub.url}`);
  expect(bridge.confirmsAsked.at(-1)?.message).toContain('http://127.0.0.1:9');
  // Confirmed, the typed token is still not sent there: it was checked against the first endpoint.
  bridge.answerConfirms(true);
  await page.getByRole('button', { name: 'Save' }).click();
  const tied = page.locator('[data-code="TOKEN_INVALID"]');
  await expect(tied).toContainText('is not sent to http://127.0.0.1:9');
  await expect(publish).toBeDisabled();

  bridge.answerConfirms(true);
  await page.getByRole('textbox', { name: 'Hub endpoint', exact: true }).fill(hub.url);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('publish-account')).toContainText('alice');
  await page.getByRole('button', { name: 'Forget token' }).click();
  await expect(page.getByText('No token found yet')).toBeVisible();
});

test('with a keychain service, a token kept there is found again after a reload and forgotten on request', async ({
  page,
  bridge,
  tmp,
}, testInfo) => {
  await page.goto(bridge.url);
  await openWorkspace(page, tmp, 'keychain-run');
  const keep = page.getByLabel('Keep it in the system keychain');
  await expect(page.getByText('No token found yet')).toBeVisible();
  if (!(await keep.isEnabled())) {
    const reason =
      'No Secret Service on this machine: run under dbus-run-session with gnome-keyring (see .ci/run).';
    console.log(`skipped: ${reason}`);
    test.skip(true, reason);
  }
  // The user is told where a remembered token goes before choosing to keep it.
  await expect(page.getByTestId('publish-token-storage')).toContainText(
    'Kept in Secret Service (GNOME Keyring or KWallet)',
  );
  await page.getByLabel('Hugging Face token').fill(WRITE);
  await keep.check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('publish-account')).toContainText('the system keychain');
  await shots(page, testInfo, 'publish-keychain');

  await page.reload();
  await openWorkspace(page, tmp, 'keychain-run');
  await expect(page.getByTestId('publish-account')).toContainText('the system keychain');
  await page.getByRole('button', { name: 'Forget token' }).click();
  await expect(page.getByText('No token found yet')).toBeVisible();
});
