/**
 * Keeping the benchmark table in step with the chosen checkpoint while the user edits the rest of the card.
 *
 * The user's text is the only source of truth: on every change of checkpoint the engine's
 * `updateBenchmarkTable` is run again on that text, so only table cells move. Two things make that safe:
 * - the column to fill is decided once, on the README as it came from disk (where `{RESULT}` placeholders
 *   still mark it), and passed as an override afterwards; without it the engine would fall back to the
 *   last column once the placeholders are gone, which may be a baseline's numbers;
 * - the cells the app filled are remembered as ranges (mapped through every edit), with what they held
 *   before, so they can be shown, and put back when the user moves the fill to another column.
 */
import {
  AVERAGE_KEY,
  updateBenchmarkTable,
  type ColumnChoice,
  type TableUpdateReport,
  type TextChange,
} from '../../../shared/modelcard';

/** A table cell the app wrote, as a range of the current text. */
export interface FilledCell {
  from: number;
  to: number;
  benchmark: string;
  /** What the cell held before the app first wrote it (the `{RESULT}` placeholder, an older score…). */
  original: string;
  /** What it held before the last change of checkpoint, when that change altered it. */
  previous: string | null;
}

export interface ScoresInput {
  scores: Record<string, number>;
  evalAccuracy: number | null;
  benchmarks: string[];
}

export interface AppliedTable {
  text: string;
  report: TableUpdateReport;
  cells: FilledCell[];
}

/** Maps a position of the input that no edit covers through the engine's edits. */
function mapThrough(changes: TextChange[], pos: number): number {
  let delta = 0;
  for (const change of changes) {
    if (change.end > pos) break;
    delta += change.after.length - (change.end - change.start);
  }
  return pos + delta;
}

/**
 * The column to fill, decided on the README as it came from disk: a single index when every benchmark
 * table agrees, else the header text, else the engine's own choice (undefined).
 */
export function detectColumn(original: string, input: ScoresInput): ColumnChoice | undefined {
  const { report } = updateBenchmarkTable(original, input.scores, {
    benchmarks: input.benchmarks,
    average: input.evalAccuracy,
  });
  const tables = report.tables;
  const first = tables[0];
  if (!first) return undefined;
  if (tables.every((t) => t.targetColumn === first.targetColumn)) return first.targetColumn;
  if (first.targetHeader.trim() && tables.every((t) => t.targetHeader === first.targetHeader))
    return first.targetHeader;
  return undefined;
}

/** Fills the table of `text` with the scores; `known` are the cells filled before (ranges of `text`). */
export function applyScores(
  text: string,
  input: ScoresInput,
  column: ColumnChoice | undefined,
  known: FilledCell[],
): AppliedTable {
  const result = updateBenchmarkTable(text, input.scores, {
    benchmarks: input.benchmarks,
    average: input.evalAccuracy,
    ...(column !== undefined ? { column } : {}),
  });
  const byStart = new Map<number, TextChange>();
  for (const change of result.report.changes) byStart.set(change.start, change);
  const cells: FilledCell[] = [];
  for (const row of result.report.matchedRows) {
    const change =
      byStart.get(row.cellStart) ??
      result.report.changes.find((c) => c.start <= row.cellStart && c.end >= row.cellEnd);
    const value = row.benchmark === AVERAGE_KEY ? input.evalAccuracy : input.scores[row.benchmark];
    if (value === undefined || value === null || !Number.isFinite(value)) continue;
    const from = change ? change.outputStart : mapThrough(result.report.changes, row.cellStart);
    const to = change ? change.outputEnd : mapThrough(result.report.changes, row.cellEnd);
    const before = text.slice(row.cellStart, row.cellEnd);
    const earlier = known.find((k) => k.from <= row.cellEnd && k.to >= row.cellStart);
    cells.push({
      from,
      to,
      benchmark: row.benchmark,
      original: earlier ? earlier.original : before,
      previous: row.changed ? before : null,
    });
  }
  return { text: result.text, report: result.report, cells };
}

/**
 * Puts back what the filled cells held before the app wrote them, for cells the user has not changed
 * since: used when the fill moves to another column.
 */
export function revertCells(
  text: string,
  cells: FilledCell[],
  written: (cell: FilledCell) => boolean,
): { text: string } {
  let out = text;
  for (const cell of [...cells].sort((a, b) => b.from - a.from)) {
    if (!written(cell)) continue;
    out = out.slice(0, cell.from) + cell.original + out.slice(cell.to);
  }
  return { text: out };
}
