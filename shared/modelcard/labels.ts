/**
 * Matching table labels to benchmark keys. Cards name benchmarks the way people write them
 * ("Math Reasoning", "**math_reasoning**", "Math-Reasoning", "[Math Reasoning](https://…)"), keys are
 * snake_case; both sides are reduced to the same canonical form.
 */

const AVERAGE_LABELS = new Set(['eval_accuracy', 'average', 'avg', 'mean', 'overall', 'average_score', 'avg_score', 'mean_score', 'overall_score', 'eval_acc', 'average_accuracy', 'mean_accuracy']);

/** The key the average row is reported under. */
export const AVERAGE_KEY = 'eval_accuracy';

/** Canonical form shared by keys and labels: lower case, runs of anything else than letters/digits → `_`. */
export function canonicalLabel(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/** Canonical label of a table cell as written in Markdown. */
export function canonicalCell(cell: string): string {
  let text = cell.trim();
  text = text.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1');
  text = text.replace(/<[^>]*>/g, ' ').replace(/&(?:[a-z]+|#\d+|#x[\da-f]+);/gi, ' ');
  text = text.replace(/\\(.)/g, '$1');
  return canonicalLabel(text);
}

export function isAverageLabel(canonical: string): boolean {
  return AVERAGE_LABELS.has(canonical);
}

/** Builds a lookup from canonical label to benchmark key. */
export function labelIndex(keys: Iterable<string>, aliases: Record<string, string[]> = {}): Map<string, string> {
  const index = new Map<string, string>();
  for (const key of keys) {
    const canonical = canonicalLabel(key);
    if (canonical && !index.has(canonical)) index.set(canonical, key);
  }
  for (const [key, labels] of Object.entries(aliases)) {
    for (const label of labels) {
      const canonical = canonicalCell(label);
      if (canonical) index.set(canonical, key);
    }
  }
  return index;
}

/** "math_reasoning" → "Math Reasoning", for generated cards. */
export function humanizeKey(key: string): string {
  return key
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((word) => (/^[a-z]/.test(word) ? word[0]!.toUpperCase() + word.slice(1) : word))
    .join(' ');
}

const PLACEHOLDER = /^(?:\{\{?\s*[A-Za-z][\w.-]*\s*\}?\}|<[A-Z][A-Z_]*>|TBD|TODO|\?\??)$/;

/** `{RESULT}`, `{{score}}`, `<RESULT>`, `TBD`: cells a template leaves for the app to fill. */
export function isPlaceholder(cell: string): boolean {
  return PLACEHOLDER.test(cell.trim());
}
