/**
 * Identifiers the Hub accepts in model card metadata, from its model card spec
 * (https://huggingface.co/docs/hub/repositories-licenses and the `pipeline_tag` list of huggingface.js tasks).
 */

export const HUB_LICENSES: readonly string[] = [
  'apache-2.0', 'mit', 'openrail', 'bigscience-openrail-m', 'creativeml-openrail-m', 'bigscience-bloom-rail-1.0',
  'bigcode-openrail-m', 'afl-3.0', 'artistic-2.0', 'bsl-1.0', 'bsd', 'bsd-2-clause', 'bsd-3-clause',
  'bsd-3-clause-clear', 'c-uda', 'cc', 'cc0-1.0', 'cc-by-2.0', 'cc-by-2.5', 'cc-by-3.0', 'cc-by-4.0',
  'cc-by-sa-3.0', 'cc-by-sa-4.0', 'cc-by-nc-2.0', 'cc-by-nc-3.0', 'cc-by-nc-4.0', 'cc-by-nd-4.0',
  'cc-by-nc-nd-3.0', 'cc-by-nc-nd-4.0', 'cc-by-nc-sa-2.0', 'cc-by-nc-sa-3.0', 'cc-by-nc-sa-4.0',
  'cdla-sharing-1.0', 'cdla-permissive-1.0', 'cdla-permissive-2.0', 'wtfpl', 'ecl-2.0', 'epl-1.0', 'epl-2.0',
  'etalab-2.0', 'eupl-1.1', 'eupl-1.2', 'agpl-3.0', 'gfdl', 'gpl', 'gpl-2.0', 'gpl-3.0', 'lgpl', 'lgpl-2.1',
  'lgpl-3.0', 'isc', 'h-research', 'intel-research', 'lppl-1.3c', 'ms-pl', 'apple-ascl', 'apple-amlr',
  'mpl-2.0', 'odc-by', 'odbl', 'openmdw-1.0', 'openrail++', 'osl-3.0', 'postgresql', 'ofl-1.1', 'ncsa',
  'unlicense', 'zlib', 'pddl', 'lgpl-lr', 'deepfloyd-if-license', 'fair-noncommercial-research-license',
  'llama2', 'llama3', 'llama3.1', 'llama3.2', 'llama3.3', 'llama4', 'grok2-community', 'gemma', 'unknown',
  'other',
];

export const HUB_PIPELINE_TAGS: readonly string[] = [
  'text-classification', 'token-classification', 'table-question-answering', 'question-answering',
  'zero-shot-classification', 'translation', 'summarization', 'feature-extraction', 'text-generation',
  'text2text-generation', 'fill-mask', 'sentence-similarity', 'text-to-speech', 'text-to-audio',
  'automatic-speech-recognition', 'audio-to-audio', 'audio-classification', 'audio-text-to-text',
  'voice-activity-detection', 'depth-estimation', 'image-classification', 'object-detection',
  'image-segmentation', 'text-to-image', 'image-to-text', 'image-to-image', 'image-to-video',
  'unconditional-image-generation', 'video-classification', 'reinforcement-learning', 'robotics',
  'tabular-classification', 'tabular-regression', 'tabular-to-text', 'table-to-text', 'multiple-choice',
  'text-ranking', 'text-retrieval', 'time-series-forecasting', 'text-to-video', 'image-text-to-text',
  'image-text-to-image', 'image-text-to-video', 'visual-question-answering', 'document-question-answering',
  'zero-shot-image-classification', 'graph-ml', 'mask-generation', 'zero-shot-object-detection', 'text-to-3d',
  'image-to-3d', 'image-feature-extraction', 'video-text-to-text', 'keypoint-detection',
  'visual-document-retrieval', 'any-to-any', 'video-to-video', 'other',
];

const LICENSES = new Set(HUB_LICENSES);
const PIPELINE_TAGS = new Set(HUB_PIPELINE_TAGS);

export function isHubLicense(id: string): boolean {
  return LICENSES.has(id);
}

export function isHubPipelineTag(tag: string): boolean {
  return PIPELINE_TAGS.has(tag);
}

/** Architecture class suffix → pipeline tag, most specific first (as `transformers` auto classes map them). */
const ARCHITECTURE_TASKS: [RegExp, string][] = [
  [/ForConditionalGeneration$/, 'text2text-generation'],
  [/ForCausalLM$|LMHeadModel$/, 'text-generation'],
  [/ForSequenceClassification$/, 'text-classification'],
  [/ForTokenClassification$/, 'token-classification'],
  [/ForQuestionAnswering$/, 'question-answering'],
  [/ForMaskedLM$/, 'fill-mask'],
  [/ForMultipleChoice$/, 'multiple-choice'],
  [/ForImageClassification$/, 'image-classification'],
  [/ForObjectDetection$/, 'object-detection'],
  [/ForSemanticSegmentation$|ForInstanceSegmentation$|ForUniversalSegmentation$/, 'image-segmentation'],
  [/ForDepthEstimation$/, 'depth-estimation'],
  [/ForAudioClassification$/, 'audio-classification'],
  [/ForCTC$|ForSpeechSeq2Seq$/, 'automatic-speech-recognition'],
  [/ForTextToSpeech$|ForTextToWaveform$/, 'text-to-speech'],
  [/ForImageTextToText$|ForVision2Seq$/, 'image-text-to-text'],
  [/(?:Model|Encoder)$/, 'feature-extraction'],
];

/** `LlamaForCausalLM` → `text-generation`; null when the architecture says nothing the Hub understands. */
export function pipelineTagForArchitecture(architecture: string): string | null {
  // Seq2seq language models (T5, BART) are text2text; vision-language ones with the same suffix are not.
  if (/ForConditionalGeneration$/.test(architecture) && /(Llava|Idefics|Paligemma|Qwen2VL|Qwen2_5_VL|Blip|Mllama|Gemma3|Vision|VL)/i.test(architecture)) {
    return 'image-text-to-text';
  }
  if (/ForConditionalGeneration$/.test(architecture) && /Whisper|Speech|Wav2Vec/i.test(architecture)) return 'automatic-speech-recognition';
  for (const [pattern, task] of ARCHITECTURE_TASKS) if (pattern.test(architecture)) return task;
  return null;
}

/**
 * `owner/name` as the Hub writes repo ids. Local paths (absolute, relative, home, Windows, several segments)
 * are not ids, so they never end up in `base_model` or `datasets`.
 */
export function isHubRepoId(value: string): boolean {
  if (/^(?:[A-Za-z0-9][\w.-]{0,95}\/)?[A-Za-z0-9][\w.-]{0,95}$/.test(value) === false) return false;
  if (value.includes('..') || value.includes('--') || value.endsWith('.') || value.endsWith('-')) return false;
  return true;
}

/** Something that reads as a path on disk rather than a Hub id (`checkpoint-500` is a training folder). */
export function looksLikeLocalPath(value: string): boolean {
  if (/^(?:\/|\.{1,2}(?:[\\/]|$)|~|[A-Za-z]:[\\/]|\\\\)/.test(value) || value.includes('\\')) return true;
  const segments = value.split('/');
  return segments.length > 2 || /^checkpoint[-_]?\d+$/i.test(segments[segments.length - 1] ?? '');
}
