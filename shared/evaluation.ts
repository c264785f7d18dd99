/**
 * The pure part of evaluation: reading a score from what a script printed, combining per-benchmark scores
 * into `eval_accuracy`, and choosing the checkpoint to publish. Shared by the evaluator, the CLI and the
 * renderer so all three agree on every number and every reason.
 */
import { formatScore } from './format';
import { AppError } from './result';
import type { BenchmarkError, CheckpointEvaluation, ScoreSource } from './types';

/** A last line that is a score: an optional label that does not end in a digit, then the number (and maybe %). */
const SCORE_LINE =
  /^(?<head>(?:[^\d\s.+-][^\n]*?[:=\s])?)\s*(?<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(?<percent>%)?$/;

export interface ParsedScore {
  /** The value as a fraction; a percentage (`87.5%`) is divided by 100. */
  score: number;
  /** The script printed a percentage (with a % sign). */
  percent: boolean;
  /** Outside [0, 1] even after reading a percentage as one: flagged, never used silently. */
  outOfRange: boolean;
}

/**
 * The score a script printed, read strictly: `{"score": x}` JSON (the whole output or its last line), or
 * a last line that ends with the score and has no other number after its label (`accuracy: 0.734`,
 * `0.5`, `87.5%`). `accuracy: 0.61 (n=1000)` or binary noise is no score at all. Null when there is none.
 */
export function parseScore(stdout: string): ParsedScore | null {
  const trimmed = stdout.trim();
  if (!trimmed) return null;
  const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '');
  const wrap = (score: number, percent: boolean): ParsedScore => ({
    score,
    percent,
    outOfRange: score < 0 || score > 1,
  });
  for (const candidate of [lines[lines.length - 1] ?? '', trimmed]) {
    const fromJson = scoreFromJson(candidate.trim());
    if (fromJson === null) return null;
    if (fromJson !== undefined) return wrap(fromJson, false);
  }
  const last = (lines[lines.length - 1] ?? '').trim();
  // eslint-disable-next-line no-control-regex
  if (last.length > 500 || /[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(last)) return null;
  const m = SCORE_LINE.exec(last)?.groups;
  if (!m) return null;
  // A number standing on its own in the label (`step 1000 acc 0.61`) makes the line ambiguous: refused
  // rather than guessed. Digits inside a name (`mmlu_5shot`, `arc2`) are part of the name.
  if (/(?:^|[^A-Za-z0-9_])[-+]?\.?\d/.test(m.head ?? '')) return null;
  const value = Number(m.value);
  if (!Number.isFinite(value)) return null;
  return m.percent ? wrap(value / 100, true) : wrap(value, false);
}

/** The score a script printed (see parseScore), or null; out-of-range values included. */
export function parseScoreOutput(stdout: string): number | null {
  return parseScore(stdout)?.score ?? null;
}

/** undefined: not score JSON at all; null: score JSON with an unusable value. */
function scoreFromJson(text: string): number | null | undefined {
  if (!text.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('score' in parsed)) return undefined;
  const score = (parsed as { score: unknown }).score;
  return typeof score === 'number' && Number.isFinite(score) ? score : null;
}

export interface AccuracySummary {
  evalAccuracy: number | null;
  complete: boolean;
  missing: string[];
}

/**
 * `eval_accuracy`: the mean of every benchmark's score (weighted when weights are given, equal otherwise),
 * only when every benchmark has one; otherwise null with the missing ones listed.
 */
export function evalAccuracy(
  scores: Record<string, number>,
  benchmarks: readonly string[],
  weights: Record<string, number> = {},
): AccuracySummary {
  const missing = benchmarks.filter((b) => typeof scores[b] !== 'number' || !Number.isFinite(scores[b]));
  if (benchmarks.length === 0 || missing.length > 0) return { evalAccuracy: null, complete: false, missing };
  let sum = 0;
  let total = 0;
  for (const b of benchmarks) {
    const w = weights[b] ?? 1;
    sum += w * (scores[b] as number);
    total += w;
  }
  return { evalAccuracy: total > 0 ? sum / total : null, complete: total > 0, missing };
}

/** One checkpoint's row: scores, errors and sources, with eval_accuracy and completeness computed. */
export function checkpointEvaluation(input: {
  name: string;
  step: number | null;
  benchmarks: readonly string[];
  scores: Record<string, number>;
  errors?: Record<string, BenchmarkError>;
  sources?: Record<string, ScoreSource>;
  weights?: Record<string, number>;
}): CheckpointEvaluation {
  const summary = evalAccuracy(input.scores, input.benchmarks, input.weights);
  return {
    name: input.name,
    step: input.step,
    scores: input.scores,
    errors: input.errors ?? {},
    sources: input.sources ?? {},
    evalAccuracy: summary.evalAccuracy,
    complete: summary.complete,
    missing: summary.missing,
  };
}

export interface BestChoice {
  best: string | null;
  reason: string;
}

/**
 * A metric or benchmark name the workspace does not have, in what picks the best: a usage error (the CLI
 * exits 2), its message listing the names that exist.
 */
export class UnknownSelectionName extends AppError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'UnknownSelectionName';
  }
}

/** The metric that picks the best checkpoint when the user chose none. */
export const DEFAULT_BEST_METRIC = 'eval_accuracy';

/** What picks the best checkpoint: a metric, and the per-benchmark weights of eval_accuracy's mean. */
export interface BestSelection {
  /** `eval_accuracy` (the weighted mean over benchmarks) or a metric the checkpoints carry (`eval_loss`). */
  metric: string;
  /** Benchmark → weight in eval_accuracy's mean; 1 when absent, 0 leaves the benchmark out. */
  weights: Record<string, number>;
}

/** Metrics whose names say lower is better: losses, perplexities, error rates. */
const LOWER_IS_BETTER = /(^|_)(loss|perplexity|ppl|error|err|wer|cer)(_|$)/i;

/** Whether a higher value of the metric is better: eval_accuracy and scores are, losses and error rates not. */
export function higherIsBetter(metric: string): boolean {
  return !LOWER_IS_BETTER.test(metric);
}

/** The metric's value of one checkpoint: eval_accuracy (when complete) or a metric it carries; else null. */
export function metricValue(c: CheckpointEvaluation, metric: string): number | null {
  if (metric === DEFAULT_BEST_METRIC) return c.complete ? c.evalAccuracy : null;
  const v = c.metrics?.[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Every metric the best can be chosen by: eval_accuracy first, then the ones any checkpoint carries. */
export function availableMetrics(checkpoints: readonly CheckpointEvaluation[]): string[] {
  const names = new Set<string>();
  for (const c of checkpoints) for (const k of Object.keys(c.metrics ?? {})) names.add(k);
  names.delete(DEFAULT_BEST_METRIC);
  return [DEFAULT_BEST_METRIC, ...[...names].sort()];
}

// Means of the same scores summed in another order can differ in the last bit; that is a tie, not a win.
const sameScore = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * The checkpoint to publish: the best value of the chosen metric (default: the highest complete
 * eval_accuracy; lower wins for losses and error rates), the later step on ties, with the reason in words.
 * Checkpoints without a step rank below any with one on ties. With weights, eval_accuracy is recomputed
 * from each checkpoint's scores over `benchmarks`.
 */
export function chooseBest(
  checkpoints: readonly CheckpointEvaluation[],
  selection: Partial<BestSelection> & { benchmarks?: readonly string[] } = {},
): BestChoice {
  const metric = selection.metric ?? DEFAULT_BEST_METRIC;
  if (metric === DEFAULT_BEST_METRIC && selection.weights && selection.benchmarks) {
    const { benchmarks, weights } = selection;
    checkpoints = checkpoints.map((c) => ({ ...c, ...evalAccuracy(c.scores, benchmarks, weights) }));
  }
  const higher = higherIsBetter(metric);
  const isAccuracy = metric === DEFAULT_BEST_METRIC;
  const complete = checkpoints.filter((c) => metricValue(c, metric) !== null);
  if (complete.length === 0) {
    if (checkpoints.length === 0) return { best: null, reason: 'No checkpoints to choose from.' };
    if (!isAccuracy)
      return {
        best: null,
        reason: `No checkpoint has a value for ${metric}, so none can be chosen by it. Choose another metric.`,
      };
    const fewest = [...checkpoints].sort((a, b) => a.missing.length - b.missing.length)[0];
    const hint =
      fewest && fewest.missing.length > 0 ? ` (${fewest.name} is missing ${fewest.missing.join(', ')})` : '';
    return {
      best: null,
      reason: `No checkpoint has a score for every benchmark${hint}, so none can be chosen. Fix the failing benchmarks or enter the missing scores.`,
    };
  }
  const value = (c: CheckpointEvaluation) => metricValue(c, metric) as number;
  let best = complete[0] as CheckpointEvaluation;
  const tied: CheckpointEvaluation[] = [];
  for (const c of complete.slice(1)) {
    const a = value(c);
    const b = value(best);
    if (sameScore(a, b)) {
      if ((c.step ?? -Infinity) > (best.step ?? -Infinity)) {
        tied.push(best);
        best = c;
      } else tied.push(c);
    } else if (higher ? a > b : a < b) {
      best = c;
      tied.length = 0;
    }
  }
  const score = formatScore(value(best));
  const extreme = higher ? 'highest' : 'lowest';
  let reason: string;
  if (isAccuracy) {
    const of =
      complete.length === 1
        ? 'the only checkpoint with every benchmark scored'
        : `the highest of ${complete.length} fully scored checkpoints`;
    reason = `${best.name} has the highest complete eval_accuracy (${score}), ${of}`;
    if (complete.length === 1) reason = `${best.name} is ${of} (eval_accuracy ${score})`;
  } else {
    const of =
      complete.length === 1
        ? `the only checkpoint with a ${metric}`
        : `the ${extreme} of ${complete.length} checkpoints with one`;
    reason = `${best.name} has the ${extreme} ${metric} (${score}; ${higher ? 'higher' : 'lower'} is better), ${of}`;
  }
  if (tied.length > 0) reason += `; tied with ${tied.map((t) => t.name).join(', ')}, the later step wins`;
  const incomplete = checkpoints.length - complete.length;
  if (incomplete > 0) {
    const without = isAccuracy ? 'without every score' : `without a ${metric}`;
    reason += `; ${incomplete} checkpoint${incomplete === 1 ? '' : 's'} ${without} ${incomplete === 1 ? 'was' : 'were'} not considered`;
  }
  return { best: best.name, reason: reason + '.' };
}

/** The progress item id of one benchmark of one checkpoint, so the UI can show each run's state in its cell. */
export function evaluationItemId(checkpoint: string, benchmark: string): string {
  return `${checkpoint}\u241f${benchmark}`;
}
