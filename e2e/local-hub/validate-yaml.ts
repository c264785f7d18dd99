/**
 * The Hub's README metadata check, as `POST /api/validate-yaml` answers it and as the commit endpoint
 * applies it to a README.md being committed.
 *
 * What is modelled, and from where:
 * - The answer: `200 {"errors":[],"warnings":[]}`, or `400` with `errors: [{message}]` (huggingface_hub 2.0.0
 *   `HfApi._validate_yaml` reads `warnings[].message` first, then raises `ValueError("Invalid metadata in
 *   README.md.\n- <message>…")` from `errors[].message` on a 400).
 * - The rules: hub-docs `modelcard.md` (the metadata spec the Hub validates "when git pushing changes to your
 *   README.md"): `license` from the Hub's license list (hub-docs `repositories-licenses.md`), `language` ISO
 *   codes, `base_model`/`datasets` Hub ids, `tags`/`metrics` string lists, and the `model-index` structure with
 *   its required keys (the same keys huggingface_hub's `model_index_to_eval_results` indexes).
 * - The messages name the key path the way the Hub's model page banners do ("YAML Metadata Error:
 *   "model-index[0].results[0].dataset.type" is required"); their exact wording beyond the key path is
 *   UNCONFIRMED (the Hub's validator is not public).
 *
 * This file is the Hub's side: it does not reuse the app's own validation (shared/modelcard), so a test where
 * both agree shows the app predicts the Hub, not that one function agrees with itself.
 */
import { parseDocument } from 'yaml';
import { HUB_LICENSES } from '../../shared/modelcard/hub-ids';

export interface MetadataProblem {
  message: string;
}

export interface MetadataValidation {
  errors: MetadataProblem[];
  warnings: MetadataProblem[];
}

const LICENSES = new Set(HUB_LICENSES);
const LANGUAGE = /^(?:[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*|code|multilingual)$/;
const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;
const STRING_FIELDS = [
  'library_name',
  'pipeline_tag',
  'license_name',
  'license_link',
  'thumbnail',
  'new_version',
];

type Data = Record<string, unknown>;
const isObject = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v);

/**
 * Checks a README's YAML front matter: the block must close, parse as YAML and be a mapping, and the
 * well-known fields must have the Hub's shapes.
 */
export function validateReadmeMetadata(readme: string): MetadataValidation {
  const errors: MetadataProblem[] = [];
  const warnings: MetadataProblem[] = [];
  const error = (message: string) => errors.push({ message });
  const text = readme.replace(/^\uFEFF/, '');
  if (!/^---[ \t]*\r?\n/.test(text)) {
    warnings.push({ message: 'Empty or missing yaml metadata in repo card' });
    return { errors, warnings };
  }
  const block = /^---[ \t]*\r?\n([\s\S]*?)^---[ \t]*(?:\r?\n|$)/m.exec(text);
  if (!block) {
    error('The metadata block opened by "---" on the first line is never closed by a "---" line');
    return { errors, warnings };
  }
  const document = parseDocument(block[1] ?? '', { prettyErrors: true, uniqueKeys: true });
  for (const e of document.errors) error(`YAML: ${e.message.split('\n')[0]}`);
  for (const w of document.warnings) warnings.push({ message: `YAML: ${w.message.split('\n')[0]}` });
  if (errors.length > 0) return { errors, warnings };
  const metadata: unknown = document.toJS();
  if (metadata === null || metadata === undefined) return { errors, warnings };
  if (!isObject(metadata)) {
    error('Metadata must be a YAML mapping of keys to values');
    return { errors, warnings };
  }

  const stringOrList = (key: string, each?: (value: string, at: string) => void) => {
    const value = metadata[key];
    if (value === undefined || value === null) return;
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
    if (!list) return error(`"${key}" must be one of [string, array]`);
    list.forEach((item: unknown, i) => {
      const at = typeof value === 'string' ? `"${key}"` : `"${key}[${i}]"`;
      if (typeof item !== 'string') error(`${at} must be a string`);
      else each?.(item, at);
    });
  };

  const license = metadata.license;
  if (license !== undefined && license !== null) {
    if (typeof license !== 'string') error('"license" must be a string');
    else if (!LICENSES.has(license)) error(`"license" must be one of [${HUB_LICENSES.join(', ')}]`);
  }
  for (const key of STRING_FIELDS) {
    const value = metadata[key];
    if (value !== undefined && value !== null && typeof value !== 'string')
      error(`"${key}" must be a string`);
  }
  stringOrList('language', (code, at) => {
    if (!LANGUAGE.test(code))
      error(`${at} with value ${show(code)} is not a valid language code (ISO 639-1, 639-2 or 639-3)`);
  });
  stringOrList('base_model', (id, at) => {
    if (!REPO_ID.test(id) || id.includes('..'))
      error(`${at} with value ${show(id)} is not a valid model id: use a Hub model id (owner/name)`);
  });
  stringOrList('datasets', (id, at) => {
    if (!REPO_ID.test(id) || id.includes('..'))
      error(`${at} with value ${show(id)} is not a valid dataset id: use a Hub dataset id (owner/name)`);
  });
  stringOrList('tags');
  stringOrList('metrics');

  const modelIndex = metadata['model-index'];
  if (modelIndex !== undefined && modelIndex !== null) validateModelIndex(modelIndex, error);
  return { errors, warnings };
}

function validateModelIndex(modelIndex: unknown, error: (message: string) => void): void {
  if (!Array.isArray(modelIndex)) return error('"model-index" must be an array');
  modelIndex.forEach((model: unknown, i) => {
    const at = `model-index[${i}]`;
    if (!isObject(model)) return error(`"${at}" must be of type object`);
    if (typeof model.name !== 'string') error(`"${at}.name" is required`);
    if (!Array.isArray(model.results)) return error(`"${at}.results" must be an array`);
    model.results.forEach((result: unknown, j) => {
      const r = `${at}.results[${j}]`;
      if (!isObject(result)) return error(`"${r}" must be of type object`);
      if (!isObject(result.task)) error(`"${r}.task" is required`);
      else if (typeof result.task.type !== 'string') error(`"${r}.task.type" is required`);
      if (!isObject(result.dataset)) error(`"${r}.dataset" is required`);
      else {
        for (const key of ['type', 'name']) {
          if (typeof result.dataset[key] !== 'string') error(`"${r}.dataset.${key}" is required`);
        }
        for (const key of ['config', 'split', 'revision']) {
          const v = result.dataset[key];
          if (v !== undefined && typeof v !== 'string') error(`"${r}.dataset.${key}" must be a string`);
        }
      }
      if (!Array.isArray(result.metrics)) return error(`"${r}.metrics" must be an array`);
      result.metrics.forEach((metric: unknown, k) => {
        const m = `${r}.metrics[${k}]`;
        if (!isObject(metric)) return error(`"${m}" must be of type object`);
        if (typeof metric.type !== 'string') error(`"${m}.type" is required`);
        const value = metric.value;
        if (value === undefined || value === null) error(`"${m}.value" is required`);
        else if (typeof value !== 'number' && typeof value !== 'string')
          error(`"${m}.value" must be one of [number, string]`);
      });
      if (
        result.source !== undefined &&
        (!isObject(result.source) || typeof result.source.url !== 'string')
      ) {
        error(`"${r}.source.url" is required`);
      }
    });
  });
}
