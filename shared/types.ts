/** Domain types shared by the main process, the CLI and the renderer. JSON-serialisable only. */
import type { TransferProgress } from './publish';

export type FileRole =
  'config' | 'weights' | 'weights-index' | 'tokenizer' | 'training-state' | 'readme' | 'other';
export type WeightsFormat = 'safetensors' | 'pytorch' | 'mixed' | 'none';

export interface CheckpointFile {
  /** Relative to the checkpoint folder, with `/` separators. */
  path: string;
  bytes: number;
  role: FileRole;
  /** Last modification time (ms since the epoch): with path and size, the file's fingerprint for caches. */
  mtimeMs?: number;
  /** Inode and status-change time: an edit that puts mtime back still changes ctime. */
  ino?: number;
  ctimeMs?: number;
}

export interface CheckpointProblem {
  code:
    | 'missing-config'
    | 'invalid-config'
    | 'missing-weights'
    | 'empty-weights'
    | 'corrupt-safetensors'
    | 'missing-shard'
    | 'index-size-mismatch'
    | 'unreadable';
  message: string;
  file?: string;
}

export interface WeightsSummary {
  format: WeightsFormat;
  sharded: boolean;
  bytes: number;
  /** Parameter count from safetensors headers; null when only PyTorch pickles are present. */
  parameters: number | null;
  dtypes: string[];
}

export interface CheckpointInfo {
  name: string;
  /** Absolute path on disk. */
  path: string;
  /** Relative to the workspace root ('.' when the root itself is the checkpoint). */
  relPath: string;
  step: number | null;
  valid: boolean;
  problems: CheckpointProblem[];
  weights: WeightsSummary;
  hasTokenizer: boolean;
  files: CheckpointFile[];
  totalBytes: number;
}

export interface ScanResult {
  root: string;
  checkpoints: CheckpointInfo[];
  /** Absolute path of the workspace README, or null. */
  readme: string | null;
  /** Relative paths of images/files the README references (existing or not). */
  readmeAssets: { path: string; exists: boolean }[];
  /** Absolute path of `hf_token.txt` when present; the content is never read by the scanner. */
  tokenFile: string | null;
  evaluation: EvaluationSetup;
  warnings: string[];
}

export interface EvaluationSetup {
  /** Benchmarks found (scripts, config or imported results). */
  benchmarks: string[];
  /** Where scores can come from in this workspace. */
  sources: ScoreSource[];
  /** The workspace config file, when present. */
  configFile: string | null;
  /** Absolute paths of harness result files (`results*.json`) found outside the checkpoints. */
  resultFiles?: string[];
}

export type ScoreSource =
  'script' | 'trainer-state' | 'eval-results' | 'lm-eval-harness' | 'lighteval' | 'manual';

export interface BenchmarkError {
  kind:
    | 'timeout'
    | 'exit'
    | 'unparsable'
    | 'out-of-range'
    | 'missing-script'
    | 'abi-mismatch'
    | 'spawn'
    | 'cancelled'
    | 'changed-files';
  message: string;
  exitCode: number | null;
  stderrTail: string;
  /** For abi-mismatch: the interpreter the compiled module needs, e.g. `python3.13`. */
  needsInterpreter?: string;
}

export interface CheckpointEvaluation {
  name: string;
  step: number | null;
  scores: Record<string, number>;
  errors: Record<string, BenchmarkError>;
  sources: Record<string, ScoreSource>;
  evalAccuracy: number | null;
  complete: boolean;
  /** Benchmarks without a score, when not complete. */
  missing: string[];
  /** Other numeric metrics the checkpoint carries (trainer_state.json's `eval_loss`...), by full name. */
  metrics?: Record<string, number>;
}

export interface EvaluationReport {
  benchmarks: string[];
  checkpoints: CheckpointEvaluation[];
  best: string | null;
  bestReason: string;
  interpreter: PythonInterpreter | null;
  /** The checkpoint the trainer's `best_model_checkpoint` names, when it matches one. */
  trainerBest?: string | null;
  /** Things worth telling the user that are not per-benchmark errors (ignored result files...). */
  warnings?: string[];
  /** Bytes a publish of each checkpoint would upload from its folder (training state left out), by name. */
  publishBytes?: Record<string, number>;
  /** Benchmark labels as the workspace README's benchmark table writes them, by benchmark key. */
  labels?: Record<string, string>;
  /** The per-benchmark weights eval_accuracy was computed with (hub-publisher.json's); equal when absent. */
  weights?: Record<string, number>;
  /** The metric that picked `best` (`eval_accuracy` when absent). */
  metric?: string;
  /** Every metric the best can be chosen by: eval_accuracy, then those the checkpoints carry. */
  metrics?: string[];
}

export interface PythonInterpreter {
  path: string;
  version: string;
  origin: 'workspace-venv' | 'conda' | 'path' | 'user';
}

/** Phases of a scan: walking the folders, then reading each checkpoint. */
export const SCAN_PHASES = ['walk', 'checkpoints'] as const;
export type ScanPhase = (typeof SCAN_PHASES)[number];

/** Phases of an evaluation job. */
export const EVALUATION_PHASES = ['evaluate'] as const;
export type EvaluationPhase = (typeof EVALUATION_PHASES)[number];

/**
 * Phases of a publish job, in order (the CLI runs all of them, the window from `token`/`hash` on);
 * `publish:prepare` reports `hash`.
 */
export const PUBLISH_PHASES = [
  'token',
  'scan',
  'evaluate',
  'card',
  'hash',
  'plan',
  'repo',
  'upload',
  'commit',
  'verify',
] as const;
export type PublishPhase = (typeof PUBLISH_PHASES)[number];

/** Every phase any job reports: one typed list for the main process, the CLI and the renderer. */
export type JobPhase = ScanPhase | EvaluationPhase | PublishPhase;

/** Progress of a long job: one shape for scan, evaluation and publish, so one view can show all three. */
export interface JobProgress {
  phase: JobPhase;
  /** Units done and total in the phase's unit (bytes, files, benchmark runs). */
  done: number;
  total: number;
  unit: 'bytes' | 'items';
  message?: string;
  /** Bytes per second, when the unit is bytes. */
  rate?: number;
  /** Seconds left, when known. */
  eta?: number;
  /** Per-item progress (files of an upload, checkpoint × benchmark runs). */
  items?: JobItemProgress[];
  /** An upload's processed / sent / already-on-the-Hub bytes (shared/publish.ts). */
  transfer?: TransferProgress;
}

export interface JobItemProgress {
  id: string;
  label: string;
  done: number;
  total: number;
  state: 'pending' | 'running' | 'done' | 'failed' | 'skipped';
  message?: string;
  /** An evaluation run's score once it is done, so the UI can show it in its cell before the job ends. */
  score?: number;
}
