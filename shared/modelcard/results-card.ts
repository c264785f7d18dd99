/**
 * The card's evaluation outputs from one set of results: the README table (always, as before), and on the
 * user's choice `model-index` in the README's YAML and `.eval_results/*.yaml` files, merged with what the
 * workspace or the Hub already has. Used by the Model card preview and by the publish service, so what the
 * window shows is what the CLI and the app upload.
 */
import type { ScoreSource } from '../types';
import type { BenchmarkMapping, HubBenchmarkDataset } from './benchmarks';
import {
  buildEvalMetadata,
  mergeEvalResultsFile,
  mergeModelIndex,
  modelIndexProblems,
  type EvalResultsFile,
  type ValueConflict,
} from './eval-results';
import { AVERAGE_KEY } from './labels';
import { editMetadata, readMetadata, validateCard, type CardProblem } from './metadata';
import { updateBenchmarkTable } from './table';
import type { TableUpdateOptions } from './types';

export interface EvalOutputOptions {
  /** Write (or merge into) `model-index` in the README's YAML. Off by default: it changes the YAML. */
  modelIndex?: boolean;
  /** Write `.eval_results/<benchmark>.yaml` for benchmarks mapped to a Hub Benchmark dataset. */
  evalResults?: boolean;
  /** Replace existing values that differ (huggingface_hub `metadata_update(overwrite=True)`). */
  overwrite?: boolean;
  /** Dataset per benchmark chosen by the user (null = card only); others take the proposal. */
  datasets?: Record<string, HubBenchmarkDataset | null>;
  /** `.eval_results` files already in the workspace or on the Hub, by repo path (the workspace's win). */
  existingEvalResults?: Record<string, string>;
  /** The README on the Hub: its `model-index` is merged too, so publishing never drops a result. */
  remoteReadme?: string | null;
  /** ISO-8601 date for new `.eval_results` entries. */
  date?: string;
  taskType?: string;
}

export interface CardResultsInput {
  readme: string;
  repoId: string;
  scores: Record<string, number>;
  sources: Record<string, ScoreSource>;
  evalAccuracy: number | null;
  table?: TableUpdateOptions;
  /** False when the table is already filled (the editor's text, with the user's own edits to its cells). */
  fillTable?: boolean;
}

export interface CardResults {
  /** The README with its table filled and, when asked, its `model-index` merged. */
  text: string;
  tableWarnings: string[];
  /** `.eval_results` files to upload (only when asked; unchanged ones are left out). */
  files: EvalResultsFile[];
  mappings: BenchmarkMapping[];
  conflicts: ValueConflict[];
  /** The `model-index` value the card carries after the merge (null when off). */
  modelIndex: unknown[] | null;
}

/** Fills the table, then adds the metadata outputs the user asked for. */
export function prepareCardResults(input: CardResultsInput, options: EvalOutputOptions = {}): CardResults {
  const table =
    input.fillTable === false
      ? { text: input.readme, report: { warnings: [] as string[] } }
      : updateBenchmarkTable(input.readme, input.scores, {
          average: input.evalAccuracy,
          modelName: input.repoId,
          ...input.table,
        });
  const results = Object.entries(input.scores)
    .filter(([benchmark]) => benchmark !== AVERAGE_KEY)
    .map(([benchmark, value]) => ({ benchmark, value, source: input.sources[benchmark] ?? 'manual' }));
  const metadata = buildEvalMetadata({
    modelName: input.repoId.split('/').pop() ?? input.repoId,
    results,
    datasets: options.datasets,
    ...(options.date ? { date: options.date } : {}),
    ...(options.taskType ? { taskType: options.taskType } : {}),
  });
  const conflicts: ValueConflict[] = [];
  let text = table.text;
  let modelIndex: unknown[] | null = null;

  if (options.modelIndex) {
    const local = readMetadata(text).data?.['model-index'];
    const remote = options.remoteReadme
      ? readMetadata(options.remoteReadme).data?.['model-index']
      : undefined;
    // The Hub's entries the local card lacks are kept: the README upload would otherwise drop them.
    let base: unknown = local ?? remote;
    if (Array.isArray(local) && Array.isArray(remote) && modelIndexProblems(remote).length === 0) {
      const fromHub = mergeModelIndex(local, remote as never, { overwrite: false });
      base = fromHub.value;
    }
    const merged = mergeModelIndex(base, metadata.modelIndex, { overwrite: options.overwrite });
    conflicts.push(...merged.conflicts);
    modelIndex = merged.value;
    if (!merged.unchanged || base !== local) {
      text = editMetadata(text, { set: { 'model-index': merged.value } }).text;
    }
  }

  const files: EvalResultsFile[] = [];
  if (options.evalResults) {
    for (const file of metadata.files) {
      const merged = mergeEvalResultsFile(file, options.existingEvalResults?.[file.path] ?? null, {
        overwrite: options.overwrite,
      });
      conflicts.push(...merged.conflicts);
      if (!merged.unchanged) files.push(merged.value);
    }
  }
  return {
    text,
    tableWarnings: table.report.warnings,
    files,
    mappings: metadata.mappings,
    conflicts,
    modelIndex,
  };
}

/**
 * The errors that must stop a publish before any byte is hashed or sent: metadata the Hub would reject or
 * misread, malformed `.eval_results` files, and existing values the merge was not allowed to change. Each
 * names the key and says how to fix it.
 */
export function publishBlockers(
  readme: string,
  files: readonly { path: string; text: string }[],
  conflicts: readonly ValueConflict[] = [],
): CardProblem[] {
  const validation = validateCard(readme, { evalResults: files });
  const problems = validation.problems.filter(
    (p) => p.severity === 'error' && p.code !== 'missing-file' && p.code !== 'file-outside-repo',
  );
  for (const conflict of conflicts) {
    if (conflict.overwritten) continue;
    problems.push({
      code: 'value-conflict',
      severity: 'error',
      key: conflict.key,
      message:
        `${conflict.key} already says ${JSON.stringify(conflict.existing)} for ${conflict.benchmark}; this checkpoint scored ${JSON.stringify(conflict.incoming)}. ` +
        'Existing results are not changed unless you say so: pass --overwrite-results (in the window: tick "Replace existing values"), or fix the value by hand.',
    });
  }
  return problems;
}

/** One message for a refused publish: every blocker, key first. */
export function describeBlockers(problems: readonly CardProblem[]): string {
  return `The model card cannot be published as it is:\n${problems.map((p) => `- ${p.key ? `${p.key}: ` : ''}${p.message}`).join('\n')}\nNothing was uploaded.`;
}

/**
 * Merges the `model-index` of the README already on the Hub into a card whose `model-index` the app wrote
 * (the window builds the card without the Hub's copy; the main process has it at publish time). Entries
 * only the Hub has are kept; a value the Hub holds that the card would change is a conflict, refused by
 * `publishBlockers` unless `overwrite` (huggingface_hub `metadata_update` semantics).
 */
export function mergeHubModelIndex(
  readme: string,
  hubReadme: string | null,
  options: { overwrite?: boolean } = {},
): { text: string; conflicts: ValueConflict[] } {
  const local: unknown = readMetadata(readme).data?.['model-index'];
  const remote: unknown = hubReadme === null ? undefined : readMetadata(hubReadme).data?.['model-index'];
  if (!Array.isArray(remote) || !Array.isArray(local)) return { text: readme, conflicts: [] };
  if (modelIndexProblems(remote).length > 0 || modelIndexProblems(local).length > 0) {
    return { text: readme, conflicts: [] };
  }
  const merged = mergeModelIndex(remote, local as never, options);
  if (same(merged.value, local)) return { text: readme, conflicts: merged.conflicts };
  return { text: editMetadata(readme, { set: { 'model-index': merged.value } }).text, conflicts: merged.conflicts };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
