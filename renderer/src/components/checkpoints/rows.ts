/** Joins the scan and the evaluation into the rows the table and charts show. */
import type { CheckpointEvaluation, CheckpointInfo, EvaluationReport, ScanResult } from '../../../../shared/types';

export interface CheckpointRow {
  name: string;
  info: CheckpointInfo;
  evaluation: CheckpointEvaluation | null;
}

export function checkpointRows(scan: ScanResult, report: EvaluationReport | null): CheckpointRow[] {
  const byName = new Map(report?.checkpoints.map((c) => [c.name, c]) ?? []);
  return scan.checkpoints.map((info) => ({
    name: info.name,
    info,
    evaluation: byName.get(info.name) ?? byName.get(info.relPath) ?? null,
  }));
}

export interface ChartPoint {
  name: string;
  /** Steps when every checkpoint has one, else the position in the list. */
  x: number;
  eval_accuracy: number | null;
  [benchmark: string]: number | string | null;
}

export function chartPoints(rows: readonly CheckpointRow[], benchmarks: readonly string[]): ChartPoint[] {
  const bySteps = rows.every((r) => r.info.step !== null);
  return rows.map((row, index) => {
    const point: ChartPoint = {
      name: row.name,
      x: bySteps ? row.info.step! : index + 1,
      eval_accuracy: row.evaluation?.evalAccuracy ?? null,
    };
    for (const b of benchmarks) point[b] = row.evaluation?.scores[b] ?? null;
    return point;
  });
}

/** For each benchmark: the chosen checkpoint's score and the best score any checkpoint reached. */
export function chosenAgainstBest(
  report: EvaluationReport,
  chosen: CheckpointEvaluation | null,
): { benchmark: string; chosen: number | null; best: number | null; bestBy: string | null }[] {
  return report.benchmarks.map((benchmark) => {
    let best: number | null = null;
    let bestBy: string | null = null;
    for (const c of report.checkpoints) {
      const score = c.scores[benchmark];
      if (score !== undefined && (best === null || score > best)) {
        best = score;
        bestBy = c.name;
      }
    }
    return { benchmark, chosen: chosen?.scores[benchmark] ?? null, best, bestBy };
  });
}

/** "math_reasoning" → "Math reasoning" for axis labels. */
export function benchmarkLabel(key: string): string {
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
