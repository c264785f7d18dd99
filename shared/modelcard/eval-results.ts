/**
 * One set of results, three outputs: the README table (table.ts), the card's `model-index` and the
 * `.eval_results/<benchmark>.yaml` files, all built here from the same numbers so they cannot disagree.
 *
 * Formats followed:
 * - `model-index`: hub-docs `modelcard.md` (task.type, dataset.type/name/config/split, metrics[].type/value,
 *   source.url/name) as huggingface_hub 2.0.0 `repocard_data.model_index_to_eval_results` reads it.
 * - `.eval_results/*.yaml`: hub-docs `eval_results.yaml` and `docs/hub/eval-results.md` (a YAML list of
 *   `{ dataset: { id, task_id, revision? }, value, verifyToken?, date?, source?: { url, name?, user?, org? },
 *   notes? }`), as huggingface_hub 2.0.0 `_eval_results.parse_eval_result_entries` reads it (it indexes
 *   `dataset["id"]`, `dataset["task_id"]` and `value`, so all three are always written).
 * - Merging: huggingface_hub `repocard.metadata_update`: a result that describes the same metric (same task,
 *   dataset type, config, split, revision and metric type) with another value is refused unless overwrite
 *   is asked; anything else is appended, and existing entries are never dropped.
 *
 * The table shows three decimals (`formatScore`); metadata keeps the full double, so a reader of either sees
 * the same number (the table's is the metadata's rounded as Python's `format(x, '.3f')` does).
 */
import { Document, isScalar, parseDocument, Scalar, visit } from 'yaml';
import type { ScoreSource } from '../types';
import {
  describeMapping,
  proposeDataset,
  type BenchmarkMapping,
  type HubBenchmarkDataset,
} from './benchmarks';
import { isHubRepoId, looksLikeLocalPath } from './hub-ids';
import { AVERAGE_KEY, humanizeKey } from './labels';

/** The folder huggingface_hub calls `constants.EVAL_RESULTS_FOLDER`. */
export const EVAL_RESULTS_FOLDER = '.eval_results';

export interface BenchmarkResult {
  benchmark: string;
  value: number;
  source: ScoreSource;
}

export interface EvalMetadataInput {
  /** `model-index[0].name`; usually the repo name. */
  modelName: string;
  results: BenchmarkResult[];
  /** The user's choice per benchmark: a dataset, or null for "card only". Missing keys take the proposal. */
  datasets?: Record<string, HubBenchmarkDataset | null>;
  labels?: Record<string, string>;
  /** `model-index` task type (the card's pipeline tag); default `text-generation`. */
  taskType?: string;
  /** ISO-8601 date of the evaluation, written to `.eval_results` entries. */
  date?: string;
}

export interface EvalResultEntry {
  dataset: { id: string; task_id: string; revision?: string };
  value: number | string;
  verifyToken?: string;
  date?: string;
  source?: { url: string; name?: string; user?: string; org?: string };
  notes?: string;
}

export interface EvalResultsFile {
  /** Repo path, `.eval_results/<benchmark>.yaml`. */
  path: string;
  benchmark: string;
  entries: EvalResultEntry[];
  text: string;
}

export interface ModelIndexResult {
  task: { type: string; name?: string };
  dataset: { type: string; name: string; config?: string; split?: string; revision?: string };
  metrics: { type: string; value: unknown; name?: string }[];
  source?: { url: string; name?: string };
}

export interface EvalMetadata {
  modelIndex: { name: string; results: ModelIndexResult[] }[];
  files: EvalResultsFile[];
  mappings: BenchmarkMapping[];
}

/** Where each kind of score comes from, as `.eval_results` and `model-index` attribute it. */
const SOURCES: Record<
  ScoreSource,
  { url?: string; name: string; notes: (benchmark: string) => string | undefined }
> = {
  'lm-eval-harness': {
    url: 'https://github.com/EleutherAI/lm-evaluation-harness',
    name: 'lm-evaluation-harness',
    notes: () => undefined,
  },
  lighteval: { url: 'https://github.com/huggingface/lighteval', name: 'lighteval', notes: () => undefined },
  'trainer-state': {
    url: 'https://huggingface.co/docs/transformers/main_classes/trainer',
    name: 'Transformers Trainer',
    notes: () => 'eval_ metric logged by the Trainer (trainer_state.json)',
  },
  'eval-results': {
    url: 'https://huggingface.co/docs/transformers/main_classes/trainer',
    name: 'Transformers Trainer',
    notes: () => 'eval_ metric written by the Trainer (eval_results.json)',
  },
  script: {
    name: 'evaluation script',
    notes: (b) => `scored by the workspace's evaluation/benchmarks/${b}/eval.py`,
  },
  manual: { name: 'entered by hand', notes: () => 'entered by hand' },
};

/** `.eval_results/<benchmark>.yaml`, with anything but letters, digits, `.`, `_` and `-` replaced. */
export function evalResultsPath(benchmark: string): string {
  const safe = benchmark.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'results';
  return `${EVAL_RESULTS_FOLDER}/${safe}.yaml`;
}

/** The dataset a benchmark uses: the user's choice when given (null = card only), else the proposal. */
export function datasetFor(
  benchmark: string,
  chosen?: Record<string, HubBenchmarkDataset | null>,
): HubBenchmarkDataset | null {
  if (chosen && Object.prototype.hasOwnProperty.call(chosen, benchmark)) return chosen[benchmark] ?? null;
  return proposeDataset(benchmark);
}

/** `model-index` and `.eval_results` files for these results; the average is never a result of its own. */
export function buildEvalMetadata(input: EvalMetadataInput): EvalMetadata {
  const taskType = input.taskType ?? 'text-generation';
  const results: ModelIndexResult[] = [];
  const files: EvalResultsFile[] = [];
  const mappings: BenchmarkMapping[] = [];
  for (const result of input.results) {
    if (result.benchmark === AVERAGE_KEY || !Number.isFinite(result.value)) continue;
    const dataset = datasetFor(result.benchmark, input.datasets);
    mappings.push(describeMapping(result.benchmark, dataset));
    const source = SOURCES[result.source] ?? SOURCES.manual;
    const name = input.labels?.[result.benchmark] ?? dataset?.name ?? humanizeKey(result.benchmark);
    results.push({
      task: { type: taskType },
      dataset: {
        name,
        type: dataset?.datasetId ?? result.benchmark,
        ...(dataset?.config ? { config: dataset.config } : {}),
        ...(dataset?.split ? { split: dataset.split } : {}),
      },
      metrics: [{ type: dataset?.metric ?? 'accuracy', value: result.value }],
      // huggingface_hub refuses a source name without a url, so sources without one are left out.
      ...(source.url ? { source: { url: source.url, name: source.name } } : {}),
    });
    if (dataset?.taskId) {
      const notes = source.notes(result.benchmark);
      const entry: EvalResultEntry = {
        dataset: { id: dataset.datasetId, task_id: dataset.taskId },
        value: result.value,
        ...(input.date ? { date: input.date } : {}),
        ...(source.url ? { source: { url: source.url, name: source.name } } : {}),
        ...(notes ? { notes } : {}),
      };
      const path = evalResultsPath(result.benchmark);
      files.push({ path, benchmark: result.benchmark, entries: [entry], text: evalResultsYaml([entry]) });
    }
  }
  return { modelIndex: [{ name: input.modelName, results }], files, mappings };
}

/** The YAML of an `.eval_results` file; dates stay quoted strings (PyYAML would read a bare one as a date). */
export function evalResultsYaml(entries: EvalResultEntry[]): string {
  const document = new Document(entries);
  visit(document, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === 'date' && isScalar(pair.value))
        pair.value.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return document.toString({ lineWidth: 0 });
}

/** A value the merge refused to change (or changed, with overwrite). */
export interface ValueConflict {
  /** Where, e.g. `model-index[0].results[2].metrics[0].value` or `.eval_results/gsm8k.yaml[0].value`. */
  key: string;
  benchmark: string;
  existing: unknown;
  incoming: unknown;
  overwritten: boolean;
}

export interface MergeResult<T> {
  value: T;
  conflicts: ValueConflict[];
  /** Results appended to what was there. */
  added: number;
  /** The merge left the existing value as it was. */
  unchanged: boolean;
}

const object = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** What `EvalResult.unique_identifier` plus the metric type say: the same measurement, whatever its value. */
function metricIdentity(result: Record<string, unknown>, metric: Record<string, unknown>): string {
  const task = object(result.task) ? result.task : {};
  const dataset = object(result.dataset) ? result.dataset : {};
  return JSON.stringify([
    task.type,
    dataset.type,
    dataset.config ?? null,
    dataset.split ?? null,
    dataset.revision ?? null,
    metric.type,
  ]);
}

/**
 * Merges new results into an existing `model-index` key by key. Existing entries, names and extra fields
 * stay; a metric already there with another value is a conflict, kept as it was unless `overwrite`.
 */
export function mergeModelIndex(
  existing: unknown,
  incoming: EvalMetadata['modelIndex'],
  options: { overwrite?: boolean } = {},
): MergeResult<unknown[]> {
  if (!Array.isArray(existing) || existing.length === 0 || !existing.every(object)) {
    return {
      value: incoming,
      conflicts: [],
      added: incoming.reduce((n, e) => n + e.results.length, 0),
      unchanged: false,
    };
  }
  const merged = JSON.parse(JSON.stringify(existing)) as Record<string, unknown>[];
  const conflicts: ValueConflict[] = [];
  let added = 0;
  const first = merged[0]!;
  if (!Array.isArray(first.results)) first.results = [];
  for (const result of incoming.flatMap((entry) => entry.results)) {
    for (const metric of result.metrics) {
      const id = metricIdentity(result as unknown as Record<string, unknown>, metric);
      let found = false;
      merged.forEach((entry, entryIndex) => {
        const list = Array.isArray(entry.results) ? entry.results : [];
        list.forEach((old: unknown, resultIndex: number) => {
          if (!object(old) || !Array.isArray(old.metrics)) return;
          old.metrics.forEach((oldMetric: unknown, metricIndex: number) => {
            if (!object(oldMetric) || metricIdentity(old, oldMetric) !== id) return;
            found = true;
            if (same(oldMetric.value, metric.value)) return;
            conflicts.push({
              key: `model-index[${entryIndex}].results[${resultIndex}].metrics[${metricIndex}].value`,
              benchmark: result.dataset.name,
              existing: oldMetric.value,
              incoming: metric.value,
              overwritten: options.overwrite === true,
            });
            if (options.overwrite) oldMetric.value = metric.value;
          });
        });
      });
      if (!found) {
        (first.results as unknown[]).push({ ...result, metrics: [metric] });
        added++;
      }
    }
  }
  return { value: merged, conflicts, added, unchanged: same(merged, existing) };
}

/** Merges entries into an existing `.eval_results` file (same dataset id, task id and revision = same result). */
export function mergeEvalResultsFile(
  file: EvalResultsFile,
  existingText: string | null,
  options: { overwrite?: boolean } = {},
): MergeResult<EvalResultsFile> {
  if (existingText === null)
    return { value: file, conflicts: [], added: file.entries.length, unchanged: false };
  const parsed = parseDocument(existingText);
  const data: unknown = parsed.errors.length === 0 ? parsed.toJS() : null;
  if (!Array.isArray(data)) {
    // Not a list of entries: validation reports it; nothing is merged into something unreadable.
    return { value: { ...file, text: existingText, entries: [] }, conflicts: [], added: 0, unchanged: true };
  }
  const entries = JSON.parse(JSON.stringify(data)) as EvalResultEntry[];
  const conflicts: ValueConflict[] = [];
  let added = 0;
  const identity = (e: EvalResultEntry) =>
    JSON.stringify([e?.dataset?.id, e?.dataset?.task_id, e?.dataset?.revision ?? null]);
  for (const entry of file.entries) {
    const index = entries.findIndex((old) => object(old) && identity(old) === identity(entry));
    if (index === -1) {
      entries.push(entry);
      added++;
      continue;
    }
    const old = entries[index]!;
    if (same(old.value, entry.value)) continue;
    conflicts.push({
      key: `${file.path}[${index}].value`,
      benchmark: file.benchmark,
      existing: old.value,
      incoming: entry.value,
      overwritten: options.overwrite === true,
    });
    if (options.overwrite) entries[index] = { ...old, ...entry };
  }
  const unchanged = same(entries, data);
  return {
    value: { ...file, entries, text: unchanged ? existingText : evalResultsYaml(entries) },
    conflicts,
    added,
    unchanged,
  };
}

/** A problem with evaluation metadata, naming the key and the fix. */
export interface EvalProblem {
  key: string;
  /** The file it is in: `README.md` or `.eval_results/…`. */
  file: string;
  message: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const isNumberOrString = (v: unknown) =>
  (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '');

/** Checks `model-index` the way huggingface_hub reads it (every key it indexes must be there, with its type). */
export function modelIndexProblems(value: unknown): EvalProblem[] {
  const problems: EvalProblem[] = [];
  const add = (key: string, message: string) =>
    problems.push({ key, file: 'README.md', message: `${key} ${message}` });
  if (!Array.isArray(value)) {
    add('model-index', 'must be a list of models: - name: …, results: [...]');
    return problems;
  }
  value.forEach((entry: unknown, i) => {
    const at = `model-index[${i}]`;
    if (!object(entry)) return add(at, 'must be a mapping with name and results.');
    if (typeof entry.name !== 'string' || entry.name === '')
      add(`${at}.name`, 'is required: the model name (usually the repo name).');
    if (!Array.isArray(entry.results)) return add(`${at}.results`, 'must be a list of results.');
    entry.results.forEach((result: unknown, j) => {
      const r = `${at}.results[${j}]`;
      if (!object(result)) return add(r, 'must be a mapping with task, dataset and metrics.');
      if (!object(result.task) || typeof result.task.type !== 'string')
        add(`${r}.task.type`, 'is required: a Hub task id such as text-generation.');
      if (!object(result.dataset))
        add(`${r}.dataset`, 'is required: { type: <Hub dataset id>, name: <pretty name> }.');
      else {
        if (typeof result.dataset.type !== 'string')
          add(`${r}.dataset.type`, 'is required: the Hub dataset id (e.g. openai/gsm8k).');
        else if (looksLikeLocalPath(result.dataset.type))
          add(
            `${r}.dataset.type`,
            `"${result.dataset.type}" is a local path; use the Hub dataset id (owner/name).`,
          );
        if (typeof result.dataset.name !== 'string')
          add(`${r}.dataset.name`, 'is required: a pretty name for the dataset (e.g. GSM8K).');
      }
      if (!Array.isArray(result.metrics) || result.metrics.length === 0)
        return add(`${r}.metrics`, 'must be a non-empty list of { type, value }.');
      result.metrics.forEach((metric: unknown, k) => {
        const m = `${r}.metrics[${k}]`;
        if (!object(metric)) return add(m, 'must be a mapping { type, value }.');
        if (typeof metric.type !== 'string') add(`${m}.type`, 'is required: a metric id such as accuracy.');
        if (!isNumberOrString(metric.value))
          add(
            `${m}.value`,
            `must be a number (or a string like "20.0 ± 1.2"), not ${JSON.stringify(metric.value ?? null)}.`,
          );
      });
      if (result.source !== undefined && (!object(result.source) || typeof result.source.url !== 'string')) {
        add(
          `${r}.source.url`,
          'is required when source is given (huggingface_hub refuses a source without a url).',
        );
      }
    });
  });
  return problems;
}

/** Checks one `.eval_results/*.yaml` text against hub-docs `eval_results.yaml`. */
export function evalResultsFileProblems(path: string, text: string): EvalProblem[] {
  const problems: EvalProblem[] = [];
  const add = (key: string, message: string) =>
    problems.push({ key, file: path, message: `${path}: ${key} ${message}` });
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    add('(file)', `is not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`);
    return problems;
  }
  const data: unknown = document.toJS();
  if (!Array.isArray(data) || data.length === 0) {
    add('(file)', 'must be a YAML list of results: - dataset: { id, task_id }, value: …');
    return problems;
  }
  data.forEach((entry: unknown, i) => {
    const at = `[${i}]`;
    if (!object(entry)) return add(at, 'must be a mapping with dataset and value.');
    if (!object(entry.dataset))
      add(`${at}.dataset`, 'is required: { id: <Hub benchmark dataset>, task_id: <task in its eval.yaml> }.');
    else {
      const id = entry.dataset.id;
      if (typeof id !== 'string')
        add(`${at}.dataset.id`, 'is required: the Hub id of a Benchmark dataset (owner/name).');
      else if (looksLikeLocalPath(id) || !isHubRepoId(id) || !id.includes('/'))
        add(
          `${at}.dataset.id`,
          `"${id}" is not a Hub dataset id; use owner/name of a Benchmark dataset (e.g. openai/gsm8k).`,
        );
      if (typeof entry.dataset.task_id !== 'string' || entry.dataset.task_id === '')
        add(`${at}.dataset.task_id`, "is required: the task id from the benchmark's eval.yaml (e.g. gsm8k).");
    }
    if (!isNumberOrString(entry.value))
      add(`${at}.value`, `is required and must be a number, not ${JSON.stringify(entry.value ?? null)}.`);
    if (entry.date !== undefined && (typeof entry.date !== 'string' || !ISO_DATE.test(entry.date)))
      add(
        `${at}.date`,
        'must be an ISO-8601 date or datetime written as a quoted string, e.g. "2025-01-15".',
      );
    if (entry.source !== undefined) {
      if (
        !object(entry.source) ||
        typeof entry.source.url !== 'string' ||
        !/^https?:\/\//.test(entry.source.url)
      )
        add(
          `${at}.source.url`,
          'is required when source is given: a http(s) link to the evaluation logs or paper.',
        );
    }
    if (entry.notes !== undefined && typeof entry.notes !== 'string') add(`${at}.notes`, 'must be a string.');
  });
  return problems;
}

/** Whether a `.eval_results` path is one the Hub reads (top level of the folder, `.yaml`). */
export function isEvalResultsPath(path: string): boolean {
  return (
    path.startsWith(`${EVAL_RESULTS_FOLDER}/`) &&
    /^[^/]+\.ya?ml$/.test(path.slice(EVAL_RESULTS_FOLDER.length + 1))
  );
}
