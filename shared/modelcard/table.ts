/**
 * Fills the benchmark table(s) of an existing README with a checkpoint's scores, changing nothing but the
 * target cells: the user's card is theirs, and the UI shows exactly which ranges moved.
 */
import { formatScore } from '../format';
import { formatBytes } from '../units';
import { scanDocument, type MarkdownTable, type TableCell } from './blocks';
import { AVERAGE_KEY, canonicalCell, isAverageLabel, isPlaceholder, labelIndex } from './labels';
import type {
  BenchmarkTableInfo,
  ColumnChoice,
  ColumnReason,
  MatchedRow,
  TableUpdateOptions,
  TableUpdateResult,
  TextChange,
} from './types';

type Edit = Omit<TextChange, 'outputStart' | 'outputEnd'>;

export function updateBenchmarkTable(readme: string, scores: Record<string, number>, options: TableUpdateOptions = {}): TableUpdateResult {
  const known = (options.benchmarks ?? Object.keys(scores)).filter((key) => key !== AVERAGE_KEY);
  const index = labelIndex([...known, ...Object.keys(scores).filter((key) => key !== AVERAGE_KEY)], options.aliases);
  const labelWords = [...index.keys()].map((label) => label.split('_'));
  const scanned = scanDocument(readme, { isRelevant: (tableText) => mayBeBenchmarkTable(tableText, labelWords) });
  const average = options.average !== undefined ? options.average : (scores[AVERAGE_KEY] ?? null);

  const tables: BenchmarkTableInfo[] = [];
  const matchedRows: MatchedRow[] = [];
  const rowsWithoutScore: string[] = [];
  const edits: Edit[] = [];
  const warnings: string[] = [];
  const named = new Set<string>();

  for (const table of scanned.tables) {
    const header = table.rows[0];
    if (!header) continue;
    const body = table.rows.slice(1);
    const columns = Math.max(header.cells.length, ...body.map((row) => row.cells.length));
    const keys = body.map((row) => row.cells.map((cell) => matchKey(cell.text, index)));

    const placeholders = countPerColumn(body, columns, (cell) => isPlaceholder(cell.text));
    const matches = countPerColumn(body, columns, (_cell, rowIndex, column) => keys[rowIndex]?.[column] != null);
    const placeholderTotal = placeholders.reduce((a, b) => a + b, 0);
    const matchTotal = matches.reduce((a, b) => a + b, 0);
    if (matchTotal === 0 && placeholderTotal === 0) continue;
    if (columns < 2) {
      warnings.push(`Line ${table.line}: the table names benchmarks but has no column for scores.`);
      continue;
    }

    // A column of placeholders, not a stray one left in another column after a first fill.
    const matchedBodyRows = keys.filter((row) => row.some((key) => key != null)).length;
    const placeholderColumns = placeholders.map((count) => (count >= Math.max(1, Math.ceil(matchedBodyRows / 2)) ? count : 0));
    const target = chooseTargetColumn(table, columns, placeholderColumns, options.column, options.modelName);
    if (target.warning) warnings.push(target.warning);
    const labelColumn = chooseLabelColumn(body, columns, matches, target.column);
    // Guessing "the last column" must not overwrite words (a dataset table's "Split" column, say): without
    // placeholders or an explicit choice, the column has to hold scores already.
    if (target.reason === 'last') {
      const wordy = body.find((row, rowIndex) => keys[rowIndex]?.[labelColumn] != null && !looksLikeScore(row.cells[target.column]?.text ?? ''));
      if (wordy) {
        warnings.push(
          `Line ${table.line}: the table names benchmarks, but its last column ("${header.cells[target.column]?.text ?? ''}") holds "${wordy.cells[target.column]?.text ?? ''}", not scores; ` +
            'choose the column to fill or put {RESULT} in its cells.',
        );
        continue;
      }
    }
    // Keeping pipes in their columns only matters (and is only attempted) when the author aligned them.
    const aligned = table.rows.every((row) => row.end - row.start === header.end - header.start);
    const tableIndex = tables.length;
    let matchedInTable = 0;

    body.forEach((row, rowIndex) => {
      const labelCell = row.cells[labelColumn];
      const label = labelCell?.text ?? '';
      const key = keys[rowIndex]?.[labelColumn] ?? null;
      if (!key) {
        // Group headings and blank spacer rows have no label of their own.
        if (label !== '') rowsWithoutScore.push(label);
        return;
      }
      matchedInTable++;
      named.add(key);
      const cell = row.cells[target.column];
      if (!cell) {
        warnings.push(`Line ${row.line}: the row "${label}" has no cell in column ${target.column + 1}; left as it is.`);
        return;
      }
      const value = key === AVERAGE_KEY ? average : scores[key];
      let changed = false;
      if (value === undefined || value === null) {
        rowsWithoutScore.push(label);
      } else if (!Number.isFinite(value)) {
        warnings.push(`The score for ${key} is ${formatScore(value)}; its cell was left as it is.`);
        rowsWithoutScore.push(label);
      } else {
        const edit = cellEdit(readme, cell, formatScore(value), table.align[target.column] ?? null, aligned);
        if (edit.before !== edit.after) {
          edits.push({ ...edit, benchmark: key });
          changed = true;
        }
      }
      matchedRows.push({ benchmark: key, label, line: row.line, table: tableIndex, cellStart: cell.contentStart, cellEnd: cell.contentEnd, changed });
    });

    tables.push({
      start: table.start,
      end: table.end,
      line: table.line,
      header: header.cells.map((cell) => cell.text),
      labelColumn,
      targetColumn: target.column,
      targetHeader: header.cells[target.column]?.text ?? '',
      columnReason: target.reason,
      matchedRows: matchedInTable,
    });
  }

  for (const region of scanned.skipped) {
    warnings.push(`Line ${region.line}: a table follows ${formatBytes(region.end - region.start)} of text without a blank line; it was not checked. Add a blank line before the table.`);
  }
  if (tables.length === 0 && Object.keys(scores).length > 0) warnings.push('No benchmark table found: no Markdown table outside code names any of the benchmarks.');
  const benchmarksWithoutRow = [...new Set(known)].filter((key) => !named.has(key));
  const { text, changes } = applyEdits(readme, edits);
  return { text, report: { tables, matchedRows, benchmarksWithoutRow, rowsWithoutScore, changes, warnings } };
}

/**
 * Whether a table's text could name a benchmark or hold a placeholder. Deliberately loose: it only spares the
 * parser tables that cannot matter, and runs on every table of the card, so ASCII text gets a plain substring
 * test of each label's words instead of canonicalisation.
 */
function mayBeBenchmarkTable(tableText: string, labelWords: string[][]): boolean {
  if (/\{[^}\n]*\}|<[A-Z][A-Z_]*>|\bTBD\b|\bTODO\b|\?/.test(tableText)) return true;
  const lower = tableText.toLowerCase();
  if (/avg|average|mean|overall|eval/.test(lower)) return true;
  if (/[^\t\n\r\u0020-\u007e]/.test(tableText)) {
    const canonical = `_${canonicalCell(tableText)}_`;
    return labelWords.some((words) => canonical.includes(`_${words.join('_')}_`));
  }
  return labelWords.some((words) => words.every((word) => lower.includes(word)));
}

/** Numbers (`0.5`, `45.2%`, `**0.61**`), dashes, `n/a` and the like: what a score column holds before filling. */
function looksLikeScore(text: string): boolean {
  const bare = text.replace(/^[*_`]+|[*_`]+$/g, '').trim();
  return bare === '' || isPlaceholder(bare) || /^(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?\s*%?|[-–—?]+|n\/?a|none|null|nan|tbd|todo|pending|not evaluated|not run)$/i.test(bare);
}

function matchKey(text: string, index: Map<string, string>): string | null {
  if (text === '') return null;
  const canonical = canonicalCell(text);
  if (canonical === '') return null;
  const direct = index.get(canonical);
  if (direct) return direct;
  // "GSM8K (5-shot)" names gsm8k.
  const withoutNotes = canonicalCell(text.replace(/\([^)]*\)|\[[^\]]*\]$/g, ''));
  if (withoutNotes && withoutNotes !== canonical) {
    const loose = index.get(withoutNotes);
    if (loose) return loose;
  }
  if (isAverageLabel(canonical) || (withoutNotes !== '' && isAverageLabel(withoutNotes))) return AVERAGE_KEY;
  return null;
}

function countPerColumn(
  rows: MarkdownTable['rows'],
  columns: number,
  predicate: (cell: TableCell, rowIndex: number, column: number) => boolean,
): number[] {
  const counts = new Array<number>(columns).fill(0);
  rows.forEach((row, rowIndex) =>
    row.cells.forEach((cell, column) => {
      if (predicate(cell, rowIndex, column)) counts[column] = (counts[column] ?? 0) + 1;
    }),
  );
  return counts;
}

function argmax(counts: number[], skip: number): number {
  let best = -1;
  counts.forEach((count, column) => {
    if (column !== skip && count > 0 && (best === -1 || count > (counts[best] ?? 0))) best = column;
  });
  return best;
}

function chooseTargetColumn(
  table: MarkdownTable,
  columns: number,
  placeholders: number[],
  choice: ColumnChoice | undefined,
  modelName: string | undefined,
): { column: number; reason: ColumnReason; warning?: string } {
  const header = table.rows[0]?.cells ?? [];
  if (typeof choice === 'number') {
    if (Number.isInteger(choice) && choice >= 0 && choice < columns) return { column: choice, reason: 'override' };
  } else if (typeof choice === 'string' && choice.trim() !== '') {
    const wanted = canonicalCell(choice);
    const exact = header.findIndex((cell) => canonicalCell(cell.text) === wanted);
    const partial = exact === -1 ? header.findIndex((cell) => canonicalCell(cell.text).includes(wanted)) : exact;
    if (partial !== -1) return { column: partial, reason: 'override' };
  }
  const fallback = chooseAutomatically(header, columns, placeholders, modelName);
  if (choice === undefined) return fallback;
  return { ...fallback, warning: `Line ${table.line}: no column matches "${String(choice)}"; using column ${fallback.column + 1} instead.` };
}

function chooseAutomatically(
  header: TableCell[],
  columns: number,
  placeholders: number[],
  modelName: string | undefined,
): { column: number; reason: ColumnReason } {
  const withPlaceholders = argmax(placeholders, -1);
  if (withPlaceholders !== -1) return { column: withPlaceholders, reason: 'placeholder' };
  if (modelName) {
    const names = [modelName, modelName.split('/').pop() ?? ''].map(canonicalCell).filter((name) => name !== '');
    const column = header.findIndex((cell) => {
      const text = canonicalCell(cell.text);
      // Whole words only: a model called "m" must not pick the "Benchmark" column.
      return text !== '' && names.some((name) => `_${text}_`.includes(`_${name}_`));
    });
    if (column !== -1) return { column, reason: 'model-name' };
  }
  return { column: columns - 1, reason: 'last' };
}

function chooseLabelColumn(body: MarkdownTable['rows'], columns: number, matches: number[], target: number): number {
  const byMatches = argmax(matches, target);
  if (byMatches !== -1) return byMatches;
  const filled = countPerColumn(body, columns, (cell) => cell.text !== '' && !isPlaceholder(cell.text));
  const byText = argmax(filled, target);
  return byText !== -1 ? byText : target === 0 ? 1 : 0;
}

/**
 * Replacement for one cell. Aligned tables stay aligned: when the old content was padded to a width, the
 * new content is padded (or the padding shortened) so the closing pipe keeps its column.
 */
function cellEdit(text: string, cell: TableCell, value: string, align: 'left' | 'right' | 'center' | null, aligned: boolean): Omit<Edit, 'benchmark'> {
  const { innerStart, innerEnd, contentStart, contentEnd } = cell;
  const closed = text.charCodeAt(innerEnd) === 124;
  const spacesOnly = (from: number, to: number) => /^ *$/.test(text.slice(from, to));

  if (!aligned) {
    if (contentStart !== contentEnd || !spacesOnly(innerStart, innerEnd)) return replace(text, contentStart, contentEnd, value);
    // An empty cell gets the usual one space each side of the value.
    if (innerEnd - innerStart <= 1) return replace(text, innerStart, innerEnd, closed ? ` ${value} ` : ` ${value}`);
    return replace(text, innerStart + 1, innerEnd, closed ? `${value} ` : value);
  }
  if (contentStart === contentEnd) {
    const width = innerEnd - innerStart;
    if (width === 0 || !spacesOnly(innerStart, innerEnd)) return replace(text, contentStart, contentEnd, value);
    if (width === 1) return replace(text, innerStart, innerEnd, closed ? ` ${value} ` : ` ${value}`);
    const rest = width - 1 - value.length;
    const padding = closed ? ' '.repeat(Math.max(1, rest)) : '';
    return replace(text, innerStart + 1, innerEnd, value + padding);
  }

  const delta = value.length - (contentEnd - contentStart);
  const lead = contentStart - innerStart;
  const trail = innerEnd - contentEnd;
  if (delta === 0 || !closed || !spacesOnly(innerStart, contentStart) || !spacesOnly(contentEnd, innerEnd)) return replace(text, contentStart, contentEnd, value);
  const padLeft = align === 'right';
  if (delta < 0) {
    const fill = ' '.repeat(-delta);
    return replace(text, contentStart, contentEnd, padLeft ? fill + value : value + fill);
  }
  // Longer: eat into the padding (the aligned side first), keeping one space next to each pipe.
  const first = Math.min(delta, Math.max(0, (padLeft ? lead : trail) - 1));
  const second = Math.min(delta - first, Math.max(0, (padLeft ? trail : lead) - 1));
  const fromLead = padLeft ? first : second;
  const fromTrail = padLeft ? second : first;
  return replace(text, contentStart - fromLead, contentEnd + fromTrail, value);
}

function replace(text: string, start: number, end: number, after: string): Omit<Edit, 'benchmark'> {
  return { start, end, before: text.slice(start, end), after };
}

/**
 * Where an input offset lands in the output. Offsets inside a changed range map to its output start (or end,
 * with `bias: 'end'`), so a selection around a cell keeps covering it.
 */
export function mapOffset(changes: readonly TextChange[], offset: number, bias: 'start' | 'end' = 'start'): number {
  let delta = 0;
  for (const change of changes) {
    if (offset < change.start || (offset === change.start && (change.start !== change.end || bias === 'start'))) break;
    if (offset < change.end) return bias === 'start' ? change.outputStart : change.outputEnd;
    delta = change.outputEnd - change.end;
  }
  return offset + delta;
}

/** Applies non-overlapping edits and records where each landed in the output. */
export function applyEdits(text: string, edits: Edit[]): { text: string; changes: TextChange[] } {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  const changes: TextChange[] = [];
  let cursor = 0;
  let delta = 0;
  for (const edit of sorted) {
    if (edit.start < cursor) continue; // the same cell reached twice (a table listed twice): first wins
    parts.push(text.slice(cursor, edit.start), edit.after);
    const outputStart = edit.start + delta;
    changes.push({ ...edit, outputStart, outputEnd: outputStart + edit.after.length });
    delta += edit.after.length - (edit.end - edit.start);
    cursor = edit.end;
  }
  parts.push(text.slice(cursor));
  return { text: parts.join(''), changes };
}
