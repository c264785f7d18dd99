/**
 * The one "prepare card" step, for the CLI and the window alike: the workspace README with its benchmark
 * table filled (the column is matched against the model's name, so a `Baseline` column keeps its numbers),
 * or a generated card when there is none; on request also its `model-index` and `.eval_results` files.
 * The main process's workspace session calls it for `card:prepare` and for the CLI's publish, so both faces
 * publish the same bytes from the same files.
 */
import type { CheckpointInfo, EvaluationReport, ScoreSource } from '../types';
import type { BenchmarkMapping } from './benchmarks';
import type { EvalResultsFile, ValueConflict } from './eval-results';
import { generateModelCard } from './generate';
import { pipelineTagForArchitecture } from './hub-ids';
import { readMetadata } from './metadata';
import { prepareCardResults, type EvalOutputOptions } from './results-card';
import { updateBenchmarkTable } from './table';
import type { ColumnChoice, ModelConfig, TableUpdateReport, TrainerState } from './types';

export interface PrepareCardInput {
  /** The workspace README as found by the scanner, or null to generate one. */
  existing: string | null;
  /** The model's name: the repository id (`owner/name`); the table column headed by it (or by `name`) is filled. */
  modelName: string;
  checkpoint: Pick<CheckpointInfo, 'name' | 'step'>;
  report: Pick<EvaluationReport, 'benchmarks' | 'bestReason'>;
  scores: Record<string, number>;
  evalAccuracy: number | null;
  config?: ModelConfig | null;
  trainerState?: TrainerState | null;
  /** The Hub endpoint the generated card's links point at. */
  endpoint?: string;
  /** Where each score came from, for the metadata's `source`. */
  sources?: Record<string, ScoreSource>;
  evalOutputs?: EvalOutputOptions;
}

export interface PreparedCardText {
  text: string;
  origin: 'readme' | 'generated';
  /** The column the scores went to, as the live table in the window keeps it afterwards. */
  column: ColumnChoice | undefined;
  warnings: string[];
  /** `.eval_results/*.yaml` to upload with the card (only when asked). */
  files: EvalResultsFile[];
  mappings: BenchmarkMapping[];
  conflicts: ValueConflict[];
}

/**
 * The column a table update chose, in the form the window's live table takes as an override: one index when
 * every benchmark table agrees, else the header text, else undefined (the engine decides each time).
 */
export function columnOf(report: Pick<TableUpdateReport, 'tables'>): ColumnChoice | undefined {
  const first = report.tables[0];
  if (!first) return undefined;
  if (report.tables.every((t) => t.targetColumn === first.targetColumn)) return first.targetColumn;
  if (first.targetHeader.trim() && report.tables.every((t) => t.targetHeader === first.targetHeader)) {
    return first.targetHeader;
  }
  return undefined;
}

export function prepareCard(input: PrepareCardInput): PreparedCardText {
  const base = prepareCardText(input);
  const outputs = input.evalOutputs;
  if (!outputs || (!outputs.modelIndex && !outputs.evalResults)) {
    return { ...base, files: [], mappings: [], conflicts: [] };
  }
  const metadata = readMetadata(base.text).data;
  const architecture = input.config?.architectures?.[0];
  const taskType =
    outputs.taskType ??
    (typeof metadata?.pipeline_tag === 'string' ? metadata.pipeline_tag : undefined) ??
    (architecture ? (pipelineTagForArchitecture(architecture) ?? undefined) : undefined);
  const results = prepareCardResults(
    {
      readme: base.text,
      repoId: input.modelName,
      scores: input.scores,
      sources: input.sources ?? {},
      evalAccuracy: input.evalAccuracy,
      table: { benchmarks: input.report.benchmarks },
      // The table is already filled above, with the same column.
      fillTable: false,
    },
    { ...outputs, ...(taskType ? { taskType } : {}) },
  );
  return {
    ...base,
    text: results.text,
    files: results.files,
    mappings: results.mappings,
    conflicts: results.conflicts,
  };
}

function prepareCardText(
  input: PrepareCardInput,
): Omit<PreparedCardText, 'files' | 'mappings' | 'conflicts'> {
  const { existing, modelName, report, scores, evalAccuracy } = input;
  if (existing !== null) {
    const updated = updateBenchmarkTable(existing, scores, {
      benchmarks: report.benchmarks,
      modelName,
      average: evalAccuracy,
    });
    return {
      text: updated.text,
      origin: 'readme',
      column: columnOf(updated.report),
      warnings: updated.report.warnings,
    };
  }
  const card = generateModelCard({
    repoId: modelName,
    checkpoint: { name: input.checkpoint.name, step: input.checkpoint.step },
    scores,
    evalAccuracy,
    bestReason: report.bestReason,
    benchmarks: report.benchmarks,
    config: input.config ?? null,
    trainerState: input.trainerState ?? null,
    ...(input.endpoint ? { endpoint: input.endpoint } : {}),
    license: null,
    systemPrompt: null,
    temperature: null,
    contact: null,
  });
  return {
    text: card.text,
    origin: 'generated',
    column: undefined,
    warnings: card.todo.length ? [`the generated card has ${card.todo.length} TODO(s) to fill in`] : [],
  };
}
