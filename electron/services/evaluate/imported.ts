/**
 * Scores that training and evaluation tools already wrote, matched to the checkpoints they belong to:
 * Hugging Face Trainer's `trainer_state.json` (`eval_*` at that checkpoint's step) and
 * `eval_results.json` / `all_results.json`, lm-evaluation-harness `results_*.json`, lighteval results.
 */
import { stat } from 'node:fs/promises';
import { readBoundedText } from '../safe-read';
import path from 'node:path';
import { stepFromName } from '../../../shared/checkpoints';
import type { CheckpointInfo, ScoreSource } from '../../../shared/types';
import { mapLimit } from '../scan/limit';

export interface ImportedScore {
  score: number;
  source: ScoreSource;
  /** The file it came from, absolute. */
  file: string;
}

export interface ImportedResults {
  /** Checkpoint name → benchmark → score. */
  scores: Map<string, Map<string, ImportedScore>>;
  /** The checkpoint `best_model_checkpoint` names, when it matches one of ours. */
  trainerBest: string | null;
  sources: Set<ScoreSource>;
  /** Checkpoint name → other numeric metrics the Trainer logged at its step (`eval_loss`...), by full name. */
  metrics: Map<string, Record<string, number>>;
  warnings: string[];
}

/** Trainer metrics that are not scores (or where lower is better). */
const NOT_A_SCORE =
  /(^|_)(loss|runtime|samples_per_second|steps_per_second|samples|model_preparation_time|jit_compilation_time|perplexity)$/;

const MAX_RESULT_BYTES = 64 * 1024 * 1024;

/** Trainer eval_* entries that measure speed or time, not the model: never a metric to choose by. */
const NOT_A_METRIC =
  /(^|_)(runtime|samples_per_second|steps_per_second|samples|model_preparation_time|jit_compilation_time)$/;

/** `eval_loss`, `eval_perplexity`: Trainer metrics that are not scores but can still pick the best. */
export function trainerMetric(key: string): string | null {
  if (!key.startsWith('eval_') || key.length === 5 || trainerBenchmark(key) !== null) return null;
  return NOT_A_METRIC.test(key.slice(5)) ? null : key;
}

/** `eval_foo` → `foo` for Trainer metrics that are scores; null otherwise. */
export function trainerBenchmark(key: string): string | null {
  if (!key.startsWith('eval_')) return null;
  const name = key.slice(5);
  if (!name || NOT_A_SCORE.test(name)) return null;
  return name;
}

async function readJson(file: string): Promise<unknown> {
  const text = await readBoundedText(file, { maxBytes: MAX_RESULT_BYTES });
  if (text === null) throw new Error('missing');
  return JSON.parse(text) as unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isScore = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Matches a path written on the training machine to one of our checkpoints: the same path, the same
 * trailing components (`…/runs/a/checkpoint-5`), or a unique folder name.
 */
export function matchCheckpoint(
  written: string,
  root: string,
  checkpoints: CheckpointInfo[],
): CheckpointInfo | null {
  const cleaned = written.trim().replace(/[\\/]+$/, '');
  if (!cleaned) return null;
  const absolute = path.isAbsolute(cleaned) ? path.normalize(cleaned) : path.resolve(root, cleaned);
  const exact = checkpoints.find((c) => c.path === absolute);
  if (exact) return exact;
  const parts = cleaned.split(/[\\/]+/);
  let best: CheckpointInfo | null = null;
  let bestDepth = 0;
  let ambiguous = false;
  for (const c of checkpoints) {
    const cParts = c.relPath === '.' ? [c.name] : c.relPath.split('/');
    let depth = 0;
    while (
      depth < cParts.length &&
      depth < parts.length &&
      cParts[cParts.length - 1 - depth] === parts[parts.length - 1 - depth]
    )
      depth++;
    if (depth > bestDepth) {
      best = c;
      bestDepth = depth;
      ambiguous = false;
    } else if (depth === bestDepth && depth > 0) ambiguous = true;
  }
  return ambiguous ? null : best;
}

export async function loadImportedScores(
  root: string,
  checkpoints: CheckpointInfo[],
  resultFiles: string[] = [],
): Promise<ImportedResults> {
  const out: ImportedResults = {
    scores: new Map(),
    trainerBest: null,
    sources: new Set(),
    metrics: new Map(),
    warnings: [],
  };
  const put = (ckpt: string, benchmark: string, score: number, source: ScoreSource, file: string) => {
    let m = out.scores.get(ckpt);
    if (!m) out.scores.set(ckpt, (m = new Map()));
    m.set(benchmark, { score, source, file });
    out.sources.add(source);
  };
  const warn = (file: string, why: string) =>
    out.warnings.push(`Ignored ${path.relative(root, file) || file}: ${why}.`);

  await loadTrainerStates(root, checkpoints, put, warn, out);

  // eval_results.json is the more specific file, so it is applied after all_results.json.
  for (const c of checkpoints) {
    for (const name of ['all_results.json', 'eval_results.json']) {
      if (!c.files.some((f) => f.path === name)) continue;
      const file = path.join(c.path, name);
      try {
        const json = await readJson(file);
        if (!isRecord(json)) throw new Error('not a JSON object');
        for (const [k, v] of Object.entries(json)) {
          const b = trainerBenchmark(k);
          if (b && isScore(v)) put(c.name, b, v, 'eval-results', file);
        }
      } catch (err) {
        warn(file, (err as Error).message);
      }
    }
  }

  // Harness result files: those inside a checkpoint belong to it; others name their model inside.
  const candidates: { file: string; owner: CheckpointInfo | null }[] = resultFiles.map((file) => ({
    file,
    owner: null,
  }));
  for (const c of checkpoints) {
    for (const f of c.files) {
      if (/^(.*\/)?results.*\.json$/i.test(f.path))
        candidates.push({ file: path.join(c.path, f.path), owner: c });
    }
  }
  // Timestamps in the names sort chronologically, so a later run's results override an earlier one's.
  candidates.sort((a, b) =>
    path.basename(a.file) < path.basename(b.file)
      ? -1
      : path.basename(a.file) > path.basename(b.file)
        ? 1
        : 0,
  );
  const parsed = await mapLimit(candidates, 16, async (cand) => {
    try {
      return { ...cand, json: await readJson(cand.file) };
    } catch (err) {
      warn(cand.file, (err as Error).message);
      return { ...cand, json: null };
    }
  });
  for (const { file, owner, json } of parsed) {
    if (!isRecord(json) || !isRecord(json.results)) continue;
    if (isRecord(json.config_general)) {
      const model = typeof json.config_general.model_name === 'string' ? json.config_general.model_name : '';
      const ckpt =
        owner ??
        matchCheckpoint(model, root, checkpoints) ??
        matchCheckpoint(path.basename(path.dirname(file)), root, checkpoints);
      if (!ckpt) {
        warn(file, `lighteval results for "${model}", which is none of the checkpoints`);
        continue;
      }
      for (const [task, metrics] of Object.entries(json.results)) {
        if (task === 'all' || !isRecord(metrics)) continue;
        const parts = task.split('|');
        const name = parts.length >= 2 ? (parts[1] as string) : task;
        const score = pickMetric(metrics, ['acc', 'acc_norm', 'em', 'exact_match', 'f1', 'pass@1']);
        if (score !== null) put(ckpt.name, name, score, 'lighteval', file);
      }
    } else {
      const ckpt = owner ?? harnessCheckpoint(json, file, root, checkpoints);
      if (!ckpt) {
        warn(file, 'lm-evaluation-harness results for a model that is none of the checkpoints');
        continue;
      }
      const subtasks = new Set<string>();
      if (isRecord(json.group_subtasks)) {
        for (const list of Object.values(json.group_subtasks))
          if (Array.isArray(list)) for (const t of list) if (typeof t === 'string') subtasks.add(t);
      }
      for (const [task, metrics] of Object.entries(json.results)) {
        if (subtasks.has(task) || !isRecord(metrics)) continue;
        const score = pickMetric(metrics, [
          'acc,none',
          'acc_norm,none',
          'exact_match,strict-match',
          'exact_match,flexible-extract',
          'exact_match,none',
          'f1,none',
          'acc',
          'acc_norm',
        ]);
        if (score !== null) put(ckpt.name, task, score, 'lm-eval-harness', file);
      }
    }
  }
  return out;
}

/** The preferred metric, else the first numeric one that is not an error bar. */
function pickMetric(metrics: Record<string, unknown>, preferred: string[]): number | null {
  for (const key of preferred) {
    const v = metrics[key];
    if (isScore(v)) return v;
  }
  for (const [k, v] of Object.entries(metrics)) {
    if (isScore(v) && !/stderr|alias|samples/i.test(k)) return v;
  }
  return null;
}

function harnessCheckpoint(
  json: Record<string, unknown>,
  file: string,
  root: string,
  checkpoints: CheckpointInfo[],
): CheckpointInfo | null {
  const config = isRecord(json.config) ? json.config : {};
  const modelArgs = typeof config.model_args === 'string' ? config.model_args : '';
  for (const part of modelArgs.split(',')) {
    const [k, ...rest] = part.split('=');
    if (k?.trim() === 'pretrained' || k?.trim() === 'peft') {
      const m = matchCheckpoint(rest.join('='), root, checkpoints);
      if (m) return m;
    }
  }
  if (typeof json.model_name === 'string') {
    const m = matchCheckpoint(json.model_name, root, checkpoints);
    if (m) return m;
  }
  // The harness names its output folder after the model path with separators replaced by "__".
  const folder = path.basename(path.dirname(file)).split('__').join('/');
  return matchCheckpoint(folder, root, checkpoints);
}

/**
 * Every checkpoint-N/trainer_state.json repeats the log of the ones before it, so only the latest state
 * of each run folder is read (plus the output folder's own), and each `eval_*` entry goes to the checkpoint
 * saved at that step. A checkpoint whose step is missing from that log falls back to its own file.
 */
async function loadTrainerStates(
  root: string,
  checkpoints: CheckpointInfo[],
  put: (ckpt: string, benchmark: string, score: number, source: ScoreSource, file: string) => void,
  warn: (file: string, why: string) => void,
  out: ImportedResults,
): Promise<void> {
  const withState = checkpoints.filter((c) => c.files.some((f) => f.path === 'trainer_state.json'));
  const groups = new Map<string, CheckpointInfo[]>();
  for (const c of withState) {
    const parent = path.dirname(c.path);
    const list = groups.get(parent) ?? [];
    list.push(c);
    groups.set(parent, list);
  }
  const rootState = path.join(root, 'trainer_state.json');
  const rootHasState = await stat(rootState)
    .then((s) => s.isFile())
    .catch(() => false);
  if (withState.length === 0 && !rootHasState) return;

  // Per run folder: step → benchmark → score, from the latest state.
  const byFolder = new Map<string, Map<number, Record<string, number>>>();
  const states = new Map<string, Record<string, unknown>>();
  const readState = async (file: string) => {
    if (states.has(file)) return states.get(file) ?? null;
    try {
      const json = await readJson(file);
      if (!isRecord(json)) throw new Error('not a JSON object');
      states.set(file, json);
      return json;
    } catch (err) {
      warn(file, (err as Error).message);
      return null;
    }
  };
  const evalsOf = (state: Record<string, unknown>) => {
    const steps = new Map<number, Record<string, number>>();
    const history = Array.isArray(state.log_history) ? state.log_history : [];
    for (const entry of history) {
      if (!isRecord(entry) || typeof entry.step !== 'number') continue;
      for (const [k, v] of Object.entries(entry)) {
        if (!isScore(v) || (trainerBenchmark(k) === null && trainerMetric(k) === null)) continue;
        const at = steps.get(entry.step) ?? {};
        at[k] = v;
        steps.set(entry.step, at);
      }
    }
    return steps;
  };
  const noteBest = (state: Record<string, unknown>) => {
    if (typeof state.best_model_checkpoint !== 'string') return;
    const m = matchCheckpoint(state.best_model_checkpoint, root, checkpoints);
    if (m) out.trainerBest = m.name;
  };

  for (const [folder, list] of groups) {
    const latest = [...list].sort((a, b) => (stepOf(b) ?? -1) - (stepOf(a) ?? -1))[0];
    if (!latest) continue;
    const file = path.join(latest.path, 'trainer_state.json');
    const state = await readState(file);
    if (state) {
      byFolder.set(folder, evalsOf(state));
      noteBest(state);
    }
  }
  if (rootHasState) {
    const state = await readState(rootState);
    if (state) {
      const evals = evalsOf(state);
      const existing = byFolder.get(root) ?? new Map<number, Record<string, number>>();
      for (const [s, v] of evals) existing.set(s, { ...existing.get(s), ...v });
      byFolder.set(root, existing);
      noteBest(state);
    }
  }

  for (const c of checkpoints) {
    const step = stepOf(c);
    if (step === null) continue;
    let evals =
      byFolder.get(path.dirname(c.path))?.get(step) ??
      (c.relPath === '.' ? undefined : byFolder.get(root)?.get(step));
    let file = path.join(c.relPath === '.' ? root : path.dirname(c.path), 'trainer_state.json');
    if (!evals && c.files.some((f) => f.path === 'trainer_state.json')) {
      file = path.join(c.path, 'trainer_state.json');
      const own = await readState(file);
      evals = own ? evalsOf(own).get(step) : undefined;
    } else if (evals) {
      const latest = groups.get(path.dirname(c.path));
      const src = latest ? [...latest].sort((a, b) => (stepOf(b) ?? -1) - (stepOf(a) ?? -1))[0] : undefined;
      if (src) file = path.join(src.path, 'trainer_state.json');
    }
    for (const [k, v] of Object.entries(evals ?? {})) {
      const b = trainerBenchmark(k);
      if (b) put(c.name, b, v, 'trainer-state', file);
      else out.metrics.set(c.name, { ...out.metrics.get(c.name), [k]: v });
    }
  }
}

/** Trainer names its checkpoints `checkpoint-<step>`, so the name carries the step the log refers to. */
function stepOf(c: CheckpointInfo): number | null {
  return c.step ?? stepFromName(c.name);
}
