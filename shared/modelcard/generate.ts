/**
 * A complete model card for a checkpoint that has no README yet. Everything the app knows is written out;
 * everything it cannot know is marked `[More Information Needed]` (as the Hub's own template does) with a
 * `<!-- TODO -->` saying what to write, never filled with guesses.
 */
import { formatFixed, formatScore } from '../format';
import { isHubLicense, isHubPipelineTag, isHubRepoId, looksLikeLocalPath, pipelineTagForArchitecture } from './hub-ids';
import { AVERAGE_KEY, humanizeKey } from './labels';
import { buildModelIndex, yamlFor } from './metadata';
import type { CardInput, TrainerLogEntry, TrainerState } from './types';

export const MORE_INFORMATION_NEEDED = '[More Information Needed]';

export interface GeneratedCard {
  text: string;
  /** What the user still has to write, in card order (the same text as the card's TODO comments). */
  todo: string[];
  /** Front matter values written, for display. */
  metadata: Record<string, unknown>;
}

export interface GenerateOptions {
  /** Also write `model-index` results (off by default, like every metadata addition). */
  modelIndex?: boolean;
}

const DEFAULT_TEMPERATURE_NOTE = 'recommended sampling temperature';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/**
 * What kind of model the card describes, which decides its usage section: only a text generator has a
 * system prompt and a sampling temperature; a classifier has labels, an embedding model has vectors.
 */
export type CardTask = 'text-generation' | 'text-classification' | 'token-classification' | 'seq2seq' | 'embeddings' | 'other';

export interface ModelTask {
  /** The Hub's `pipeline_tag`, from the config's own `pipeline_tag` when valid, else its first architecture. */
  pipelineTag: string | null;
  task: CardTask;
}

const TASK_OF_PIPELINE: Record<string, CardTask> = {
  'text-generation': 'text-generation',
  'image-text-to-text': 'text-generation',
  'text-classification': 'text-classification',
  'zero-shot-classification': 'text-classification',
  'token-classification': 'token-classification',
  'text2text-generation': 'seq2seq',
  translation: 'seq2seq',
  summarization: 'seq2seq',
  'feature-extraction': 'embeddings',
  'sentence-similarity': 'embeddings',
};

export function modelTask(config: { architectures?: unknown; pipeline_tag?: unknown } | null | undefined): ModelTask {
  const declared = typeof config?.pipeline_tag === 'string' && isHubPipelineTag(config.pipeline_tag) ? config.pipeline_tag : null;
  const architecture = Array.isArray(config?.architectures) && typeof config.architectures[0] === 'string' ? config.architectures[0] : null;
  const pipelineTag = declared ?? (architecture ? pipelineTagForArchitecture(architecture) : null);
  // No config at all says nothing; the generator then writes the chat-model card it always did.
  const task = pipelineTag ? (TASK_OF_PIPELINE[pipelineTag] ?? 'other') : config ? 'other' : 'text-generation';
  return { pipelineTag, task };
}

export function generateModelCard(input: CardInput, options: GenerateOptions = {}): GeneratedCard {
  const todo: string[] = [];
  const mark = (what: string) => {
    todo.push(what);
    return `<!-- TODO: ${what} -->`;
  };
  const repoName = input.repoId.split('/').pop() ?? input.repoId;
  const title = input.title?.trim() || repoName;
  const architecture = input.config?.architectures?.[0] ?? null;
  const { pipelineTag, task } = modelTask(input.config);
  const hubUrl = (input.endpoint?.trim() || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const baseModel = hubBaseModel(input.config?._name_or_path);
  const libraryName = input.libraryName ?? 'transformers';
  const label = (key: string) => input.benchmarkLabels?.[key] ?? humanizeKey(key);

  // Front matter.
  const metadata: Record<string, unknown> = {};
  const license = input.license && isHubLicense(input.license) ? input.license : null;
  if (license) metadata.license = license;
  // The Hub's own fields for a license outside its list (hub-docs repositories-licenses: "other").
  const licenseName = license === 'other' ? (input.licenseName?.trim() ?? '') : '';
  const licenseLink = license === 'other' ? (input.licenseLink?.trim() ?? '') : '';
  if (licenseName) metadata.license_name = licenseName;
  if (licenseLink) metadata.license_link = licenseLink;
  metadata.library_name = libraryName;
  if (baseModel) metadata.base_model = baseModel;
  if (pipelineTag) metadata.pipeline_tag = pipelineTag;
  const tags = [...new Set([...(input.tags ?? []), ...(input.config?.model_type ? [input.config.model_type] : [])])];
  if (tags.length > 0) metadata.tags = tags;
  const datasets = (input.datasets ?? []).filter((id) => isHubRepoId(id) && !looksLikeLocalPath(id));
  if (datasets.length > 0) metadata.datasets = datasets;
  if (input.language && input.language.length > 0) metadata.language = input.language;
  if (options.modelIndex) {
    metadata['model-index'] = buildModelIndex({
      modelName: repoName,
      scores: input.scores,
      benchmarks: input.benchmarks,
      ...(pipelineTag ? { task: { type: pipelineTag } } : {}),
      labels: Object.fromEntries(input.benchmarks.map((key) => [key, label(key)])),
    });
  }
  const frontMatterNotes: string[] = [];
  if (!license) {
    const what = input.license ? `"${input.license}" is not a Hub license id; set license to one (https://huggingface.co/docs/hub/repositories-licenses)` : 'choose a license id (https://huggingface.co/docs/hub/repositories-licenses)';
    todo.push(what);
    frontMatterNotes.push(`# TODO: ${what}`);
  } else if (license === 'other' && (!licenseName || !licenseLink)) {
    const what = 'name the license (license_name, a lowercase id) and link its text (license_link: a URL or a file of the repository, e.g. LICENSE.md)';
    todo.push(what);
    frontMatterNotes.push(`# TODO: ${what}`);
  }

  const out: string[] = [];
  out.push('---', yamlFor(metadata).trimEnd(), ...frontMatterNotes, '---', '');
  out.push(`# ${title}`, '');
  if (input.description?.trim()) out.push(input.description.trim(), '');
  else out.push(mark('describe the model: what it does, for whom, and how it was trained'), MORE_INFORMATION_NEEDED, '');

  out.push('## Model details', '');
  out.push(`- **Repository:** [${input.repoId}](${hubUrl}/${input.repoId})`);
  if (architecture) out.push(`- **Architecture:** \`${architecture}\`${input.config?.model_type ? ` (\`${input.config.model_type}\`)` : ''}`);
  out.push(`- **Fine-tuned from:** ${baseModel ? `[${baseModel}](${hubUrl}/${baseModel})` : MORE_INFORMATION_NEEDED}`);
  out.push(`- **Checkpoint:** \`${input.checkpoint.name}\`${input.checkpoint.step !== null ? ` (step ${input.checkpoint.step})` : ''}`);
  out.push(`- **Library:** ${libraryName}`);
  out.push(`- **License:** ${license ?? MORE_INFORMATION_NEEDED}`);
  out.push('');

  out.push('## Evaluation', '');
  out.push('| Benchmark | Score |', '|---|---:|');
  for (const key of input.benchmarks.filter((benchmark) => benchmark !== AVERAGE_KEY)) {
    const score = input.scores[key];
    out.push(`| ${escapeCell(label(key))} | ${score !== undefined && Number.isFinite(score) ? formatScore(score) : 'not evaluated'} |`);
  }
  const average = input.evalAccuracy;
  out.push(`| **Average (eval_accuracy)** | ${average !== null && Number.isFinite(average) ? formatScore(average) : 'not evaluated'} |`);
  out.push('');
  const missing = input.benchmarks.filter((key) => key !== AVERAGE_KEY && (input.scores[key] === undefined || !Number.isFinite(input.scores[key])));
  if (missing.length > 0) out.push(`Not evaluated for this checkpoint: ${missing.map(label).join(', ')}.`, '');
  out.push(mark('say what each benchmark measures and how it was run (prompting, shots, metric)'), '');

  out.push('### Which checkpoint and why', '');
  out.push(
    `This card describes \`${input.checkpoint.name}\`${input.checkpoint.step !== null ? `, saved at step ${input.checkpoint.step}` : ''}. ` +
      (input.bestReason?.trim() ? input.bestReason.trim() : MORE_INFORMATION_NEEDED),
    '',
  );

  if (input.trainerState) out.push(...trainingSection(input.trainerState));

  out.push('## Usage', '');
  out.push(...usageSection(input, task, pipelineTag, mark));

  out.push('## Bias, risks and limitations', '');
  out.push(mark('describe known limitations, risks and out-of-scope uses'), MORE_INFORMATION_NEEDED, '');

  out.push('## License', '');
  out.push(license === 'other' && licenseName ? `This model is released under the ${licenseLink ? `[${licenseName}](${licenseLink})` : `\`${licenseName}\``} license.` : license ? `This model is released under the \`${license}\` license.` : `${mark('state the license')}\n${MORE_INFORMATION_NEEDED}`, '');

  out.push('## Contact', '');
  out.push(input.contact?.trim() ? input.contact.trim() : `${mark('add a contact (e-mail, website or Hub handle)')}\n${MORE_INFORMATION_NEEDED}`, '');

  return { text: out.join('\n'), todo, metadata };
}

/** `_name_or_path` names the base model only when it is a Hub id; a local training path says nothing public. */
function hubBaseModel(nameOrPath: unknown): string | null {
  if (typeof nameOrPath !== 'string' || !nameOrPath.includes('/')) return null;
  return isHubRepoId(nameOrPath) && !looksLikeLocalPath(nameOrPath) ? nameOrPath : null;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function usageSection(input: CardInput, task: CardTask, pipelineTag: string | null, mark: (what: string) => string): string[] {
  const repo = JSON.stringify(input.repoId);
  const labels = labelNames(input.config);
  switch (task) {
    case 'text-generation':
      break;
    case 'text-classification':
      return [
        ...(labels.length > 0 ? [`Labels: ${labels.map((l) => `\`${l}\``).join(', ')}.`, ''] : [mark('say what each label means')]),
        '```python',
        'from transformers import pipeline',
        '',
        `classifier = pipeline("text-classification", model=${repo})`,
        'print(classifier("This is great!"))  # [{"label": …, "score": …}]',
        '```',
        '',
      ];
    case 'token-classification':
      return [
        ...(labels.length > 0 ? [`Entity labels: ${labels.map((l) => `\`${l}\``).join(', ')}.`, ''] : [mark('say what each entity label means')]),
        '```python',
        'from transformers import pipeline',
        '',
        `tagger = pipeline("token-classification", model=${repo}, aggregation_strategy="simple")`,
        'print(tagger("Ada Lovelace was born in London."))',
        '```',
        '',
      ];
    case 'seq2seq':
      return [
        mark('say what input the model expects (task prefix, languages) and what it writes'),
        '```python',
        'from transformers import pipeline',
        '',
        `pipe = pipeline(${JSON.stringify(pipelineTag ?? 'text2text-generation')}, model=${repo})`,
        'print(pipe("Hello!", max_new_tokens=128))',
        '```',
        '',
      ];
    case 'embeddings':
      return [
        '```python',
        'import torch',
        'from transformers import AutoModel, AutoTokenizer',
        '',
        `tokenizer = AutoTokenizer.from_pretrained(${repo})`,
        `model = AutoModel.from_pretrained(${repo})`,
        'batch = tokenizer(["Hello!", "Hi there."], padding=True, return_tensors="pt")',
        'with torch.no_grad():',
        '    hidden = model(**batch).last_hidden_state',
        '# Mean pooling over the tokens gives one vector per sentence.',
        'mask = batch["attention_mask"].unsqueeze(-1)',
        'embeddings = (hidden * mask).sum(1) / mask.sum(1)',
        '```',
        '',
      ];
    default:
      return pipelineTag
        ? ['```python', 'from transformers import pipeline', '', `pipe = pipeline(${JSON.stringify(pipelineTag)}, model=${repo})`, '```', '']
        : [mark('show how to load and run the model'), MORE_INFORMATION_NEEDED, ''];
  }
  const lines: string[] = [];
  const systemPrompt = input.systemPrompt?.trim() ? input.systemPrompt : null;
  const temperature = input.temperature !== null && Number.isFinite(input.temperature) && input.temperature >= 0 ? input.temperature : null;
  if (systemPrompt === null) lines.push(mark('write the system prompt the model was trained or tested with'));
  if (temperature === null) lines.push(mark(`set the ${DEFAULT_TEMPERATURE_NOTE}`));
  if (temperature !== null) lines.push(`Recommended sampling temperature: **${temperature}**.`, '');
  lines.push(
    '```python',
    'from transformers import AutoModelForCausalLM, AutoTokenizer',
    '',
    `model_id = ${JSON.stringify(input.repoId)}`,
    'tokenizer = AutoTokenizer.from_pretrained(model_id)',
    'model = AutoModelForCausalLM.from_pretrained(model_id, torch_dtype="auto", device_map="auto")',
    '',
    'messages = [',
    // JSON string literals are valid Python string literals.
    `    {"role": "system", "content": ${JSON.stringify(systemPrompt ?? 'TODO: system prompt')}},`,
    '    {"role": "user", "content": "Hello!"},',
    ']',
    'inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt").to(model.device)',
    temperature !== null
      ? `outputs = model.generate(inputs, max_new_tokens=256, do_sample=True, temperature=${pythonFloat(temperature)})`
      : 'outputs = model.generate(inputs, max_new_tokens=256, do_sample=True)  # TODO: add temperature=…',
    'print(tokenizer.decode(outputs[0][inputs.shape[-1]:], skip_special_tokens=True))',
    '```',
    '',
  );
  return lines;
}

/** The config's `id2label` names in id order, unless they are the Trainer's defaults (`LABEL_0`…). */
function labelNames(config: CardInput['config']): string[] {
  const id2label = config?.id2label;
  if (!id2label || typeof id2label !== 'object' || Array.isArray(id2label)) return [];
  const entries = Object.entries(id2label as Record<string, unknown>)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, name]) => name);
  return entries.every((name) => /^LABEL_\d+$/.test(name)) ? [] : entries.slice(0, 50);
}

function pythonFloat(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

const SKIPPED_EVAL_KEYS = new Set(['eval_loss', 'eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second', 'epoch', 'step']);

/** The training-results table the `transformers` Trainer writes into its own cards, plus the run's totals. */
function trainingSection(state: TrainerState): string[] {
  const lines = ['## Training details', ''];
  const facts: string[] = [];
  if (typeof state.global_step === 'number') facts.push(`- **Steps:** ${state.global_step}${typeof state.max_steps === 'number' && state.max_steps > 0 ? ` of ${state.max_steps}` : ''}`);
  if (typeof state.epoch === 'number') facts.push(`- **Epochs:** ${trainerNumber(state.epoch)}${typeof state.num_train_epochs === 'number' ? ` of ${state.num_train_epochs}` : ''}`);
  if (typeof state.train_batch_size === 'number') facts.push(`- **Batch size per device:** ${state.train_batch_size}`);
  if (typeof state.best_metric === 'number') facts.push(`- **Best metric during training:** ${trainerNumber(state.best_metric)}`);
  if (typeof state.best_model_checkpoint === 'string' && state.best_model_checkpoint) {
    // The path is the trainer's machine's; only the folder name means anything to a reader.
    facts.push(`- **Best checkpoint according to the trainer:** \`${state.best_model_checkpoint.split(/[\\/]/).filter(Boolean).pop() ?? ''}\``);
  }
  if (facts.length > 0) lines.push(...facts, '');

  const rows = trainingResults(state.log_history ?? []);
  if (rows.length > 0) {
    lines.push('### Training results', '');
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    lines.push(`| ${columns.join(' | ')} |`, `|${columns.map(() => ':---:').join('|')}|`);
    for (const row of rows) lines.push(`| ${columns.map((column) => row[column] ?? '').join(' | ')} |`);
    lines.push('');
  } else {
    lines.push('The trainer state has no evaluation entries, so there is no training-results table.', '');
  }
  return lines;
}

/** One row per evaluation in the log, with the last training loss logged before it (`No log` when none). */
function trainingResults(history: TrainerLogEntry[]): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  let trainingLoss: string = 'No log';
  for (const entry of history) {
    if (typeof entry.loss === 'number') trainingLoss = trainerNumber(entry.loss);
    if (typeof entry.eval_loss !== 'number' && !Object.keys(entry).some((key) => key.startsWith('eval_') && !SKIPPED_EVAL_KEYS.has(key))) continue;
    const row: Record<string, string> = {
      'Training Loss': trainingLoss,
      Epoch: typeof entry.epoch === 'number' ? trainerNumber(entry.epoch) : '',
      Step: typeof entry.step === 'number' ? String(entry.step) : '',
    };
    if (typeof entry.eval_loss === 'number') row['Validation Loss'] = trainerNumber(entry.eval_loss);
    for (const [key, value] of Object.entries(entry)) {
      if (!key.startsWith('eval_') || SKIPPED_EVAL_KEYS.has(key) || typeof value !== 'number') continue;
      row[humanizeKey(key.slice('eval_'.length))] = trainerNumber(value);
    }
    rows.push(row);
  }
  return rows;
}

/** As the Trainer's card writes floats: more than four decimals are rounded to four, others kept. */
function trainerNumber(value: number): string {
  if (Number.isInteger(value)) return `${value}.0`;
  const decimals = String(value).split('.')[1] ?? '';
  return decimals.length > 4 || /e/i.test(String(value)) ? formatFixed(value, 4) : String(value);
}
