/**
 * `hub-publisher publish --metric / --weight` as a user sees it: the checkpoint the chosen metric picks is
 * the one planned, the card says why and the commit title names the metric; a name the workspace lacks
 * exits 2 listing the ones it has. Real child processes against the local Hub.
 */
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, tempDir } from '../fixtures/workspace';
import { startLocalHub, type LocalHub } from '../local-hub';

const WRITE = 'hf_' + 'EveWriteTokenForTheBestByCliTestsEEEE';
const BIN = path.resolve(__dirname, '../../bin/hub-publisher.js');

let hub: LocalHub;
let work: string;
let ws: string;

beforeAll(async () => {
  work = await tempDir('cli-best-by-');
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [{ name: 'eve', token: WRITE, role: 'write' }],
  });
  ws = path.join(work, 'ws');
  // Accuracy and loss disagree: checkpoint-300 is the most accurate, checkpoint-200 has the lowest loss.
  await buildWorkspace(ws, {
    layout: 'trainer',
    steps: [],
    checkpoints: [
      { name: 'checkpoint-100', trainerScores: { accuracy: 0.7, f1: 0.2, loss: 0.9 } },
      { name: 'checkpoint-200', trainerScores: { accuracy: 0.6, f1: 0.9, loss: 0.5 } },
      { name: 'checkpoint-300', trainerScores: { accuracy: 0.8, f1: 0.3, loss: 0.7 } },
    ],
  });
  await writeFile(path.join(work, 'token'), `${WRITE}\n`);
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: work,
        env: {
          PATH: process.env.PATH,
          HOME: work,
          HUB_PUBLISHER_DATA_DIR: path.join(work, 'data'),
          NO_COLOR: '1',
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const dryRun = (...extra: string[]) => [
  'publish',
  ws,
  '--repo',
  'best-by',
  '--endpoint',
  hub.url,
  '--token-file',
  path.join(work, 'token'),
  '--no-keychain',
  '--dry-run',
  ...extra,
];

describe('publish --metric / --weight', () => {
  it('plans the checkpoint eval_loss picks; the card says why and the commit title names eval_loss', async () => {
    const byAccuracy = await cli(dryRun());
    expect(byAccuracy.code, byAccuracy.stderr).toBe(0);
    // Equal weights: (0.6 + 0.9) / 2 = 0.75 beats (0.8 + 0.3) / 2 = 0.55.
    expect(byAccuracy.stdout).toMatch(/^Plan for eve\/best-by: checkpoint checkpoint-200/m);
    expect(byAccuracy.stdout).toContain(
      'Commit message: Upload checkpoint checkpoint-200 (eval_accuracy 0.750)',
    );

    const weighted = await cli(dryRun('--weight', 'f1=0'));
    expect(weighted.code, weighted.stderr).toBe(0);
    expect(weighted.stdout).toMatch(/^Plan for eve\/best-by: checkpoint checkpoint-300/m);
    expect(weighted.stdout).toContain(
      'Commit message: Upload checkpoint checkpoint-300 (eval_accuracy 0.800)',
    );

    const byLoss = await cli(dryRun('--metric', 'eval_loss', '--weight', 'f1=0'));
    expect(byLoss.code, byLoss.stderr).toBe(0);
    expect(byLoss.stdout).toMatch(/^Plan for eve\/best-by: checkpoint checkpoint-200/m);
    expect(byLoss.stdout).toContain('Commit message: Upload checkpoint checkpoint-200 (eval_loss 0.500)');
    expect(byLoss.stdout).toContain('checkpoint-200 has the lowest eval_loss (0.500; lower is better)');
  }, 120_000);

  it('exits 2 for a metric or benchmark the workspace does not have, listing what it has', async () => {
    const metric = await cli(dryRun('--metric', 'loss'));
    expect(metric.code).toBe(2);
    expect(metric.stderr).toContain('Unknown metric loss; the workspace has eval_accuracy, eval_loss.');
    const weight = await cli(dryRun('--weight', 'mmlu=2'));
    expect(weight.code).toBe(2);
    expect(weight.stderr).toContain('Unknown benchmark mmlu in the weights; the workspace has accuracy, f1.');
  }, 60_000);
});
