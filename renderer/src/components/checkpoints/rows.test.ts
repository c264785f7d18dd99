import { describe, expect, it } from 'vitest';
import type {
  CheckpointEvaluation,
  CheckpointInfo,
  EvaluationReport,
  ScanResult,
} from '../../../../shared/types';
import { benchmarkLabel, chartPoints, checkpointRows, chosenAgainstBest } from './rows';

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
    expect(chosenAgainstBest(report, report.checkpoints[1]!)).toEqual([
      { benchmark: 'math', chosen: 0.5, best: 0.5, bestBy: 'run/step_200' },
      { benchmark: 'code', chosen: null, best: 0.6, bestBy: 'step_100' },
    ]);
    expect(benchmarkLabel('math_reasoning')).toBe('Math reasoning');
  });
});
