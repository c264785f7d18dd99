import { parseDocument } from 'yaml';

export interface MetadataProblem {
  message: string;
}

export interface MetadataValidation {
  errors: MetadataProblem[];
  warnings: MetadataProblem[];
}

const stringOrStringListFields = ['license', 'language', 'datasets', 'base_model', 'tags', 'metrics', 'library_name', 'pipeline_tag'];
const stringOnlyFields = ['library_name', 'pipeline_tag', 'license_name', 'license_link'];

/**
 * Checks a README's YAML front matter the way the Hub's validate-yaml does at the level clients notice:
 * the block must close, parse as YAML, be a mapping, and its well-known fields must have the right shapes.
 */
export function validateReadmeMetadata(readme: string): MetadataValidation {
  const errors: MetadataProblem[] = [];
  const warnings: MetadataProblem[] = [];
  const text = readme.replace(/^\uFEFF/, '');
  if (!/^---[ \t]*\r?\n/.test(text)) return { errors, warnings };
  const block = /^---[ \t]*\r?\n([\s\S]*?)^---[ \t]*(?:\r?\n|$)/m.exec(text);
  if (!block) {
    errors.push({ message: 'The metadata block opened by "---" on the first line is never closed by a "---" line' });
    return { errors, warnings };
  }
  const document = parseDocument(block[1] ?? '', { prettyErrors: true, uniqueKeys: true });
  for (const error of document.errors) errors.push({ message: `YAML: ${error.message.split('\n')[0]}` });
  for (const warning of document.warnings) warnings.push({ message: `YAML: ${warning.message.split('\n')[0]}` });
  if (errors.length > 0) return { errors, warnings };
  const metadata: unknown = document.toJS();
  if (metadata === null || metadata === undefined) return { errors, warnings };
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    errors.push({ message: 'Metadata must be a YAML mapping of keys to values' });
    return { errors, warnings };
  }
  const fields = metadata as Record<string, unknown>;
  for (const key of stringOrStringListFields) {
    const value = fields[key];
    if (value === undefined || value === null) continue;
    const isString = typeof value === 'string';
    const isStringList = Array.isArray(value) && value.every((item) => typeof item === 'string');
    if (stringOnlyFields.includes(key) ? !isString : !(isString || isStringList)) {
      errors.push({ message: `"${key}" must be ${stringOnlyFields.includes(key) ? 'a string' : 'a string or a list of strings'}` });
    }
  }
  const modelIndex = fields['model-index'];
  if (modelIndex !== undefined && modelIndex !== null) {
    if (!Array.isArray(modelIndex)) {
      errors.push({ message: '"model-index" must be a list' });
    } else {
      modelIndex.forEach((model: unknown, index) => {
        const entry = model as { name?: unknown; results?: unknown } | null;
        if (typeof entry !== 'object' || entry === null || typeof entry.name !== 'string') {
          errors.push({ message: `"model-index"[${index}] needs a "name" string` });
        } else if (entry.results !== undefined && !Array.isArray(entry.results)) {
          errors.push({ message: `"model-index"[${index}].results must be a list` });
        }
      });
    }
  }
  return { errors, warnings };
}
