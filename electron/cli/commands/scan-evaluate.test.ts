/** `hub-publisher scan` and `evaluate` as a user runs them: a real subprocess, real files, real Python. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWorkspace, RUN_LOG_ENV, snapshotTree, tempDir } from '../../../e2e/fixtures/workspace';
import { renderProgressLine, renderTable } from '../terminal';
import type { EvaluationReport } from '../../../shared/types';
import { parseManualEntry } from './evaluate';

const BIN = fileURLToPath(new URL('../../../bin/hub-publisher.js', import.meta.url));

const dirs: string[] = [];
const fresh = async (prefix = 'hp-cli-test-') => {
  const d = await tempDir(prefix);
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, NO_COLOR: '1', ...env } },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('hub-publisher scan', () => {
  it('--json prints the documented shape', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      steps: [1000, 200],
      sharded: true,
      readme: '# Model\n![curve](loss.png)',
      images: ['loss.png'],
      tokenFile: true,
      checkpoints: [{ name: 'step_5', corrupt: 'header-json' }],
    });
    const { code, stdout, stderr } = await cli(['scan', root, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as Record<string, unknown> & { checkpoints: Record<string, unknown>[] };
    expect(out).toMatchObject({
      root,
      readme: path.join(root, 'README.md'),
      tokenFile: path.join(root, 'hf_token.txt'),
    });
    expect(out.checkpoints.map((c) => c.name)).toEqual(['step_5', 'step_200', 'step_1000']);
    const good = out.checkpoints[2]!;
    expect(good).toMatchObject({
      name: 'step_1000',
      path: path.join(root, 'step_1000'),
      step: 1000,
      valid: true,
      problems: [],
      weights: { format: 'safetensors', sharded: true, bytes: expect.any(Number), parameters: 2048 },
    });
    expect(good.files).toContainEqual(
      expect.objectContaining({ path: 'config.json', bytes: expect.any(Number), role: 'config' }),
    );
    expect(out.checkpoints[0]).toMatchObject({
      valid: false,
      problems: [expect.objectContaining({ code: 'corrupt-safetensors' })],
    });
  });

  it('prints a readable table without --json', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      steps: [1, 2],
      checkpoints: [{ name: 'step_3', missingShard: true, weights: 'sharded' }],
    });
    const { code, stdout } = await cli(['scan', root]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/checkpoint\s+step\s+status\s+weights/);
    expect(stdout).toMatch(/step_3\s+3\s+1 problem/);
    expect(stdout).toContain('model-00002-of-00002.safetensors is listed in model.safetensors.index.json');
  });

  it('exits non-zero with a clear message when the folder cannot be read', async () => {
    const root = await fresh();
    const { code, stdout, stderr } = await cli(['scan', path.join(root, 'missing'), '--json']);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/does not exist/);
  });
});

describe('hub-publisher evaluate', () => {
  it('--json prints the documented shape; failed benchmarks are data, not a crash', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-cli-data-');
    const log = path.join(await fresh('hp-cli-log-'), 'runs.log');
    await buildWorkspace(root, {
      steps: [200, 1000],
      benchmarks: {
        arc: { kind: 'score', scores: { step_200: 0.4375, step_1000: 0.0625 } },
        broken: { kind: 'name-error' },
      },
    });
    const before = await snapshotTree(root);
    const env = { HUB_PUBLISHER_DATA_DIR: dataDir, [RUN_LOG_ENV]: log };
    const { code, stdout, stderr } = await cli(['evaluate', root, '--json', '--concurrency', '2'], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { checkpoints: Record<string, unknown>[] } & Record<string, unknown>;
    expect(out).toMatchObject({
      benchmarks: ['arc', 'broken'],
      best: null,
      bestReason: expect.stringContaining('every benchmark'),
    });
    expect(out.checkpoints[0]).toMatchObject({
      name: 'step_200',
      step: 200,
      scores: { arc: 0.4375 },
      errors: {
        broken: expect.objectContaining({
          kind: 'exit',
          exitCode: 1,
          stderrTail: expect.stringContaining('NameError'),
        }),
      },
      sources: { arc: 'script' },
      evalAccuracy: null,
      complete: false,
    });
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(4);
    expect(existsSync(path.join(dataDir, 'evaluation-cache'))).toBe(true);
    expect(await snapshotTree(root)).toEqual(before);

    // Remembered: nothing runs again; --no-cache runs everything.
    await cli(['evaluate', root, '--json'], env);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(4);
    await cli(['evaluate', root, '--json', '--no-cache'], env);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(8);
  });

  it('prints a table with scores exactly as Python formats them, and the choice with its reason', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-cli-data-');
    await buildWorkspace(root, {
      steps: [200, 1000],
      benchmarks: { arc: { kind: 'score', scores: { step_200: 0.4375, step_1000: 0.0625 } } },
    });
    const { code, stdout } = await cli(['evaluate', root], { HUB_PUBLISHER_DATA_DIR: dataDir });
    expect(code).toBe(0);
    expect(stdout).toMatch(/step_200 \*\s+200\s+0\.438\s+0\.438/);
    expect(stdout).toMatch(/step_1000\s+1000\s+0\.062\s+0\.062/);
    expect(stdout).toContain('Best: step_200');
  });

  it('exits non-zero for an unusable --python or an unreadable folder', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-cli-data-');
    await buildWorkspace(root, { steps: [1], benchmarks: { arc: { kind: 'score', default: 0.5 } } });
    const bad = await cli(['evaluate', root, '--json', '--python', '/nonexistent/python'], {
      HUB_PUBLISHER_DATA_DIR: dataDir,
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/not a working Python interpreter/);
    const missing = await cli(['evaluate', path.join(root, 'nope')], { HUB_PUBLISHER_DATA_DIR: dataDir });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/does not exist/);
  });
});

describe('terminal helpers', () => {
  it('aligns table columns, right-aligning numbers', () => {
    expect(
      renderTable(
        ['name', 'score'],
        [
          ['a', '0.5'],
          ['long', '10.25'],
        ],
        ['left', 'right'],
      ),
    ).toBe('name  score\n----  -----\na       0.5\nlong  10.25\n');
  });

  it('draws a bounded progress line for items and bytes', () => {
    const items = renderProgressLine(
      { phase: 'evaluate', done: 3, total: 12, unit: 'items', message: 'step_200 · arc' },
      80,
    );
    expect(items).toContain('3/12');
    expect(items).toContain('step_200 · arc');
    const bytes = renderProgressLine(
      { phase: 'upload', done: 5e8, total: 2e9, unit: 'bytes', rate: 5e7, eta: 30 },
      100,
      'uploading',
    );
    expect(bytes).toMatch(/^uploading \[#+-+\] 500 MB\/2.00 GB 50.0 MB\/s 30s left/);
    expect(
      [
        ...renderProgressLine(
          { phase: 'walk', done: 1, total: 2, unit: 'items', message: 'm'.repeat(200) },
          40,
        ),
      ].length,
    ).toBeLessThan(40);
  });
});

describe('evaluate --set-score / --clear-score', () => {
  it('parses checkpoint:benchmark=score, allowing colons in nested checkpoint names', () => {
    expect(parseManualEntry('step_200:mmlu=0.61', true)).toEqual({
      checkpoint: 'step_200',
      benchmark: 'mmlu',
      score: 0.61,
    });
    expect(parseManualEntry('runs/a:b/checkpoint-5:arc=1e-1', true)).toEqual({
      checkpoint: 'runs/a:b/checkpoint-5',
      benchmark: 'arc',
      score: 0.1,
    });
    expect(parseManualEntry('step_200:mmlu', false)).toEqual({
      checkpoint: 'step_200',
      benchmark: 'mmlu',
      score: null,
    });
    expect(() => parseManualEntry('step_200:mmlu=high', true)).toThrow(/checkpoint>:<benchmark>=<score>/);
    expect(() => parseManualEntry('step_200', false)).toThrow(/checkpoint>:<benchmark>/);
  });
});

describe('evaluate --set-score refuses names the workspace does not have', () => {
  it('exits 2 listing the checkpoints and benchmarks that exist, and stores nothing', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-cli-data-');
    await buildWorkspace(root, {
      layout: 'step',
      steps: [100, 200],
      benchmarks: {
        mmlu: { kind: 'score', scores: { step_100: 0.4, step_200: 0.5 } },
        arc: { kind: 'name-error' },
      },
    });
    const env = { HUB_PUBLISHER_DATA_DIR: dataDir };
    const typo = await cli(['evaluate', root, '--set-score', 'step_300:mmlu=0.7'], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Unknown checkpoint step_300; the workspace has step_100, step_200.');
    expect(typo.stdout).toBe('');

    const bench = await cli(['evaluate', root, '--set-score', 'step_200:mmlu_5shot=0.7'], env);
    expect(bench.code).toBe(2);
    expect(bench.stderr).toContain('Unknown benchmark mmlu_5shot; the workspace has arc, mmlu.');
    expect(bench.stderr).toContain('Nothing was stored.');

    // Known names are stored and shown as entered by hand.
    const ok = await cli(['evaluate', root, '--set-score', 'step_100:arc=0.9', '--json'], env);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout) as EvaluationReport;
    const step100 = report.checkpoints.find((c) => c.name === 'step_100');
    expect(step100?.scores.arc).toBe(0.9);
    expect(step100?.sources.arc).toBe('manual');
  }, 60_000);
});

describe('evaluate --metric / --weight: what picks the best', () => {
  const trainerRun = async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      layout: 'trainer',
      steps: [],
      checkpoints: [
        { name: 'checkpoint-100', trainerScores: { accuracy: 0.7, loss: 0.9 } },
        { name: 'checkpoint-200', trainerScores: { accuracy: 0.6, loss: 0.5 } },
        { name: 'checkpoint-300', trainerScores: { accuracy: 0.8, loss: 0.7 } },
      ],
    });
    return root;
  };

  it('picks the lowest eval_loss when asked, and says why', async () => {
    const root = await trainerRun();
    const env = { HUB_PUBLISHER_DATA_DIR: await fresh('hp-cli-data-') };
    const byAccuracy = await cli(['evaluate', root], env);
    expect(byAccuracy.code).toBe(0);
    expect(byAccuracy.stdout).toContain('Best: checkpoint-300');

    const byLoss = await cli(['evaluate', root, '--metric', 'eval_loss'], env);
    expect(byLoss.code).toBe(0);
    expect(byLoss.stdout).toContain(
      'Best: checkpoint-200 — checkpoint-200 has the lowest eval_loss (0.500; lower is better), the lowest of 3 checkpoints with one.',
    );
    const json = JSON.parse(
      (await cli(['evaluate', root, '--metric', 'eval_loss', '--json'], env)).stdout,
    ) as EvaluationReport;
    expect(json.best).toBe('checkpoint-200');
    expect(json.metric).toBe('eval_loss');
    expect(json.metrics).toEqual(['eval_accuracy', 'eval_loss']);
  }, 60_000);

  it('exits 2 for a metric or benchmark the workspace does not have, listing the ones it has', async () => {
    const root = await trainerRun();
    const env = { HUB_PUBLISHER_DATA_DIR: await fresh('hp-cli-data-') };
    const metric = await cli(['evaluate', root, '--metric', 'eval_los'], env);
    expect(metric.code).toBe(2);
    expect(metric.stderr).toContain('Unknown metric eval_los; the workspace has eval_accuracy, eval_loss.');
    expect(metric.stdout).toBe('');
    const weight = await cli(['evaluate', root, '--weight', 'mmlu=2'], env);
    expect(weight.code).toBe(2);
    expect(weight.stderr).toContain('Unknown benchmark mmlu in the weights; the workspace has accuracy.');
    const bad = await cli(['evaluate', root, '--weight', 'accuracy=-1'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected <benchmark>=<weight of 0 or more>');
  }, 60_000);
});
