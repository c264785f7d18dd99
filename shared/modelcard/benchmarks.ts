/**
 * Which Hub dataset a benchmark key names: a proposal the user confirms, never a silent rename.
 *
 * Keys are lm-evaluation-harness task names (what `results_*.json` and most `eval_*` Trainer metrics use); the
 * dataset ids are the `dataset_path` those harness tasks load. Only datasets that the Hub lists as
 * *Benchmarks* (they carry an `eval.yaml` with task ids, hub-docs `docs/hub/eval-results.md`, "Registering a
 * Benchmark") can take `.eval_results/*.yaml` entries; the others still go into the README table and, when
 * asked, into `model-index` (whose `dataset.type` may be any dataset id), and are shown as "card only".
 */

export interface HubBenchmarkDataset {
  /** Hub dataset id, e.g. `openai/gsm8k`. */
  datasetId: string;
  /** Pretty name, for `model-index` `dataset.name` and the Hub's results box. */
  name: string;
  /** `load_dataset` configuration the harness task uses. */
  config?: string;
  split?: string;
  /** The `model-index` metric type (a Hub metric id). */
  metric: string;
  /**
   * The task id in the dataset's `eval.yaml`, when the dataset is a registered Hub Benchmark: only then can the
   * score go to `.eval_results/` (and the benchmark's leaderboard).
   */
  taskId?: string;
}

/** lm-evaluation-harness task name → the dataset it evaluates on. */
export const HARNESS_TASK_DATASETS: Readonly<Record<string, HubBenchmarkDataset>> = {
  // Registered Hub Benchmarks: hub-docs eval-results.md names GPQA, MMLU-Pro, HLE and GSM8K as examples with an eval.yaml.
  gsm8k: {
    datasetId: 'openai/gsm8k',
    name: 'GSM8K',
    config: 'main',
    split: 'test',
    metric: 'exact_match',
    taskId: 'gsm8k',
  },
  gsm8k_cot: {
    datasetId: 'openai/gsm8k',
    name: 'GSM8K',
    config: 'main',
    split: 'test',
    metric: 'exact_match',
    taskId: 'gsm8k',
  },
  mmlu_pro: {
    datasetId: 'TIGER-Lab/MMLU-Pro',
    name: 'MMLU-Pro',
    split: 'test',
    metric: 'exact_match',
    taskId: 'mmlu_pro',
  },
  leaderboard_mmlu_pro: {
    datasetId: 'TIGER-Lab/MMLU-Pro',
    name: 'MMLU-Pro',
    split: 'test',
    metric: 'accuracy',
    taskId: 'mmlu_pro',
  },
  gpqa_diamond_zeroshot: {
    datasetId: 'Idavidrein/gpqa',
    name: 'GPQA Diamond',
    config: 'gpqa_diamond',
    split: 'train',
    metric: 'accuracy',
    taskId: 'gpqa_diamond',
  },
  gpqa_diamond_n_shot: {
    datasetId: 'Idavidrein/gpqa',
    name: 'GPQA Diamond',
    config: 'gpqa_diamond',
    split: 'train',
    metric: 'accuracy',
    taskId: 'gpqa_diamond',
  },
  leaderboard_gpqa_diamond: {
    datasetId: 'Idavidrein/gpqa',
    name: 'GPQA Diamond',
    config: 'gpqa_diamond',
    split: 'train',
    metric: 'accuracy',
    taskId: 'gpqa_diamond',
  },
  hle: {
    datasetId: 'cais/hle',
    name: "Humanity's Last Exam",
    split: 'test',
    metric: 'accuracy',
    taskId: 'hle',
  },
  // Hub datasets that are not registered Benchmarks: model-index only.
  arc_easy: {
    datasetId: 'allenai/ai2_arc',
    name: 'ARC-Easy',
    config: 'ARC-Easy',
    split: 'test',
    metric: 'accuracy',
  },
  arc_challenge: {
    datasetId: 'allenai/ai2_arc',
    name: 'ARC-Challenge',
    config: 'ARC-Challenge',
    split: 'test',
    metric: 'accuracy',
  },
  hellaswag: { datasetId: 'Rowan/hellaswag', name: 'HellaSwag', split: 'validation', metric: 'accuracy' },
  mmlu: { datasetId: 'cais/mmlu', name: 'MMLU', config: 'all', split: 'test', metric: 'accuracy' },
  winogrande: {
    datasetId: 'allenai/winogrande',
    name: 'WinoGrande',
    config: 'winogrande_xl',
    split: 'validation',
    metric: 'accuracy',
  },
  truthfulqa_mc2: {
    datasetId: 'truthfulqa/truthful_qa',
    name: 'TruthfulQA (MC2)',
    config: 'multiple_choice',
    split: 'validation',
    metric: 'accuracy',
  },
  truthfulqa_mc1: {
    datasetId: 'truthfulqa/truthful_qa',
    name: 'TruthfulQA (MC1)',
    config: 'multiple_choice',
    split: 'validation',
    metric: 'accuracy',
  },
  piqa: { datasetId: 'ybisk/piqa', name: 'PIQA', split: 'validation', metric: 'accuracy' },
  boolq: {
    datasetId: 'aps/super_glue',
    name: 'BoolQ',
    config: 'boolq',
    split: 'validation',
    metric: 'accuracy',
  },
  openbookqa: {
    datasetId: 'allenai/openbookqa',
    name: 'OpenBookQA',
    config: 'main',
    split: 'test',
    metric: 'accuracy',
  },
  lambada_openai: {
    datasetId: 'EleutherAI/lambada_openai',
    name: 'LAMBADA (OpenAI)',
    config: 'default',
    split: 'test',
    metric: 'accuracy',
  },
  sciq: { datasetId: 'allenai/sciq', name: 'SciQ', split: 'test', metric: 'accuracy' },
  ifeval: { datasetId: 'google/IFEval', name: 'IFEval', split: 'train', metric: 'accuracy' },
  humaneval: { datasetId: 'openai/openai_humaneval', name: 'HumanEval', split: 'test', metric: 'pass@1' },
  mbpp: {
    datasetId: 'google-research-datasets/mbpp',
    name: 'MBPP',
    config: 'full',
    split: 'test',
    metric: 'pass@1',
  },
};

/** lighteval names tasks `suite|task|shots`; the importer keeps `task`, which may use `:` for subsets. */
const LIGHTEVAL_ALIASES: Readonly<Record<string, string>> = {
  'arc:easy': 'arc_easy',
  'arc:challenge': 'arc_challenge',
  'gpqa:diamond': 'gpqa_diamond_zeroshot',
  mmlu_pro: 'mmlu_pro',
  'truthfulqa:mc': 'truthfulqa_mc2',
};

export interface BenchmarkMapping {
  benchmark: string;
  /** The proposed (or user-chosen) dataset; null: no Hub dataset is known for this key. */
  dataset: HubBenchmarkDataset | null;
  /** Where the score will show on the Hub. */
  shows: 'leaderboard' | 'model-index' | 'card-only';
  /** One sentence for the UI and the CLI log. */
  note: string;
}

/** The mapping proposed for a benchmark key (lm-evaluation-harness task names, lighteval task names). */
export function proposeDataset(benchmark: string): HubBenchmarkDataset | null {
  const key = benchmark.trim().toLowerCase();
  return HARNESS_TASK_DATASETS[key] ?? HARNESS_TASK_DATASETS[LIGHTEVAL_ALIASES[key] ?? ''] ?? null;
}

/** Describes where a benchmark's score will show, given its dataset (proposed or chosen). */
export function describeMapping(benchmark: string, dataset: HubBenchmarkDataset | null): BenchmarkMapping {
  if (!dataset) {
    return {
      benchmark,
      dataset: null,
      shows: 'card-only',
      note: `${benchmark}: no Hub benchmark dataset is known for it; it shows on the card only (the README table and model-index).`,
    };
  }
  if (dataset.taskId) {
    return {
      benchmark,
      dataset,
      shows: 'leaderboard',
      note: `${benchmark} → ${dataset.datasetId} (task ${dataset.taskId}): shows on the model page and on the benchmark's leaderboard.`,
    };
  }
  return {
    benchmark,
    dataset,
    shows: 'model-index',
    note: `${benchmark} → ${dataset.datasetId}: not a registered Hub Benchmark, so no .eval_results file; it shows on the card only (README table and model-index).`,
  };
}
