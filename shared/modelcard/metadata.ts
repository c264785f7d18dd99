/**
 * The card's YAML front matter: read, extend and validate it without disturbing what the user wrote. Edits
 * are splices into the original text (new keys appended before the closing `---`, `model-index` replaced in
 * place), so comments, key order, quoting and line endings of every other key stay byte for byte.
 */
import { Document, isMap, isScalar, parseDocument, visit, type Pair, type YAMLMap } from 'yaml';
import { documentLayout, type DocumentLayout } from './blocks';
import { listReferencedFiles, type ReferencedFile } from './files';
import { isHubLicense, isHubPipelineTag, isHubRepoId, looksLikeLocalPath } from './hub-ids';
import { evalResultsFileProblems, modelIndexProblems } from './eval-results';
import { AVERAGE_KEY, humanizeKey } from './labels';
import { applyEdits } from './table';
import type { TextChange } from './types';

export interface ModelIndexInput {
  /** The `name` of the model-index entry; usually the repo name. */
  modelName: string;
  scores: Record<string, number>;
  /** Which benchmarks, in which order; default: the score keys (the average is never a result of its own). */
  benchmarks?: string[];
  /** Default `{ type: 'text-generation' }`. */
  task?: { type: string; name?: string };
  /** Hub dataset per benchmark; without one the benchmark key is used as the dataset type. */
  datasets?: Record<string, { type: string; name?: string; config?: string; split?: string }>;
  /** Default `{ type: 'accuracy' }`. */
  metric?: { type: string; name?: string };
  labels?: Record<string, string>;
}

export interface MetadataEdits {
  /** Keys written only when the card does not have them yet; existing values are never touched. */
  addMissing?: {
    license?: string | null;
    library_name?: string | null;
    base_model?: string | null;
    pipeline_tag?: string | null;
    tags?: string[] | null;
    datasets?: string[] | null;
    language?: string[] | null;
  };
  /** Adds `model-index`, or replaces the existing one, with these results. */
  modelIndex?: ModelIndexInput;
  /**
   * Values the user edited: each replaces that key's lines in place (or is appended when new); every other
   * key keeps its bytes. A one-line scalar keeps its trailing comment.
   */
  set?: Record<string, unknown>;
}

export interface MetadataEditResult {
  text: string;
  changes: TextChange[];
  /** Keys added or replaced. */
  edited: string[];
  warnings: string[];
}

export interface MetadataRead {
  layout: DocumentLayout;
  /** The front matter as plain data; null when there is none or it does not parse. */
  data: Record<string, unknown> | null;
  problems: CardProblem[];
}

export type CardProblemCode =
  | 'front-matter-unclosed'
  | 'yaml-syntax'
  | 'wrong-type'
  | 'local-path'
  | 'unknown-license'
  | 'license-name-missing'
  | 'unknown-pipeline-tag'
  | 'missing-file'
  | 'file-outside-repo'
  | 'invalid-language'
  | 'eval-results'
  | 'value-conflict';

export interface CardProblem {
  code: CardProblemCode;
  severity: 'error' | 'warning';
  message: string;
  key?: string;
  path?: string;
  line?: number;
}

export interface CardValidation {
  /** No errors (warnings allowed). */
  ok: boolean;
  problems: CardProblem[];
  metadata: Record<string, unknown> | null;
  /** Files the README references by relative path; `exists` is set when the caller gave `exists`. */
  files: (ReferencedFile & { exists?: boolean })[];
}

/** The `model-index` value the Hub's model card spec describes, from a checkpoint's scores. */
export function buildModelIndex(input: ModelIndexInput): unknown[] {
  const task = input.task ?? { type: 'text-generation' };
  const metric = input.metric ?? { type: 'accuracy' };
  const keys = (input.benchmarks ?? Object.keys(input.scores)).filter((key) => key !== AVERAGE_KEY);
  const results = keys.flatMap((key) => {
    const value = input.scores[key];
    if (value === undefined || !Number.isFinite(value)) return [];
    const dataset = input.datasets?.[key] ?? { type: key };
    const name = input.labels?.[key] ?? dataset.name ?? humanizeKey(key);
    return [
      {
        task: { type: task.type, ...(task.name ? { name: task.name } : {}) },
        dataset: { name, type: dataset.type, ...(dataset.config ? { config: dataset.config } : {}), ...(dataset.split ? { split: dataset.split } : {}) },
        // Full precision: the table rounds for reading, metadata keeps what was measured.
        metrics: [{ type: metric.type, value, ...(metric.name ? { name: metric.name } : {}) }],
      },
    ];
  });
  return [{ name: input.modelName, results }];
}

/** YAML text for new top-level keys; scores keep three decimals (`1.000`, not `1`). */
export function yamlFor(values: Record<string, unknown>, eol = '\n'): string {
  const document = new Document(values);
  visit(document, {
    Pair(_key, pair: Pair) {
      if (isScalar(pair.key) && pair.key.value === 'value' && isScalar(pair.value) && typeof pair.value.value === 'number') pair.value.minFractionDigits = 3;
    },
  });
  const text = document.toString({ lineWidth: 0 });
  return eol === '\n' ? text : text.replace(/\n/g, eol);
}

function lineEnding(text: string): string {
  const newline = text.indexOf('\n');
  return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}

/** Adds the requested metadata. Refuses (with a warning, text unchanged) to edit front matter it cannot parse. */
export function editMetadata(readme: string, edits: MetadataEdits): MetadataEditResult {
  const layout = documentLayout(readme);
  const warnings: string[] = [];
  const additions: Record<string, unknown> = {};
  const edited: string[] = [];
  const splices: { start: number; end: number; before: string; after: string; benchmark: string }[] = [];

  let map: YAMLMap | null = null;
  let existingData: Record<string, unknown> = {};
  let content = '';
  if (layout.frontMatter) {
    content = readme.slice(layout.frontMatter.contentStart, layout.frontMatter.contentEnd);
    const document = parseDocument(content);
    if (document.errors.length > 0) {
      warnings.push(`The front matter is not valid YAML (${document.errors[0]?.message.split('\n')[0]}); fix it before the app can add metadata.`);
      return { text: readme, changes: [], edited, warnings };
    }
    if (document.contents !== null && !isMap(document.contents)) {
      warnings.push('The front matter is not a YAML mapping (key: value pairs); metadata was not added.');
      return { text: readme, changes: [], edited, warnings };
    }
    map = (document.contents as YAMLMap | null) ?? null;
    existingData = (document.toJS() as Record<string, unknown> | null) ?? {};
  }
  const has = (key: string) => map?.has(key) ?? false;

  const wanted = edits.addMissing ?? {};
  const scalar = (key: 'license' | 'library_name' | 'pipeline_tag', value: string | null | undefined, valid: (v: string) => boolean, why: string) => {
    if (value === null || value === undefined || value.trim() === '' || has(key)) return;
    if (!valid(value)) warnings.push(`Not adding ${key}: "${value}" ${why}.`);
    else additions[key] = value;
  };
  scalar('license', wanted.license, isHubLicense, 'is not a license id the Hub knows');
  scalar('library_name', wanted.library_name, (v) => /^[\w.-]+$/.test(v), 'is not a library name');
  if (wanted.base_model && !has('base_model')) {
    if (isHubRepoId(wanted.base_model) && !looksLikeLocalPath(wanted.base_model)) additions.base_model = wanted.base_model;
    else warnings.push(`Not adding base_model: "${wanted.base_model}" is a local path, not a Hub model id (owner/name).`);
  }
  scalar('pipeline_tag', wanted.pipeline_tag, isHubPipelineTag, 'is not a Hub pipeline tag');
  for (const key of ['tags', 'datasets', 'language'] as const) {
    const list = wanted[key];
    if (!list || list.length === 0 || has(key)) continue;
    const kept = key === 'datasets' ? list.filter((id) => isHubRepoId(id) && !looksLikeLocalPath(id)) : list;
    if (kept.length < list.length) warnings.push(`Not listing local paths as datasets: ${list.filter((id) => !kept.includes(id)).join(', ')}.`);
    if (kept.length > 0) additions[key] = [...new Set(kept)];
  }

  const eol = lineEnding(layout.frontMatter ? readme.slice(layout.frontMatter.start, layout.frontMatter.end) : readme);
  const replaceOrAdd = (key: string, value: unknown) => {
    const existing = map?.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === key) ?? -1;
    if (map && layout.frontMatter && existing !== -1) {
      // Setting a key to the value it has is not an edit: its bytes stay.
      if (JSON.stringify(existingData[key]) === JSON.stringify(value)) return;
      const range = pairLines(content, map, existing);
      const start = layout.frontMatter.contentStart + range.start;
      const end = layout.frontMatter.contentStart + range.end;
      let after = yamlFor({ [key]: value }, eol);
      // A one-line `key: value  # why` keeps its comment when only the value changes.
      const old = map.items[existing]?.value;
      const oneLine = !readme.slice(start, end).trimEnd().includes('\n');
      if (oneLine && isScalar(old) && old.comment && !after.trimEnd().includes('\n') && (value === null || typeof value !== 'object')) {
        after = `${after.trimEnd()} #${old.comment}${eol}`;
      }
      if (after !== readme.slice(start, end)) splices.push({ start, end, before: readme.slice(start, end), after, benchmark: key === 'model-index' ? 'model-index' : 'front-matter' });
      edited.push(key);
    } else {
      additions[key] = value;
    }
  };
  for (const [key, value] of Object.entries(edits.set ?? {})) {
    if (value === undefined) continue;
    if (key === 'base_model' || key === 'datasets') {
      const ids = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
      const local = ids.filter((id) => typeof id !== 'string' || looksLikeLocalPath(id) || !isHubRepoId(id));
      if (local.length > 0) {
        warnings.push(`Not setting ${key}: ${local.map(String).join(', ')} is a local path, not a Hub id (owner/name).`);
        continue;
      }
    }
    replaceOrAdd(key, value);
  }
  if (edits.modelIndex) replaceOrAdd('model-index', buildModelIndex(edits.modelIndex));

  const addedKeys = Object.keys(additions);
  if (addedKeys.length > 0) {
    edited.push(...addedKeys);
    const yaml = yamlFor(additions, eol);
    if (layout.frontMatter) {
      const at = layout.frontMatter.contentEnd;
      // A last line without its line ending would glue the first new key onto it.
      const glue = at > layout.frontMatter.contentStart && readme[at - 1] !== '\n' ? eol : '';
      splices.push({ start: at, end: at, before: '', after: glue + yaml, benchmark: 'front-matter' });
    } else {
      const at = layout.hasBom ? 1 : 0;
      splices.push({ start: at, end: at, before: '', after: `---${eol}${yaml}---${eol}`, benchmark: 'front-matter' });
    }
  }
  const { text, changes } = applyEdits(readme, splices);
  return { text, changes, edited, warnings };
}

/** Lines of a top-level pair: its key's line up to the next key, leaving comments and blank lines before it. */
function pairLines(content: string, map: YAMLMap, index: number): { start: number; end: number } {
  const pair = map.items[index];
  const keyStart = (isScalar(pair?.key) ? pair.key.range?.[0] : undefined) ?? 0;
  const start = content.lastIndexOf('\n', keyStart - 1) + 1;
  const next = map.items[index + 1];
  const nextStart = isScalar(next?.key) ? next.key.range?.[0] : undefined;
  let end = nextStart === undefined ? content.length : content.lastIndexOf('\n', nextStart - 1) + 1;
  // Give back trailing blank and comment lines: they belong to what follows.
  for (;;) {
    const previousLineStart = content.lastIndexOf('\n', end - 2) + 1;
    if (previousLineStart <= start) break;
    const line = content.slice(previousLineStart, end);
    if (!/^\s*(?:#.*)?\r?\n?$/.test(line)) break;
    end = previousLineStart;
  }
  return { start, end };
}

/** Parses the front matter; problems say what is wrong in terms the user can act on. */
export function readMetadata(readme: string): MetadataRead {
  const layout = documentLayout(readme);
  const problems: CardProblem[] = [];
  if (!layout.frontMatter) {
    const start = layout.hasBom ? 1 : 0;
    if (/^---[ \t]*\r?\n/.test(readme.slice(start))) {
      problems.push({ code: 'front-matter-unclosed', severity: 'error', line: 1, message: 'The metadata block opened with --- on line 1 is never closed: add a line with --- after the last key.' });
    }
    return { layout, data: null, problems };
  }
  const firstLine = readme.slice(0, layout.frontMatter.contentStart).split('\n').length;
  const document = parseDocument(readme.slice(layout.frontMatter.contentStart, layout.frontMatter.contentEnd));
  for (const error of document.errors) {
    const line = error.linePos?.[0]?.line;
    problems.push({
      code: 'yaml-syntax',
      severity: 'error',
      ...(line !== undefined ? { line: firstLine + line - 1 } : {}),
      message: `The metadata is not valid YAML: ${error.message.split('\n')[0]}`,
    });
  }
  if (document.errors.length > 0) return { layout, data: null, problems };
  const data: unknown = document.toJS();
  if (data === null || data === undefined) return { layout, data: {}, problems };
  if (typeof data !== 'object' || Array.isArray(data)) {
    problems.push({ code: 'wrong-type', severity: 'error', line: firstLine, message: 'The metadata must be key: value pairs (a YAML mapping).' });
    return { layout, data: null, problems };
  }
  return { layout, data: data as Record<string, unknown>, problems };
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);

/**
 * Everything worth fixing before publishing: metadata that the Hub would reject or misread, and files the
 * README shows or links that are not there. `exists` answers for repo-relative paths (the caller knows the disk).
 */
export function validateCard(
  readme: string,
  options: { exists?: (path: string) => boolean; evalResults?: readonly { path: string; text: string }[] } = {},
): CardValidation {
  const { data, problems } = readMetadata(readme);
  if (data) problems.push(...metadataProblems(data));
  for (const file of options.evalResults ?? []) {
    for (const problem of evalResultsFileProblems(file.path, file.text)) {
      problems.push({ code: 'eval-results', severity: 'error', key: problem.key, path: file.path, message: problem.message });
    }
  }

  const files = listReferencedFiles(readme).map((file) => {
    if (file.outsideRepo) {
      problems.push({ code: 'file-outside-repo', severity: 'warning', path: file.path, line: file.line, message: `Line ${file.line} points outside the repository (${file.target}); it will be broken on the Hub.` });
      return { ...file };
    }
    if (!options.exists) return { ...file };
    const exists = options.exists(file.path);
    if (!exists) problems.push({ code: 'missing-file', severity: 'error', path: file.path, line: file.line, message: `Line ${file.line} references ${file.path}, which is not in the folder being published.` });
    return { ...file, exists };
  });
  return { ok: problems.every((problem) => problem.severity !== 'error'), problems, metadata: data, files };
}

function metadataProblems(data: Record<string, unknown>): CardProblem[] {
  const problems: CardProblem[] = [];
  const wrongType = (key: string, expected: string) =>
    problems.push({ code: 'wrong-type', severity: 'error', key, message: `${key} must be ${expected}, not ${describe(data[key])}.` });

  for (const key of ['license', 'license_name', 'license_link', 'library_name', 'pipeline_tag', 'thumbnail', 'new_version']) {
    if (key in data && !isString(data[key])) wrongType(key, 'a string');
  }
  for (const key of ['tags', 'metrics']) if (key in data && !isStringList(data[key])) wrongType(key, 'a list of strings');
  for (const key of ['datasets', 'base_model', 'language']) {
    if (key in data && !isString(data[key]) && !isStringList(data[key])) wrongType(key, 'a string or a list of strings');
  }

  const license = data.license;
  if (isString(license) && !isHubLicense(license)) {
    problems.push({ code: 'unknown-license', severity: 'error', key: 'license', message: `license "${license}" is not a license id the Hub knows; use one of its ids (e.g. apache-2.0, mit) or "other" with license_name and license_link.` });
  }
  if (license === 'other' && !isString(data.license_name)) {
    problems.push({ code: 'license-name-missing', severity: 'warning', key: 'license_name', message: 'license is "other": add license_name (and license_link) so readers know which license applies.' });
  }
  const pipelineTag = data.pipeline_tag;
  if (isString(pipelineTag) && !isHubPipelineTag(pipelineTag)) {
    problems.push({ code: 'unknown-pipeline-tag', severity: 'warning', key: 'pipeline_tag', message: `pipeline_tag "${pipelineTag}" is not a task the Hub knows; the widget and filters will ignore it.` });
  }
  for (const key of ['base_model', 'datasets']) {
    const value = data[key];
    const ids = isString(value) ? [value] : isStringList(value) ? value : [];
    for (const id of ids) {
      if (looksLikeLocalPath(id) || !isHubRepoId(id)) {
        problems.push({ code: 'local-path', severity: 'error', key, message: `${key} "${id}" is a local path, not a Hub id (owner/name); the Hub cannot link it and it reveals your folder layout.` });
      }
    }
  }
  if ('model-index' in data) {
    for (const problem of modelIndexProblems(data['model-index'])) problems.push({ code: 'wrong-type', severity: 'error', key: problem.key, message: problem.message });
  }
  for (const code of languageCodes(data.language)) {
    if (isLanguageCode(code)) continue;
    const suggestion = LANGUAGE_NAMES[code.trim().toLowerCase()];
    problems.push({
      code: 'invalid-language',
      severity: 'error',
      key: 'language',
      message: `language "${code}" is not a language code; use ISO 639-1 or 639-3 codes${suggestion ? ` (here: ${suggestion})` : ' (e.g. en, fr, zho)'}.`,
    });
  }
  return problems;
}

const languageCodes = (value: unknown): string[] => (isString(value) ? [value] : isStringList(value) ? value : []);

/** ISO 639-1/639-2/639-3 codes with an optional region or script (`en`, `fra`, `pt-BR`), and the Hub's `code` and `multilingual`. */
export function isLanguageCode(value: string): boolean {
  if (value === 'code' || value === 'multilingual') return true;
  return /^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/.test(value);
}

/** Language names people write instead of codes, with the code to use. */
const LANGUAGE_NAMES: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  english: 'en', french: 'fr', german: 'de', spanish: 'es', chinese: 'zh', japanese: 'ja', korean: 'ko', russian: 'ru',
  portuguese: 'pt', italian: 'it', arabic: 'ar', hindi: 'hi', dutch: 'nl', polish: 'pl', turkish: 'tr', vietnamese: 'vi',
});

function describe(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `the ${typeof value} ${JSON.stringify(value)}`;
}
