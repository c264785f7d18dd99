/**
 * The card's evaluation outputs as the Model card screen shows and publishes them: one set of values (the
 * chosen checkpoint's scores, or what the user typed into a table cell or the Evaluation results box)
 * gives the table, `model-index` and `.eval_results` files, so editing a value in one place moves the others.
 */
import { formatScore } from '../../../shared/format';
import {
  AVERAGE_KEY,
  prepareCardResults,
  updateBenchmarkTable,
  type ColumnChoice,
  publishBlockers,
  type BenchmarkMapping,
  type CardProblem,
  type EvalResultsFile,
  type HubBenchmarkDataset,
  type ValueConflict,
} from '../../../shared/modelcard';
import type { CheckpointEvaluation } from '../../../shared/types';

export interface EvalOptions {
  modelIndex: boolean;
  evalResults: boolean;
  overwrite: boolean;
  /** The user's dataset per benchmark (null = card only); others take the proposal. */
  datasets: Record<string, HubBenchmarkDataset | null>;
  /** Values typed into the Evaluation results box, at full precision. */
  values: Record<string, number>;
}

export const DEFAULT_EVAL_OPTIONS: EvalOptions = {
  modelIndex: false,
  evalResults: false,
  overwrite: false,
  datasets: {},
  values: {},
};

export interface CardOutputs {
  /** The README to publish: the text with `model-index` merged in when asked. */
  readme: string;
  files: EvalResultsFile[];
  mappings: BenchmarkMapping[];
  conflicts: ValueConflict[];
  /** The values every output carries, by benchmark. */
  values: Record<string, number>;
  /** Errors that stop publishing (conflicts not allowed to overwrite, malformed metadata). */
  blockers: CardProblem[];
}

/**
 * Each benchmark's value: the user's (typed in the box, or its table cell edited to another number), else
 * the checkpoint's score. A cell still showing the score's three decimals means the full-precision score.
 * Cells are found by reading the table again (not through remembered ranges), so a value typed key by key
 * is read whole.
 */
export function resolveValues(
  text: string,
  scores: Record<string, number>,
  typed: Record<string, number>,
  column?: ColumnChoice,
): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [benchmark, score] of Object.entries(scores))
    if (benchmark !== AVERAGE_KEY) values[benchmark] = typed[benchmark] ?? score;
  for (const [benchmark, value] of Object.entries(typed))
    if (benchmark !== AVERAGE_KEY) values[benchmark] = value;
  const { report } = updateBenchmarkTable(
    text,
    {},
    { benchmarks: Object.keys(values), ...(column !== undefined ? { column } : {}) },
  );
  for (const row of report.matchedRows) {
    const current = values[row.benchmark];
    if (row.benchmark === AVERAGE_KEY || current === undefined) continue;
    const shown = text.slice(row.cellStart, row.cellEnd).trim();
    if (shown === formatScore(current)) continue;
    const edited = Number(shown);
    if (shown !== '' && Number.isFinite(edited)) values[row.benchmark] = edited;
  }
  return values;
}

export function cardOutputs(input: {
  text: string;
  /** The column the table fill uses (the card's), so the cells read are the ones the app fills. */
  column?: ColumnChoice;
  checkpoint: CheckpointEvaluation | null;
  repoId: string;
  options: EvalOptions;
  /** `.eval_results` files already in the workspace, merged with (never overwritten unless asked). */
  existingEvalResults?: Record<string, string>;
}): CardOutputs {
  const { text, checkpoint, options } = input;
  const values = checkpoint ? resolveValues(text, checkpoint.scores, options.values, input.column) : {};
  const results = prepareCardResults(
    {
      readme: text,
      repoId: input.repoId,
      scores: values,
      sources: checkpoint?.sources ?? {},
      evalAccuracy: checkpoint?.evalAccuracy ?? null,
      fillTable: false,
    },
    {
      modelIndex: options.modelIndex,
      evalResults: options.evalResults,
      overwrite: options.overwrite,
      datasets: options.datasets,
      ...(input.existingEvalResults ? { existingEvalResults: input.existingEvalResults } : {}),
      date: new Date().toISOString().slice(0, 10),
    },
  );
  const blockers =
    options.modelIndex || options.evalResults
      ? publishBlockers(results.text, results.files, results.conflicts).filter(
          (p) => p.code === 'value-conflict' || p.code === 'eval-results' || p.key?.startsWith('model-index'),
        )
      : [];
  return {
    readme: results.text,
    files: results.files,
    mappings: results.mappings,
    conflicts: results.conflicts,
    values,
    blockers,
  };
}
