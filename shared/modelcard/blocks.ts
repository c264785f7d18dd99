/**
 * Where the tables and the code are in a README.
 *
 * The Markdown parser (micromark via mdast-util-from-markdown) is the authority on what is a table, but it is
 * far too slow to run over a whole large README on every keystroke (tens of seconds for 1 MB here). So a cheap
 * line scan finds the lines that could be a table's delimiter row outside fenced code and HTML comments,
 * and the parser runs only on a slice around each: from the nearest earlier line where block parsing is known
 * to restart from scratch (an unindented line after a blank line, outside code) to the blank line that ends
 * the table. What the parser reports inside a slice is what it would report for the whole document.
 */
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

export interface FrontMatterRange {
  /** Offset of the opening `---`. */
  start: number;
  /** Offset just after the closing fence line, line ending included. */
  end: number;
  /** The YAML text between the fences. */
  contentStart: number;
  contentEnd: number;
}

export interface DocumentLayout {
  hasBom: boolean;
  frontMatter: FrontMatterRange | null;
  /** Where the Markdown body starts (after the BOM and the front matter). */
  bodyStart: number;
}

const BOM = '\uFEFF';

/** Front matter as the Hub reads it: `---` on the first line, closed by the next `---` line. */
export function documentLayout(text: string): DocumentLayout {
  const hasBom = text.startsWith(BOM);
  const start = hasBom ? 1 : 0;
  const firstEnd = lineEnd(text, start);
  if (!/^---[ \t]*\r?$/.test(text.slice(start, firstEnd))) return { hasBom, frontMatter: null, bodyStart: start };
  let lineStart = nextLine(text, firstEnd);
  while (lineStart < text.length) {
    const end = lineEnd(text, lineStart);
    if (/^---[ \t]*\r?$/.test(text.slice(lineStart, end))) {
      const after = nextLine(text, end);
      return {
        hasBom,
        frontMatter: { start, end: after, contentStart: nextLine(text, firstEnd), contentEnd: lineStart },
        bodyStart: after,
      };
    }
    lineStart = nextLine(text, end);
  }
  // An unclosed `---` is not front matter to the Hub either; the whole file is Markdown.
  return { hasBom, frontMatter: null, bodyStart: start };
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

function nextLine(text: string, end: number): number {
  return end < text.length ? end + 1 : text.length;
}

export interface TableCell {
  /** The cell between its pipes (padding included). */
  innerStart: number;
  innerEnd: number;
  /** The cell's content without padding; equal when the cell is empty. */
  contentStart: number;
  contentEnd: number;
  text: string;
}

export interface TableRow {
  line: number;
  start: number;
  end: number;
  cells: TableCell[];
}

export interface MarkdownTable {
  start: number;
  end: number;
  line: number;
  align: ('left' | 'right' | 'center' | null)[];
  /** rows[0] is the header row. */
  rows: TableRow[];
}

export interface ScannedDocument {
  layout: DocumentLayout;
  tables: MarkdownTable[];
  /** Fenced code blocks and HTML comments / raw blocks (`<pre>`, `<script>`…), unclosed ones to the end. */
  codeRanges: { start: number; end: number }[];
  /** Table regions not parsed because they exceed `maxSliceChars`. */
  skipped: { start: number; end: number; line: number }[];
}

type ScanState = { kind: 'normal' } | { kind: 'fence'; char: number; length: number } | { kind: 'html'; end: RegExp };

const BACKTICK = 96;
const TILDE = 126;
const SPACE = 32;
const TAB = 9;
const CR = 13;

const HTML_RAW_START = /^ {0,3}<(script|pre|style|textarea)(?:[\s>]|$)/i;

function htmlBlockEnd(line: string): RegExp | null {
  const raw = HTML_RAW_START.exec(line);
  if (raw) return new RegExp(`</${raw[1]}>`, 'i');
  const trimmed = line.replace(/^ {0,3}/, '');
  if (trimmed.startsWith('<!--')) return /-->/;
  if (trimmed.startsWith('<?')) return /\?>/;
  if (trimmed.startsWith('<![CDATA[')) return /\]\]>/;
  if (/^<![A-Za-z]/.test(trimmed)) return />/;
  return null;
}

function indentOf(text: string, start: number, end: number): number {
  let column = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === SPACE) column++;
    else if (code === TAB) column += 4 - (column % 4);
    else break;
  }
  return column;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code !== SPACE && code !== TAB && code !== CR) return false;
  }
  return true;
}

/** Only `|`, `-`, `:`, blanks and blockquote `>`; at least one pipe and one dash. */
function couldBeDelimiterRow(text: string, start: number, end: number): boolean {
  let pipe = false;
  let dash = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 124) pipe = true;
    else if (code === 45) dash = true;
    else if (code !== 58 && code !== SPACE && code !== TAB && code !== CR && code !== 62) return false;
  }
  return pipe && dash;
}

/** Fence opening on this line, if any: the fence character and run length. */
function fenceOpening(text: string, start: number, end: number): { char: number; length: number } | null {
  const indent = indentOf(text, start, end);
  if (indent > 3) return null;
  let i = start;
  while (i < end && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
  const char = text.charCodeAt(i);
  if (char !== BACKTICK && char !== TILDE) return null;
  let length = 0;
  while (i < end && text.charCodeAt(i) === char) {
    i++;
    length++;
  }
  if (length < 3) return null;
  // A backtick fence's info string may not contain backticks (it would be inline code instead).
  if (char === BACKTICK && text.slice(i, end).includes('`')) return null;
  return { char, length };
}

function closesFence(text: string, start: number, end: number, fence: { char: number; length: number }): boolean {
  if (indentOf(text, start, end) > 3) return false;
  let i = start;
  while (i < end && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
  let length = 0;
  while (i < end && text.charCodeAt(i) === fence.char) {
    i++;
    length++;
  }
  return length >= fence.length && isBlank(text, i, end);
}

interface Slice {
  start: number;
  end: number;
  firstLine: number;
  /** Start of the header row of the (first) table in the slice. */
  headerStart: number;
}

/** Tables (as the GFM parser sees them) and code regions of a README. */
export interface ScanOptions {
  /**
   * Cheap pre-filter on a candidate table's text (header row to the end of the table): only tables it accepts
   * are parsed. Parsing is the costly part, and a large card has many tables that are not benchmark tables.
   */
  isRelevant?: (tableText: string) => boolean;
  /**
   * Largest region parsed for one table. The parser slows down badly on large inputs, and a region this big
   * (no blank line before the table for pages) is not a benchmark table anyone maintains; it is reported
   * in `skipped` instead of freezing the live preview.
   */
  maxSliceChars?: number;
}

export const DEFAULT_MAX_SLICE_CHARS = 256 * 1024;

export function scanDocument(text: string, options: ScanOptions = {}): ScannedDocument {
  const layout = documentLayout(text);
  const codeRanges: { start: number; end: number }[] = [];
  const slices: Slice[] = [];

  let state: ScanState = { kind: 'normal' };
  let regionStart = 0;
  let previousBlank = true;
  let previousStart = -1;
  let safeStart = layout.bodyStart;
  let safeLine = lineNumberAt(text, layout.bodyStart);
  let line = safeLine;
  let pending: Slice | null = null;

  let start = layout.bodyStart;
  while (start < text.length) {
    const end = lineEnd(text, start);
    const blank = isBlank(text, start, end);

    if (state.kind === 'fence') {
      if (closesFence(text, start, end, state)) {
        codeRanges.push({ start: regionStart, end });
        state = { kind: 'normal' };
      }
    } else if (state.kind === 'html') {
      if (state.end.test(text.slice(start, end))) {
        codeRanges.push({ start: regionStart, end });
        state = { kind: 'normal' };
      }
    } else {
      const first = text.charCodeAt(start);
      if (previousBlank && !blank && first !== SPACE && first !== TAB) {
        safeStart = start;
        safeLine = line;
      }
      if (pending && blank) {
        pending.end = start;
        slices.push(pending);
        pending = null;
      }
      const fence = blank ? null : fenceOpening(text, start, end);
      if (fence) {
        state = { kind: 'fence', ...fence };
        regionStart = start;
      } else {
        let firstNonSpace = start;
        while (firstNonSpace < end && firstNonSpace - start < 4 && text.charCodeAt(firstNonSpace) === SPACE) firstNonSpace++;
        const htmlEnd = text.charCodeAt(firstNonSpace) === 60 ? htmlBlockEnd(text.slice(start, end)) : null;
        if (htmlEnd) {
          const lineText = text.slice(start, end);
          const opener = lineText.indexOf('<');
          // A comment or raw block may close on its own first line.
          if (htmlEnd.test(lineText.slice(opener + (lineText.startsWith('<!--', opener) ? 4 : 2)))) {
            codeRanges.push({ start, end });
          } else {
            state = { kind: 'html', end: htmlEnd };
            regionStart = start;
          }
        } else if (previousStart >= 0 && !previousBlank && couldBeDelimiterRow(text, start, end)) {
          // Lines between here and the next blank line still belong to the same slice.
          if (pending) pending.end = end;
          else pending = { start: safeStart, end, firstLine: safeLine, headerStart: previousStart };
        }
      }
    }
    if (pending && state.kind !== 'normal') {
      // A fence or raw HTML block ends a table.
      pending.end = start;
      slices.push(pending);
      pending = null;
    }
    previousBlank = blank;
    previousStart = start;
    start = nextLine(text, end);
    line++;
  }
  if (pending) {
    pending.end = text.length;
    slices.push(pending);
  }
  if (state.kind !== 'normal') codeRanges.push({ start: regionStart, end: text.length });

  const relevant = options.isRelevant ? slices.filter((slice) => options.isRelevant?.(text.slice(slice.headerStart, slice.end))) : slices;
  const tables: MarkdownTable[] = [];
  const skipped: ScannedDocument['skipped'] = [];
  const limit = options.maxSliceChars ?? DEFAULT_MAX_SLICE_CHARS;
  for (const slice of mergeSlices(relevant)) {
    if (slice.end - slice.start > limit) skipped.push({ start: slice.start, end: slice.end, line: slice.firstLine });
    else tables.push(...parseTables(text, slice));
  }
  return { layout, tables, codeRanges, skipped };
}

function mergeSlices(slices: Slice[]): Slice[] {
  const merged: Slice[] = [];
  for (const slice of [...slices].sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last && slice.start <= last.end) last.end = Math.max(last.end, slice.end);
    else merged.push({ ...slice });
  }
  return merged;
}

/** 1-based line of an offset; only used for slice starts, so a plain count is fine. */
function lineNumberAt(text: string, offset: number): number {
  let line = 1;
  let i = text.indexOf('\n');
  while (i !== -1 && i < offset) {
    line++;
    i = text.indexOf('\n', i + 1);
  }
  return line;
}

interface PositionedNode {
  type: string;
  position?: { start: { offset?: number; line: number }; end: { offset?: number } };
  children?: PositionedNode[];
  align?: ('left' | 'right' | 'center' | null)[] | null;
}

// The live preview re-runs the update on every keystroke, and a keystroke changes at most one slice: parses
// of unchanged slices are reused. Keyed by the slice text, results relative to the slice.
const PARSE_CACHE_LIMIT = 64;
const parseCache = new Map<string, MarkdownTable[]>();
const MARKDOWN_OPTIONS = { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] };

function parseTables(text: string, slice: Slice): MarkdownTable[] {
  const source = text.slice(slice.start, slice.end);
  let relative = parseCache.get(source);
  if (relative) {
    parseCache.delete(source);
  } else {
    relative = parseSource(source);
  }
  parseCache.set(source, relative);
  if (parseCache.size > PARSE_CACHE_LIMIT) parseCache.delete(parseCache.keys().next().value ?? '');
  return relative.map((table) => shiftTable(table, slice.start, slice.firstLine - 1));
}

function parseSource(source: string): MarkdownTable[] {
  const tree = fromMarkdown(source, MARKDOWN_OPTIONS) as PositionedNode;
  const tables: MarkdownTable[] = [];
  const visit = (node: PositionedNode): void => {
    if (node.type === 'table') {
      const table = toTable(source, node);
      if (table) tables.push(table);
      return;
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(tree);
  return tables;
}

function shiftTable(table: MarkdownTable, offset: number, lines: number): MarkdownTable {
  return {
    start: table.start + offset,
    end: table.end + offset,
    line: table.line + lines,
    align: table.align,
    rows: table.rows.map((row) => ({
      line: row.line + lines,
      start: row.start + offset,
      end: row.end + offset,
      cells: row.cells.map((cell) => ({
        innerStart: cell.innerStart + offset,
        innerEnd: cell.innerEnd + offset,
        contentStart: cell.contentStart + offset,
        contentEnd: cell.contentEnd + offset,
        text: cell.text,
      })),
    })),
  };
}

function toTable(text: string, node: PositionedNode): MarkdownTable | null {
  const position = node.position;
  if (position?.start.offset === undefined || position.end.offset === undefined) return null;
  const rows: TableRow[] = [];
  for (const rowNode of node.children ?? []) {
    const rowPosition = rowNode.position;
    if (rowPosition?.start.offset === undefined || rowPosition.end.offset === undefined) continue;
    const cellNodes = rowNode.children ?? [];
    const cells: TableCell[] = [];
    cellNodes.forEach((cellNode, index) => {
      const cellPosition = cellNode.position;
      if (cellPosition?.start.offset === undefined || cellPosition.end.offset === undefined) return;
      cells.push(toCell(text, cellPosition.start.offset, cellPosition.end.offset, index === cellNodes.length - 1));
    });
    rows.push({ line: rowPosition.start.line, start: rowPosition.start.offset, end: rowPosition.end.offset, cells });
  }
  return { start: position.start.offset, end: position.end.offset, line: position.start.line, align: node.align ?? [], rows };
}

/** The parser's cell spans its leading pipe (and, for the last cell, the closing pipe); strip those. */
function toCell(text: string, start: number, end: number, last: boolean): TableCell {
  let innerStart = start;
  let innerEnd = end;
  if (text.charCodeAt(innerStart) === 124) innerStart++;
  if (last && innerEnd > innerStart && text.charCodeAt(innerEnd - 1) === 124 && !escaped(text, innerEnd - 1, innerStart)) innerEnd--;
  let contentStart = innerStart;
  let contentEnd = innerEnd;
  while (contentStart < contentEnd && isPadding(text.charCodeAt(contentStart))) contentStart++;
  while (contentEnd > contentStart && isPadding(text.charCodeAt(contentEnd - 1))) contentEnd--;
  return { innerStart, innerEnd, contentStart, contentEnd, text: text.slice(contentStart, contentEnd) };
}

function isPadding(code: number): boolean {
  return code === SPACE || code === TAB || code === CR;
}

function escaped(text: string, index: number, floor: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= floor && text.charCodeAt(i) === 92; i--) backslashes++;
  return backslashes % 2 === 1;
}
