/** Joins the scan and the evaluation into the rows the table and charts show. */
import { checkpointEvaluation, evaluationItemId } from '../../../../shared/evaluation';
import type {
  CheckpointEvaluation,
  CheckpointInfo,
  EvaluationReport,
  JobItemProgress,
  ScanResult,
} from '../../../../shared/types';

export interface CheckpointRow {
  name: string;
  info: CheckpointInfo;
  evaluation: CheckpointEvaluation | null;
  /** An evaluation is running and some of this checkpoint's runs have not finished yet. */
  running: boolean;
  /** What a publish of this checkpoint would upload (training state left out), when known. */
  publishBytes: number | null;
}

/**
 * The rows, with the scores of a running evaluation merged in as each run finishes: a run's fresh score
 * replaces what the last report said for that cell, and eval_accuracy follows from the merged scores.
 */
export function checkpointRows(
  scan: ScanResult,
  report: EvaluationReport | null,
  runs: ReadonlyMap<string, JobItemProgress> | null = null,
): CheckpointRow[] {
  const byName = new Map(report?.checkpoints.map((c) => [c.name, c]) ?? []);
  const benchmarks = report?.benchmarks ?? scan.evaluation?.benchmarks ?? [];
  return scan.checkpoints.map((info) => {
    const known = byName.get(info.name) ?? byName.get(info.relPath) ?? null;
    const publishBytes = report?.publishBytes?.[info.name] ?? null;
    if (!runs) return { name: info.name, info, evaluation: known, running: false, publishBytes };
    let running = false;
    let changed = false;
    const scores = { ...known?.scores };
    const sources = { ...known?.sources };
    const errors = { ...known?.errors };
    for (const b of benchmarks) {
      const run = runs.get(evaluationItemId(info.name, b));
      if (!run) continue;
      if (run.state === 'pending' || run.state === 'running') running = true;
      else if (run.state === 'done' && run.score !== undefined && scores[b] !== run.score) {
        scores[b] = run.score;
        sources[b] = 'script';
        delete errors[b];
        changed = true;
      }
    }
    const evaluation =
      changed || (!known && Object.keys(scores).length > 0)
        ? checkpointEvaluation({
            name: info.name,
            step: info.step,
            benchmarks,
            scores,
            errors,
            sources,
            weights: report?.weights,
          })
        : known;
    return { name: info.name, info, evaluation, running, publishBytes };
  });
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
  benchmarks: readonly string[],
  checkpoints: readonly CheckpointEvaluation[],
  chosen: CheckpointEvaluation | null,
): { benchmark: string; chosen: number | null; best: number | null; bestBy: string | null }[] {
  return benchmarks.map((benchmark) => {
    let best: number | null = null;
    let bestBy: string | null = null;
    for (const c of checkpoints) {
      const score = c.scores[benchmark];
      if (score !== undefined && (best === null || score > best)) {
        best = score;
        bestBy = c.name;
      }
    }
    return { benchmark, chosen: chosen?.scores[benchmark] ?? null, best, bestBy };
  });
}

/**
 * A benchmark's label: as the README's benchmark table writes it ("GSM8K"), else the name as written
 * ("gsm8k"). Never a mechanical title-case, which turns "gsm8k" into "Gsm8k".
 */
export function benchmarkLabel(key: string, labels?: Readonly<Record<string, string>>): string {
  return labels?.[key] ?? key;
}

export type SortKey = 'name' | 'step' | 'size' | 'eval_accuracy' | `score:${string}`;
export type SortOrder = 'asc' | 'desc';

/** Rows sorted by a column; rows without a value sort last either way, ties keep the scan's order. */
export function sortRows(rows: readonly CheckpointRow[], key: SortKey, order: SortOrder): CheckpointRow[] {
  const value = (r: CheckpointRow): number | string | null => {
    if (key === 'name') return r.info.relPath;
    if (key === 'step') return r.info.step;
    if (key === 'size') return r.publishBytes ?? r.info.totalBytes;
    if (key === 'eval_accuracy') return r.evaluation?.evalAccuracy ?? null;
    return r.evaluation?.scores[key.slice('score:'.length)] ?? null;
  };
  const sign = order === 'asc' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, v: value(row) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.index - b.index : a.v === null ? 1 : -1;
      const c =
        typeof a.v === 'string' || typeof b.v === 'string'
          ? String(a.v).localeCompare(String(b.v), undefined, { numeric: true })
          : a.v - b.v;
      return c !== 0 ? sign * c : a.index - b.index;
    })
    .map((x) => x.row);
}

/** Ticks at the checkpoints' own x values; at most `max` of them, evenly spread, first and last kept. */
export function axisTicks(xs: readonly number[], max = 10): number[] {
  const sorted = [...new Set(xs)].sort((a, b) => a - b);
  if (sorted.length <= max) return sorted;
  const step = (sorted.length - 1) / (max - 1);
  return [...new Set(Array.from({ length: max }, (_, i) => sorted[Math.round(i * step)]!))];
}

/** The point whose x lies nearest to a horizontal pixel position, through the chart's x scale. */
export function nearestPoint<P extends { x: number }>(
  points: readonly P[],
  px: number,
  scale: (x: number) => number,
): P | null {
  let nearest: P | null = null;
  let distance = Infinity;
  for (const p of points) {
    const d = Math.abs(scale(p.x) - px);
    if (d < distance) {
      distance = d;
      nearest = p;
    }
  }
  return nearest;
}
