/**
 * Types of the model card engine. All offsets are UTF-16 code-unit indices into a JS string (what
 * `String.prototype.slice` and CodeMirror use); lines are 1-based.
 */

/** One edit the engine made. `start`/`end` index the input, `outputStart`/`outputEnd` the output. */
export interface TextChange {
  start: number;
  end: number;
  outputStart: number;
  outputEnd: number;
  before: string;
  after: string;
  /** Benchmark key of the edited cell (`eval_accuracy` for the average row); `front-matter` or `model-index` for metadata edits. */
  benchmark: string;
}

/** How the column to fill was chosen, so the UI can say why and offer the override. */
export type ColumnReason = 'override' | 'placeholder' | 'model-name' | 'last';

/** Which column to fill: a 0-based index, or (part of) the header text, matched like benchmark labels. */
export type ColumnChoice = number | string;

export interface BenchmarkTableInfo {
  /** Range of the whole table in the input. */
  start: number;
  end: number;
  /** Line of the header row. */
  line: number;
  header: string[];
  /** Column holding the benchmark names. */
  labelColumn: number;
  targetColumn: number;
  targetHeader: string;
  columnReason: ColumnReason;
  /** Body rows that name a known benchmark (or the average row). */
  matchedRows: number;
}

export interface MatchedRow {
  benchmark: string;
  /** The label cell as written, e.g. `**Math Reasoning**`. */
  label: string;
  line: number;
  table: number;
  /** Range of the target cell's content in the input (empty at the cell's start when the cell is empty). */
  cellStart: number;
  cellEnd: number;
  /** Whether the cell now holds a new value. False when there is no score or the value was already there. */
  changed: boolean;
}

export interface TableUpdateReport {
  tables: BenchmarkTableInfo[];
  matchedRows: MatchedRow[];
  /** Known benchmarks (option `benchmarks`, else the score keys) that no table row names. */
  benchmarksWithoutRow: string[];
  /** Labels of benchmark-table rows left as they were because no score was supplied for them. */
  rowsWithoutScore: string[];
  /** Every edit, in input order; the output is the input with exactly these ranges replaced. */
  changes: TextChange[];
  warnings: string[];
}

export interface TableUpdateResult {
  text: string;
  report: TableUpdateReport;
}

export interface TableUpdateOptions {
  /** Column override, applied to every benchmark table. */
  column?: ColumnChoice;
  /** Known benchmark keys; rows naming them but lacking a score are reported. Default: the score keys. */
  benchmarks?: string[];
  /** Model name or repo id: a column whose header names it is preferred when no placeholders exist. */
  modelName?: string;
  /** Extra labels per benchmark key, e.g. `{ gsm8k: ['GSM-8K (5-shot)'] }`. */
  aliases?: Record<string, string[]>;
  /** Score for the average row (`eval_accuracy`, `Average`, …). Default: `scores.eval_accuracy`. */
  average?: number | null;
}

/** The `config.json` fields the card reads; anything else in the object is ignored. */
export interface ModelConfig {
  architectures?: string[];
  model_type?: string;
  _name_or_path?: string;
  torch_dtype?: string;
  [key: string]: unknown;
}

/** One entry of `trainer_state.json`'s `log_history`. */
export interface TrainerLogEntry {
  epoch?: number;
  step?: number;
  loss?: number;
  eval_loss?: number;
  learning_rate?: number;
  [key: string]: unknown;
}

/** The parts of `trainer_state.json` the card reads. */
export interface TrainerState {
  log_history?: TrainerLogEntry[];
  global_step?: number;
  epoch?: number;
  max_steps?: number;
  num_train_epochs?: number;
  train_batch_size?: number;
  best_metric?: number | null;
  best_model_checkpoint?: string | null;
  [key: string]: unknown;
}

export interface CardInput {
  /** `owner/name` on the Hub. */
  repoId: string;
  /** Human title; default: the repo name. */
  title?: string;
  checkpoint: { name: string; step: number | null };
  /** Scores of the chosen checkpoint, keyed by benchmark. */
  scores: Record<string, number>;
  evalAccuracy: number | null;
  /** Why this checkpoint was chosen (from the evaluation report). */
  bestReason: string;
  /** Every benchmark category, in display order; ones without a score are shown as not evaluated. */
  benchmarks: string[];
  /** Display names per benchmark key; default: the key humanised. */
  benchmarkLabels?: Record<string, string>;
  /** Parsed `config.json` of the checkpoint. */
  config: ModelConfig | null;
  /**
   * The run's latest `trainer_state.json` (the one with the highest `global_step`: the run folder's or its
   * newest checkpoint's), never an older checkpoint's snapshot; null when the run has none.
   */
  trainerState: TrainerState | null;
  /** The Hub endpoint repository links point at; default `https://huggingface.co`. */
  endpoint?: string;
  /** Hub license id; null leaves it for the user to fill. */
  license: string | null;
  /** With `license: other`: the license's short name and where its text is (`license_name`, `license_link`). */
  licenseName?: string | null;
  licenseLink?: string | null;
  /** Default `transformers`. */
  libraryName?: string;
  tags?: string[];
  /** Used in the usage snippet; null or empty leaves a marked placeholder. */
  systemPrompt: string | null;
  /** Recommended sampling temperature; null leaves a marked placeholder. */
  temperature: number | null;
  /** Contact line (e-mail, URL or handle); null leaves a marked placeholder. */
  contact: string | null;
  /** Free text describing the model; null leaves a marked placeholder. */
  description?: string | null;
  /** Hub dataset ids the model was trained on; local paths are refused. */
  datasets?: string[];
  language?: string[];
}
