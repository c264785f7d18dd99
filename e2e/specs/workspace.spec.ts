import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dropFolder, expect, screenshot, test } from './fixtures';

/** A valid one-tensor safetensors file: 8-byte header length, JSON header, data. */
function tinySafetensors(): Buffer {
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, header, Buffer.alloc(8)]);
}

async function makeWorkspace(root: string): Promise<void> {
  for (const name of ['step_1000', 'step_200', 'step_50', 'step_10000']) {
    await mkdir(path.join(root, name), { recursive: true });
    await writeFile(path.join(root, name, 'config.json'), JSON.stringify({ model_type: 'llama' }));
    await writeFile(path.join(root, name, 'model.safetensors'), tinySafetensors());
  }
  await mkdir(path.join(root, 'logs'), { recursive: true });
}

test('a dropped folder lists its checkpoints in numeric order', async ({ page, bridge, tmp }, testInfo) => {
  const workspace = path.join(tmp, 'run');
  await makeWorkspace(workspace);
  await page.goto(bridge.url);
  await expect(page.getByRole('heading', { name: 'Drop a folder of training output' })).toBeVisible();

  await dropFolder(page, workspace);

  const rows = page.getByTestId('checkpoint-row');
  await expect(rows).toHaveCount(4);
  await expect(rows.locator('.ckpt-table__name')).toHaveText(['step_50', 'step_200', 'step_1000', 'step_10000']);
  await expect(page.getByRole('heading', { name: '4 checkpoints' })).toBeVisible();
  await screenshot(page, testInfo, 'checkpoints-after-drop');
});

test('choosing a folder with the button opens it, and it is remembered', async ({ page, bridge, tmp }) => {
  const workspace = path.join(tmp, 'chosen');
  await makeWorkspace(workspace);
  bridge.setNextChosenFolder(workspace);
  await page.goto(bridge.url);
  await page.getByRole('button', { name: 'Choose folder…' }).click();
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(4);

  await page.getByRole('button', { name: 'Workspace' }).click();
  await expect(page.getByRole('button', { name: workspace })).toBeVisible();
});

test('a folder without checkpoints and a dropped file get clear messages', async ({ page, bridge, tmp }) => {
  const empty = path.join(tmp, 'empty');
  await mkdir(empty);
  const file = path.join(tmp, 'notes.txt');
  await writeFile(file, 'hello');
  await page.goto(bridge.url);

  await dropFolder(page, empty);
  await expect(page.getByRole('alert')).toContainText('No checkpoints in');

  await dropFolder(page, file);
  await expect(page.getByRole('alert')).toContainText('is a file');
});
