import { describe, expect, it } from 'vitest';
import type {
  CheckpointEvaluation,
  CheckpointInfo,
  EvaluationReport,
  ScanResult,
} from '../../../../shared/types';
import {
  axisTicks,
  benchmarkLabel,
  chartPoints,
  checkpointRows,
  chosenAgainstBest,
  nearestPoint,
  sortRows,
} from './rows';
import { evaluationItemId } from '../../../../shared/evaluation';
import type { JobItemProgress } from '../../../../shared/types';

function info(name: string, step: number | null, relPath = name): CheckpointInfo {
  return { name, relPath, step } as CheckpointInfo;
}
function evaluation(
  name: string,
  scores: Record<string, number>,
  evalAccuracy: number | null,
): CheckpointEvaluation {
  return { name, scores, evalAccuracy } as CheckpointEvaluation;
}

const scan = {
  checkpoints: [info('step_100', 100), info('step_200', 200, 'run/step_200'), info('final', null)],
} as ScanResult;
const report = {
  benchmarks: ['math', 'code'],
  checkpoints: [
    evaluation('step_100', { math: 0.2, code: 0.6 }, 0.4),
    evaluation('run/step_200', { math: 0.5 }, 0.5),
  ],
  best: 'run/step_200',
} as EvaluationReport;

describe('checkpoint rows', () => {
  it('joins the scan with the evaluation by name or relative path, and keeps unevaluated checkpoints', () => {
    const rows = checkpointRows(scan, report);
    expect(rows.map((r) => [r.name, r.evaluation?.evalAccuracy ?? null])).toEqual([
      ['step_100', 0.4],
      ['step_200', 0.5],
      ['final', null],
    ]);
    expect(checkpointRows(scan, null).every((r) => r.evaluation === null)).toBe(true);
  });

  it('plots by step when every checkpoint has one, else by position', () => {
    const rows = checkpointRows(scan, report);
    expect(chartPoints(rows.slice(0, 2), report.benchmarks).map((p) => p.x)).toEqual([100, 200]);
    const points = chartPoints(rows, report.benchmarks);
    expect(points.map((p) => p.x)).toEqual([1, 2, 3]);
    expect(points[1]).toMatchObject({ math: 0.5, code: null, eval_accuracy: 0.5 });
  });

  it('compares the chosen checkpoint with the best score of each benchmark', () => {
    expect(chosenAgainstBest(report.benchmarks, report.checkpoints, report.checkpoints[1]!)).toEqual([
      { benchmark: 'math', chosen: 0.5, best: 0.5, bestBy: 'run/step_200' },
      { benchmark: 'code', chosen: null, best: 0.6, bestBy: 'step_100' },
    ]);
  });

  it("labels a benchmark as the README's table does, else by its name as written", () => {
    expect(benchmarkLabel('gsm8k', { gsm8k: 'GSM8K' })).toBe('GSM8K');
    expect(benchmarkLabel('humaneval', { gsm8k: 'GSM8K' })).toBe('humaneval');
    expect(benchmarkLabel('mmlu')).toBe('mmlu');
  });

  it('merges the score of each finished run into its row while the evaluation runs', () => {
    const run = (checkpoint: string, benchmark: string, state: JobItemProgress['state'], score?: number) =>
      [
        evaluationItemId(checkpoint, benchmark),
        { id: '', label: '', done: 0, total: 1, state, ...(score !== undefined ? { score } : {}) },
      ] as const;
    const runs = new Map([
      run('step_100', 'math', 'done', 0.3),
      run('step_100', 'code', 'running'),
      run('final', 'math', 'done', 0.9),
      run('final', 'code', 'done', 0.7),
    ]);
    const rows = checkpointRows(scan, report, runs);
    expect(rows[0]).toMatchObject({ running: true, evaluation: { scores: { math: 0.3, code: 0.6 } } });
    expect(rows[0]!.evaluation!.sources.math).toBe('script');
    // Every score in: eval_accuracy follows from the merged scores.
    expect(rows[2]).toMatchObject({ running: false, evaluation: { evalAccuracy: 0.8, complete: true } });
  });

  it('sorts by a column, rows without a value last either way', () => {
    const rows = checkpointRows(scan, report);
    expect(sortRows(rows, 'eval_accuracy', 'desc').map((r) => r.name)).toEqual([
      'step_200',
      'step_100',
      'final',
    ]);
    expect(sortRows(rows, 'eval_accuracy', 'asc').map((r) => r.name)).toEqual([
      'step_100',
      'step_200',
      'final',
    ]);
    expect(sortRows(rows, 'score:code', 'asc').map((r) => r.name)).toEqual(['step_100', 'step_200', 'final']);
  });

  it("puts ticks at the checkpoints' steps and picks the point nearest to a click", () => {
    expect(axisTicks([20, 40, 60, 80, 100, 120, 140, 160])).toEqual([20, 40, 60, 80, 100, 120, 140, 160]);
    const many = Array.from({ length: 100 }, (_, i) => (i + 1) * 20);
    const ticks = axisTicks(many);
    expect(ticks).toHaveLength(10);
    expect(ticks[0]).toBe(20);
    expect(ticks.at(-1)).toBe(2000);
    expect(ticks.every((t) => many.includes(t))).toBe(true);
    const points = [{ x: 100 }, { x: 200 }, { x: 300 }];
    expect(nearestPoint(points, 260, (x) => x)).toBe(points[2]);
  });
});
