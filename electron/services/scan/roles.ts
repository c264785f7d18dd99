/** What each file of a checkpoint is for, from its name alone (cheap enough for thousands of files). */
import type { FileRole } from '../../../shared/types';

/** What the scanner takes for a README: `README.md` in any case (the Hub itself wants `README.md`). */
export const README_NAME = /^readme\.md$/i;

const TOKENIZER_FILES = new Set([
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'vocab.txt',
  'merges.txt',
  'tokenizer.model',
  'spiece.model',
  'sentencepiece.bpe.model',
  'sentencepiece.model',
  'chat_template.jinja',
  'chat_template.json',
]);

/** Files a tokenizer can be loaded from; the config files alone are not enough. */
const TOKENIZER_CORE = new Set([
  'tokenizer.json',
  'vocab.json',
  'vocab.txt',
  'tokenizer.model',
  'spiece.model',
  'sentencepiece.bpe.model',
  'sentencepiece.model',
]);

const TRAINING_STATE =
  /^(optimizer\.pt|scheduler\.pt|scaler\.pt|rng_state(_\d+)?\.pth|training_args\.bin|trainer_state\.json|latest|zero_to_fp32\.py)$/;

/** Names a token file is kept under; only their presence is ever checked. */
export const TOKEN_FILE_NAMES = ['hf_token.txt', 'hf_token', '.hf_token', 'HF_TOKEN', 'token.txt'];

export const WORKSPACE_CONFIG_FILE = 'hub-publisher.json';

/** Model weights by extension; training state files with weight-like extensions are excluded first. */
export function isWeightsName(base: string): boolean {
  if (TRAINING_STATE.test(base)) return false;
  return /\.(safetensors|bin|pt|pth|ckpt)$/i.test(base);
}

/**
 * Weights that make a folder a checkpoint on their own. A stray `.pt` does not, nor a `.bin` that is not
 * named like a model (nanoGPT keeps its tokenised datasets in `train.bin`).
 */
export function isModelWeightsName(base: string): boolean {
  if (!isWeightsName(base)) return false;
  return (
    /\.safetensors$/i.test(base) ||
    /^(pytorch_model|model|adapter_model|diffusion_pytorch_model)\b.*\.bin$/i.test(base)
  );
}

export function isTokenizerCore(base: string): boolean {
  return TOKENIZER_CORE.has(base);
}

/** `rel` is relative to the checkpoint folder with `/` separators. */
export function roleOf(rel: string): FileRole {
  const parts = rel.split('/');
  const base = parts[parts.length - 1] ?? rel;
  // DeepSpeed keeps its ZeRO partitions (optimizer and model states) under global_stepN/ inside a checkpoint.
  if (parts.length > 1 && parts.slice(0, -1).some((p) => /^global_step\d+$/.test(p))) return 'training-state';
  if (TRAINING_STATE.test(base)) return 'training-state';
  if (/\.(safetensors|bin)\.index\.json$/.test(base)) return 'weights-index';
  if (isWeightsName(base)) return 'weights';
  if (TOKENIZER_FILES.has(base)) return 'tokenizer';
  if (README_NAME.test(base)) return 'readme';
  if (base === 'config.json' || (base.endsWith('config.json') && base !== 'tokenizer_config.json'))
    return 'config';
  return 'other';
}
