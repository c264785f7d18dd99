import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWorkspace, RUN_LOG_ENV, snapshotTree, tempDir } from '../../../e2e/fixtures/workspace';
import type { JobProgress } from '../../../shared/types';
import {
  abiMismatch,
  detectInterpreters,
  evaluateWorkspace,
  getManualScores,
  scanWorkspace,
  setManualScore,
} from './index';
import { parseWorkspaceConfig } from './config-schema';

const dirs: string[] = [];
const fresh = async (prefix = 'hp-eval-test-') => {
  const d = await tempDir(prefix);
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Lines the fixture scripts appended to the run log (outside the workspace): one per run. */
const runs = (log: string): string[] =>
  existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];

/** Alive and not a zombie waiting for a parent that is gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function until(condition: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('evaluateWorkspace: the workspace scripts', () => {
  it('scores each benchmark on its own; broken ones fail with what went wrong, the rest still run', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, {
      layout: 'step',
      steps: [1000, 200],
      driver: true,
      benchmarks: {
        arc: { kind: 'score', scores: { step_200: 0.41, step_1000: 0.52 } },
        hellaswag: {
          kind: 'score',
          scores: { step_200: 0.6, step_1000: 0.7 },
          json: true,
          preamble: ['loaded 12 shards'],
        },
        typo: { kind: 'name-error' },
        deps: { kind: 'missing-import', module: 'fancy_metrics_lib' },
        format: { kind: 'wrong-file-check' },
        garbage: { kind: 'garbage' },
        slow: { kind: 'hang' },
        compiled: { kind: 'abi-mismatch', module: 'fastmetric', pythonTag: 'cpython-313' },
      },
    });
    const before = await snapshotTree(root);
    const progress: JobProgress[] = [];
    const report = await evaluateWorkspace({
      root,
      dataDir,
      timeoutMs: 2500,
      onProgress: (p) => progress.push(p),
    });

    expect(report.benchmarks).toEqual([
      'arc',
      'compiled',
      'deps',
      'format',
      'garbage',
      'hellaswag',
      'slow',
      'typo',
    ]);
    expect(report.checkpoints.map((c) => c.name)).toEqual(['step_200', 'step_1000']);
    const [s200, s1000] = report.checkpoints;
    expect(s200!.scores).toEqual({ arc: 0.41, hellaswag: 0.6 });
    expect(s1000!.scores).toEqual({ arc: 0.52, hellaswag: 0.7 });
    expect(s1000!.sources).toEqual({ arc: 'script', hellaswag: 'script' });
    expect(s1000!.evalAccuracy).toBeNull();
    expect(s1000!.complete).toBe(false);
    expect(s1000!.missing).toEqual(['compiled', 'deps', 'format', 'garbage', 'slow', 'typo']);

    const e = s1000!.errors;
    expect(e.typo).toMatchObject({ kind: 'exit', exitCode: 1 });
    expect(e.typo!.message).toContain("NameError: name 'accuracy_scroe' is not defined");
    expect(e.typo!.stderrTail).toContain('Traceback');
    expect(e.deps).toMatchObject({ kind: 'exit', exitCode: 1 });
    expect(e.deps!.message).toContain("No module named 'fancy_metrics_lib'");
    expect(e.format).toMatchObject({ kind: 'exit', exitCode: 1 });
    expect(e.format!.stderrTail).toContain('pytorch_model.bin not found');
    expect(e.garbage).toMatchObject({ kind: 'unparsable', exitCode: 0 });
    expect(e.slow).toMatchObject({ kind: 'timeout', exitCode: null });
    expect(e.compiled).toMatchObject({ kind: 'abi-mismatch', exitCode: 1, needsInterpreter: 'python3.13' });
    expect(e.compiled!.message).toContain('fastmetric.cpython-313-x86_64-linux-gnu.so');
    expect(e.compiled!.message).toMatch(/interpreter is Python 3\.\d+/);

    // The driver's aggregate (which skips failures) is never a benchmark or a score.
    expect(report.benchmarks).not.toContain('run_all');
    expect(report.best).toBeNull();
    expect(report.bestReason).toMatch(/No checkpoint has a score for every benchmark/);
    expect(report.interpreter?.version).toMatch(/^3\.\d+\.\d+$/);

    const last = progress.at(-1)!;
    expect(last.items).toHaveLength(16);
    expect(last.done).toBe(16);
    expect(
      last
        .items!.filter((i) => i.state === 'done')
        .map((i) => i.label)
        .sort(),
    ).toEqual(['step_1000 · arc', 'step_1000 · hellaswag', 'step_200 · arc', 'step_200 · hellaswag']);
    expect(progress.some((p) => p.items?.some((i) => i.state === 'running'))).toBe(true);

    // Scripts ran with the workspace as working directory and left nothing behind in it.
    expect(await snapshotTree(root)).toEqual(before);
  });

  it('chooses the highest complete eval_accuracy, later step on ties, with configured weights', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, {
      steps: [200, 400, 600],
      benchmarks: {
        arc: { kind: 'score', scores: { step_200: 0.5, step_400: 0.7, step_600: 0.6 } },
        mmlu: { kind: 'score', scores: { step_200: 0.5, step_400: 0.1, step_600: 0.4 } },
      },
      config: { weights: { arc: 3, mmlu: 1 } },
    });
    const report = await evaluateWorkspace({ root, dataDir });
    // (3a + m) / 4: step_400 and step_600 both 0.55, step_200 0.5.
    expect(report.checkpoints.map((c) => c.evalAccuracy)).toEqual([
      0.5,
      expect.closeTo(0.55, 12),
      expect.closeTo(0.55, 12),
    ]);
    expect(report.best).toBe('step_600');
    expect(report.bestReason).toMatch(
      /step_600 has the highest complete eval_accuracy \(0\.550\).*tied with step_400, the later step wins/,
    );
  });

  it('remembers results in the data folder and re-runs only what changed', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    const logDir = await fresh('hp-eval-log-');
    const log = path.join(logDir, 'runs.log');
    const env = { [RUN_LOG_ENV]: log };
    await buildWorkspace(root, {
      steps: [1, 2],
      benchmarks: {
        arc: { kind: 'score', default: 0.5 },
        mmlu: { kind: 'score', default: 0.25 },
        broken: { kind: 'name-error' },
      },
    });
    const first = await evaluateWorkspace({ root, dataDir, env });
    expect(runs(log)).toHaveLength(6);

    const second = await evaluateWorkspace({ root, dataDir, env });
    expect(runs(log)).toHaveLength(6);
    expect(second.checkpoints).toEqual(first.checkpoints);
    expect(existsSync(path.join(root, 'hub-publisher.json'))).toBe(false);

    // A changed script re-runs that benchmark only.
    const mmlu = path.join(root, 'evaluation/benchmarks/mmlu/eval.py');
    await writeFile(mmlu, (await readFile(mmlu, 'utf8')) + '\n# tweaked\n');
    await evaluateWorkspace({ root, dataDir, env });
    expect(runs(log).slice(6).sort()).toEqual(['mmlu\tstep_1', 'mmlu\tstep_2']);

    // A changed checkpoint file re-runs that checkpoint only.
    const when = new Date(Date.now() + 60_000);
    await utimes(path.join(root, 'step_2', 'config.json'), when, when);
    await evaluateWorkspace({ root, dataDir, env });
    expect(runs(log).slice(8).sort()).toEqual(['arc\tstep_2', 'broken\tstep_2', 'mmlu\tstep_2']);

    // Only what failed last time.
    await evaluateWorkspace({ root, dataDir, env, onlyFailed: true });
    expect(runs(log).slice(11).sort()).toEqual(['broken\tstep_1', 'broken\tstep_2']);

    // Everything, when asked.
    await evaluateWorkspace({ root, dataDir, env, useCache: false });
    expect(runs(log)).toHaveLength(13 + 6);

    // Reopening with cacheOnly runs nothing and still reports every remembered score.
    const reopened = await evaluateWorkspace({ root, dataDir, env, cacheOnly: true });
    expect(runs(log)).toHaveLength(19);
    expect(reopened.checkpoints.map((c) => c.scores)).toEqual([
      { arc: 0.5, mmlu: 0.25 },
      { arc: 0.5, mmlu: 0.25 },
    ]);
  });

  // Publishing without benchmarks (the CLI's --no-benchmarks) reads what is remembered, in a process of its
  // own; finding the interpreter behind pyenv shims is hundreds of process starts (seconds), so such a read
  // must start no Python at all.
  it('reads remembered scores in a new process without starting the interpreter', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    const starts = path.join(await fresh('hp-eval-log-'), 'python-starts.log');
    await buildWorkspace(root, { steps: [1], benchmarks: { arc: { kind: 'score', default: 0.5 } } });
    // The workspace's own interpreter (found first): a wrapper that notes every start.
    await mkdir(path.join(root, '.venv', 'bin'), { recursive: true });
    const wrapper = path.join(root, '.venv', 'bin', 'python');
    await writeFile(wrapper, `#!/bin/sh\necho start >> '${starts}'\nexec python3 "$@"\n`, { mode: 0o755 });
    const first = await evaluateWorkspace({ root, dataDir });
    expect(first.checkpoints[0]?.scores).toEqual({ arc: 0.5 });
    const startsAfterRun = readFileSync(starts, 'utf8');

    const readInNewProcess = async () => {
      const module = new URL('./index.ts', import.meta.url).pathname;
      const script = `const { evaluateWorkspace } = await import(${JSON.stringify(module)});
const r = await evaluateWorkspace({ root: ${JSON.stringify(root)}, dataDir: ${JSON.stringify(dataDir)}, cacheOnly: true });
console.log(JSON.stringify(r.checkpoints[0].scores));`;
      const { stdout } = await promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
      ]);
      return JSON.parse(stdout) as Record<string, number>;
    };
    expect(await readInNewProcess()).toEqual({ arc: 0.5 });
    expect(readFileSync(starts, 'utf8')).toBe(startsAfterRun);

    // A changed script is not what was remembered: nothing to show, and still nothing started.
    const arc = path.join(root, 'evaluation/benchmarks/arc/eval.py');
    await writeFile(arc, (await readFile(arc, 'utf8')) + '\n# tweaked\n');
    expect(await readInNewProcess()).toEqual({});
    expect(readFileSync(starts, 'utf8')).toBe(startsAfterRun);
  }, 60_000);

  it('runs only the selected checkpoints and benchmarks but reports all', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    const log = path.join(await fresh('hp-eval-log-'), 'runs.log');
    await buildWorkspace(root, {
      steps: [1, 2],
      benchmarks: { arc: { kind: 'score', default: 0.5 }, mmlu: { kind: 'score', default: 0.5 } },
    });
    const report = await evaluateWorkspace({
      root,
      dataDir,
      env: { [RUN_LOG_ENV]: log },
      checkpoints: ['step_2'],
      benchmarks: ['arc'],
    });
    expect(runs(log)).toEqual(['arc\tstep_2']);
    expect(report.checkpoints.map((c) => c.name)).toEqual(['step_1', 'step_2']);
    await expect(evaluateWorkspace({ root, dataDir, checkpoints: ['step_9'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('step_9'),
    });
  });

  it('cancelling kills the whole process tree and remembers nothing half-done', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    const pidFile = path.join(await fresh('hp-eval-pids-'), 'pids');
    await buildWorkspace(root, { steps: [1], benchmarks: { spawner: { kind: 'spawn-child', pidFile } } });
    const controller = new AbortController();
    const running = evaluateWorkspace({ root, dataDir, signal: controller.signal });
    await until(
      () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().split('\n').length === 2,
      'the script to start its child',
    );
    const [parent, child] = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number) as [number, number];
    expect(alive(parent)).toBe(true);
    expect(alive(child)).toBe(true);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    await until(() => !alive(parent) && !alive(child), 'both processes to be gone');
    expect(existsSync(path.join(dataDir, 'evaluation-cache'))).toBe(false);
  });

  it('a timeout also ends the processes the script started', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    const pidFile = path.join(await fresh('hp-eval-pids-'), 'pids');
    await buildWorkspace(root, { steps: [1], benchmarks: { spawner: { kind: 'spawn-child', pidFile } } });
    const report = await evaluateWorkspace({ root, dataDir, timeoutMs: 2500 });
    expect(report.checkpoints[0]!.errors.spawner!.kind).toBe('timeout');
    const [parent, child] = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number) as [number, number];
    await until(() => !alive(parent) && !alive(child), 'both processes to be gone');
  });
});

describe('evaluateWorkspace: hub-publisher.json', () => {
  it('uses its benchmark list and command template, and names missing scripts', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, {
      steps: [1],
      benchmarks: { arc: { kind: 'raw', source: 'print("relative:", sys.argv[1], sys.argv[2], 0.75)' } },
      config: {
        benchmarks: ['arc', 'mmlu'],
        command: '{python} evaluation/benchmarks/{benchmark}/eval.py {checkpoint_rel} "{checkpoint_name}"',
        timeoutSeconds: 60,
        concurrency: 1,
      },
    });
    const report = await evaluateWorkspace({ root, dataDir });
    expect(report.benchmarks).toEqual(['arc', 'mmlu']);
    expect(report.checkpoints[0]!.scores).toEqual({ arc: 0.75 });
    // With a command template the script path is the user's business: the run itself fails.
    expect(report.checkpoints[0]!.errors.mmlu!.kind).toBe('exit');
    expect(report.checkpoints[0]!.errors.mmlu!.stderrTail).toMatch(/No such file/);
  });

  it('reports a configured benchmark without a script as missing-script', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, {
      steps: [1],
      benchmarks: { arc: { kind: 'score', default: 0.5 } },
      config: { benchmarks: ['arc', 'mmlu'] },
    });
    const report = await evaluateWorkspace({ root, dataDir });
    expect(report.checkpoints[0]!.errors.mmlu).toMatchObject({ kind: 'missing-script', exitCode: null });
    expect(report.checkpoints[0]!.errors.mmlu!.message).toContain('evaluation/benchmarks/mmlu/eval.py');
    expect(report.checkpoints[0]!.missing).toEqual(['mmlu']);
  });

  it('rejects an invalid file with every problem spelled out', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, {
      steps: [1],
      config: {
        benchmarks: ['arc'],
        timeout: 5,
        concurrency: 0,
        weights: { mmlu: -1 },
        command: '{python} {scriptt}',
      },
    });
    const err = await evaluateWorkspace({ root, dataDir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const message = (err as Error).message;
    expect(message).toContain('hub-publisher.json is invalid');
    expect(message).toContain('"timeout"');
    expect(message).toMatch(/concurrency/);
    expect(message).toMatch(/weights\.mmlu/);
    expect(message).toContain('{scriptt}');
    expect(() => parseWorkspaceConfig('{ nope')).toThrow(/not valid JSON/);
  });
});

describe('evaluateWorkspace: imported and manual scores', () => {
  it('reads Trainer eval_* entries at each checkpoint step and notes best_model_checkpoint', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, {
      layout: 'trainer',
      steps: [100, 200, 300],
      checkpoints: [
        { name: 'checkpoint-100', trainerScores: { accuracy: 0.61, f1: 0.5 } },
        { name: 'checkpoint-200', trainerScores: { accuracy: 0.72, f1: 0.6 } },
        { name: 'checkpoint-300', trainerScores: { accuracy: 0.7, f1: 0.58 } },
      ],
      bestModelCheckpoint: '/home/someone/outputs/run-7/checkpoint-200',
    });
    const report = await evaluateWorkspace({ root, dataDir });
    expect(report.benchmarks).toEqual(['accuracy', 'f1']);
    expect(report.checkpoints.map((c) => c.scores)).toEqual([
      { accuracy: 0.61, f1: 0.5 },
      { accuracy: 0.72, f1: 0.6 },
      { accuracy: 0.7, f1: 0.58 },
    ]);
    expect(report.checkpoints[0]!.sources).toEqual({ accuracy: 'trainer-state', f1: 'trainer-state' });
    expect(report.trainerBest).toBe('checkpoint-200');
    expect(report.best).toBe('checkpoint-200');
    expect(report.interpreter).toBeNull();
  });

  it('reads eval_results.json, lm-evaluation-harness and lighteval results and matches them to checkpoints', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, {
      checkpoints: [
        { name: 'step_100', evalResults: { eval_accuracy: 0.4, eval_loss: 1.2, eval_runtime: 3 } },
        { name: 'step_200', evalResults: { eval_accuracy: 0.5, eval_loss: 1.1, eval_runtime: 3 } },
      ],
      lmEval: {
        results: {
          step_100: { hellaswag: 0.31, arc_easy: 0.4 },
          step_200: { hellaswag: 0.35, arc_easy: { 'acc,none': 0.45, 'acc_stderr,none': 0.01 } },
        },
      },
      lighteval: { results: { step_100: { 'arc:challenge': 0.2 }, step_200: { 'arc:challenge': 0.25 } } },
    });
    const report = await evaluateWorkspace({ root, dataDir });
    expect(report.benchmarks).toEqual(['accuracy', 'arc:challenge', 'arc_easy', 'hellaswag']);
    const s200 = report.checkpoints[1]!;
    expect(s200.scores).toEqual({ accuracy: 0.5, 'arc:challenge': 0.25, arc_easy: 0.45, hellaswag: 0.35 });
    expect(s200.sources).toEqual({
      accuracy: 'eval-results',
      'arc:challenge': 'lighteval',
      arc_easy: 'lm-eval-harness',
      hellaswag: 'lm-eval-harness',
    });
    expect(report.best).toBe('step_200');
  });

  it('reads harness results stored inside a checkpoint folder', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, {
      steps: [1, 2],
      lmEval: { placement: 'checkpoint', results: { step_1: { piqa: 0.6 }, step_2: { piqa: 0.7 } } },
    });
    const report = await evaluateWorkspace({ root, dataDir });
    expect(report.checkpoints.map((c) => c.scores.piqa)).toEqual([0.6, 0.7]);
  });

  it('prefers a script score to an imported one, and fills gaps with manual scores marked manual', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, {
      checkpoints: [
        { name: 'step_1', evalResults: { eval_arc: 0.1 } },
        { name: 'step_2', evalResults: { eval_arc: 0.1 } },
      ],
      benchmarks: { arc: { kind: 'score', default: 0.3 }, mmlu: { kind: 'hang', seconds: 0.01 } },
      config: { benchmarks: ['arc', 'mmlu'] },
    });
    const before = await snapshotTree(root);
    await setManualScore(dataDir, root, 'step_2', 'mmlu', 0.9);
    await setManualScore(dataDir, root, 'step_1', 'mmlu', 0.2);
    await setManualScore(dataDir, root, 'step_1', 'mmlu', null);
    expect(await getManualScores(dataDir, root)).toEqual({ step_2: { mmlu: 0.9 } });
    const report = await evaluateWorkspace({ root, dataDir });
    const [one, two] = report.checkpoints;
    expect(one!.sources.arc).toBe('script');
    expect(one!.scores.arc).toBe(0.3);
    // The script printed a number (0.5) after sleeping: it is a script score, so manual is not needed.
    expect(one!.scores.mmlu).toBe(0.5);
    expect(two!.sources.mmlu).toBe('script');
    await expect(setManualScore(dataDir, root, 'step_1', 'arc', Number.NaN)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(await snapshotTree(root)).toEqual(before);
  });

  it('uses a manual score where nothing else has one', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, {
      steps: [1, 2],
      benchmarks: { arc: { kind: 'score', default: 0.4 }, compiled: { kind: 'abi-mismatch' } },
    });
    await setManualScore(dataDir, root, 'step_2', 'compiled', 0.6);
    const report = await evaluateWorkspace({ root, dataDir });
    const two = report.checkpoints[1]!;
    expect(two.scores).toEqual({ arc: 0.4, compiled: 0.6 });
    expect(two.sources).toEqual({ arc: 'script', compiled: 'manual' });
    // The failure stays visible next to the manual value.
    expect(two.errors.compiled!.kind).toBe('abi-mismatch');
    expect(two.complete).toBe(true);
    expect(report.best).toBe('step_2');
  });
});

describe('interpreters', () => {
  it('finds the workspace .venv first, then the conda env, then python3 on PATH, with versions', async () => {
    const root = await fresh();
    const conda = await fresh('hp-conda-');
    const real = (await detectInterpreters(root)).find((i) => i.origin === 'path');
    expect(real, 'python3 on PATH').toBeDefined();
    const { execFileSync } = await import('node:child_process');
    const executable = execFileSync(real!.path, ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).trim();
    await mkdir(path.join(root, '.venv', 'bin'), { recursive: true });
    await symlink(executable, path.join(root, '.venv', 'bin', 'python'));
    await mkdir(path.join(conda, 'bin'), { recursive: true });
    await symlink(executable, path.join(conda, 'bin', 'python'));
    const found = await detectInterpreters(root, { ...process.env, CONDA_PREFIX: conda });
    // python3 on PATH is the same binary as this fake conda env, so it is listed once, under conda.
    expect(found.map((i) => i.origin)).toEqual(['workspace-venv', 'conda']);
    expect(found[0]!.path).toBe(path.join(root, '.venv', 'bin', 'python'));
    expect(found.every((i) => /^3\.\d+\.\d+$/.test(i.version))).toBe(true);
  });

  it('uses the interpreter hub-publisher.json names, relative to the workspace', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    const { execFileSync } = await import('node:child_process');
    const executable = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).trim();
    await buildWorkspace(root, {
      steps: [1],
      benchmarks: { arc: { kind: 'score', default: 0.5 } },
      config: { python: 'tools/python' },
    });
    await mkdir(path.join(root, 'tools'));
    await symlink(executable, path.join(root, 'tools', 'python'));
    const report = await evaluateWorkspace({ root, dataDir });
    expect(report.interpreter).toMatchObject({ path: path.join(root, 'tools', 'python'), origin: 'user' });
    expect(report.checkpoints[0]!.scores).toEqual({ arc: 0.5 });
  });

  it('rejects a --python that is not a working interpreter', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, { steps: [1], benchmarks: { arc: { kind: 'score', default: 0.5 } } });
    await expect(
      evaluateWorkspace({ root, dataDir, python: '/nonexistent/python3.99' }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('not a working Python'),
    });
  });

  it('names the interpreter a compiled extension needs', () => {
    const py311 = { abiTag: 'cpython-311', version: '3.11.7' };
    expect(abiMismatch(['fast.cpython-313-x86_64-linux-gnu.so'], py311)).toEqual({
      file: 'fast.cpython-313-x86_64-linux-gnu.so',
      needs: 'python3.13',
    });
    expect(abiMismatch(['fast.cp312-win_amd64.pyd'], py311)?.needs).toBe('python3.12');
    expect(
      abiMismatch(['fast.cpython-313-x86_64-linux-gnu.so', 'fast.cpython-311-x86_64-linux-gnu.so'], py311),
    ).toBeNull();
    expect(abiMismatch(['fast.abi3.so', 'plain.so'], py311)).toBeNull();
  });
});

describe('evaluateWorkspace: nothing to score', () => {
  it('says where scores can come from when the workspace has no benchmarks', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    await buildWorkspace(root, { steps: [1, 2] });
    const report = await evaluateWorkspace({ root, dataDir });
    expect(report.benchmarks).toEqual([]);
    expect(report.best).toBeNull();
    expect(report.bestReason).toMatch(/No benchmarks found: add evaluation\/benchmarks\/<name>\/eval\.py/);
  });
});

describe('evaluateWorkspace: installing what was missing', () => {
  it('re-runs a remembered failure once a package is installed into the interpreter', async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    const venv = path.join(await fresh('hp-eval-venv-'), 'venv');
    const log = path.join(await fresh('hp-eval-log-'), 'runs.log');
    const { execFileSync } = await import('node:child_process');
    execFileSync('python3', ['-m', 'venv', '--without-pip', venv]);
    const python = path.join(venv, 'bin', 'python');
    const site = execFileSync(python, ['-c', 'import site; print(site.getsitepackages()[0])'], {
      encoding: 'utf8',
    }).trim();
    await buildWorkspace(root, {
      steps: [1],
      benchmarks: { deps: { kind: 'missing-import', module: 'fancy_metrics_lib' } },
    });
    const env = { [RUN_LOG_ENV]: log };

    const first = await evaluateWorkspace({ root, dataDir, python, env });
    expect(first.checkpoints[0]!.errors.deps!.message).toContain("No module named 'fancy_metrics_lib'");
    await evaluateWorkspace({ root, dataDir, python, env });
    expect(runs(log)).toHaveLength(1);

    await writeFile(path.join(site, 'fancy_metrics_lib.py'), 'VERSION = 1\n');
    const after = await evaluateWorkspace({ root, dataDir, python, env });
    expect(runs(log)).toHaveLength(2);
    expect(after.checkpoints[0]!.scores).toEqual({ deps: 0.5 });
    expect(after.interpreter).toMatchObject({ path: python, origin: 'user' });
  });
});

describe('what the window shows while and after evaluating', () => {
  it("reports each finished run's score in its progress, the README's labels and the size a publish uploads", async () => {
    const root = await fresh();
    const dataDir = await fresh('hp-eval-data-');
    const { checkpoints } = await buildWorkspace(root, {
      layout: 'trainer',
      steps: [100],
      readme: '# Model\n\n| Benchmark | Score |\n|---|---|\n| **GSM8K** | |\n',
      benchmarks: {
        gsm8k: { kind: 'score', default: 0.25 },
        mmlu: { kind: 'score', default: 0.5 },
      },
    });
    const progress: JobProgress[] = [];
    const report = await evaluateWorkspace({ root, dataDir, onProgress: (p) => progress.push(p) });
    const last = progress.at(-1)!;
    expect(last.items?.map((i) => [i.label, i.state, i.score])).toEqual([
      ['checkpoint-100 · gsm8k', 'done', 0.25],
      ['checkpoint-100 · mmlu', 'done', 0.5],
    ]);
    // Labels as the table writes them, emphasis dropped; benchmarks it does not name get none.
    expect(report.labels).toEqual({ gsm8k: 'GSM8K' });
    // The Trainer's optimizer and scheduler state is on disk but not in what a publish uploads.
    const info = checkpoints[0]!;
    const trainingState = ['optimizer.pt', 'scheduler.pt', 'trainer_state.json', 'training_args.bin'];
    let stateBytes = 0;
    for (const f of trainingState) stateBytes += (await stat(path.join(info.path, f))).size;
    const total = (await scanWorkspace(root)).checkpoints[0]!.totalBytes;
    expect(stateBytes).toBeGreaterThan(0);
    expect(report.publishBytes?.['checkpoint-100']).toBeLessThanOrEqual(total - stateBytes);
    expect(report.publishBytes?.['checkpoint-100']).toBeGreaterThan(0);
  }, 60_000);
});
