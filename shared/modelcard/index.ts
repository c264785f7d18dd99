/** The model card engine: pure functions the renderer (live preview) and the main process (publish) share. */
export * from './types';
export { updateBenchmarkTable, applyEdits, mapOffset } from './table';
export { scanDocument, documentLayout, DEFAULT_MAX_SLICE_CHARS } from './blocks';
export type {
  DocumentLayout,
  FrontMatterRange,
  MarkdownTable,
  TableRow,
  TableCell,
  ScannedDocument,
  ScanOptions,
} from './blocks';
export { canonicalLabel, canonicalCell, humanizeKey, isPlaceholder, AVERAGE_KEY } from './labels';
export { editMetadata, readMetadata, validateCard, buildModelIndex } from './metadata';
export type {
  MetadataEdits,
  MetadataEditResult,
  MetadataRead,
  ModelIndexInput,
  CardProblem,
  CardProblemCode,
  CardValidation,
} from './metadata';
export { listReferencedFiles } from './files';
export type { ReferencedFile } from './files';
export {
  HUB_LICENSES,
  HUB_PIPELINE_TAGS,
  isHubLicense,
  isHubPipelineTag,
  isHubRepoId,
  looksLikeLocalPath,
  pipelineTagForArchitecture,
} from './hub-ids';
// `generateCard` is the same function under the name the publish service looks for.
export { generateModelCard, generateModelCard as generateCard, MORE_INFORMATION_NEEDED, modelTask, DEFAULT_HUB_ENDPOINT } from './generate';
export type { GeneratedCard, GenerateOptions, CardTask, ModelTask } from './generate';
export { HARNESS_TASK_DATASETS, describeMapping, proposeDataset } from './benchmarks';
export type { BenchmarkMapping, HubBenchmarkDataset } from './benchmarks';
export {
  EVAL_RESULTS_FOLDER,
  buildEvalMetadata,
  evalResultsFileProblems,
  evalResultsPath,
  evalResultsYaml,
  isEvalResultsPath,
  mergeEvalResultsFile,
  mergeModelIndex,
  modelIndexProblems,
} from './eval-results';
export type {
  BenchmarkResult,
  EvalMetadata,
  EvalMetadataInput,
  EvalProblem,
  EvalResultEntry,
  EvalResultsFile,
  MergeResult,
  ModelIndexResult,
  ValueConflict,
} from './eval-results';
export { describeBlockers, mergeHubModelIndex, prepareCardResults, publishBlockers } from './results-card';
export type { CardResults, CardResultsInput, EvalOutputOptions } from './results-card';
export { prepareCard, columnOf } from './prepare';
export type { PrepareCardInput, PreparedCardText } from './prepare';
