/**
 * The Markdown editor of the card (CodeMirror 6). The cells the app filled are marked in the text; the
 * marks move with the user's edits, and the store learns their new places from here.
 */
import { markdown } from '@codemirror/lang-markdown';
import { yamlFrontmatter } from '@codemirror/lang-yaml';
import CodeMirror, {
  Annotation,
  Decoration,
  ExternalChange,
  EditorState,
  oneDark,
  Prec,
  EditorView,
  StateEffect,
  StateField,
  Transaction,
  type DecorationSet,
  type Extension,
  type Range,
  type ViewUpdate,
} from '@uiw/react-codemirror';
import { useEffect, useMemo, useRef, useState } from 'react';
import { attachEditor, cardStore, editorChanged } from '../../state/card';
import type { FilledCell } from '../../card/live-table';
import { useColorScheme } from './useColorScheme';

/** Marks a transaction as the app's (a new checkpoint's scores), not the user's typing. */
const appChange = Annotation.define<boolean>();
const setCells = StateEffect.define<FilledCell[]>();

/**
 * CodeMirror counts a line break as one position whatever the separator; the store and the engine count
 * string offsets, where `\r\n` is two. CRLF cards keep their separator (see lineSeparatorFor), so
 * positions are converted at the boundary.
 */
function toEditorPos(state: EditorState, offset: number): number {
  const extra = state.lineBreak.length - 1;
  if (extra === 0) return offset;
  const doc = state.doc;
  let lo = 1;
  let hi = doc.lines;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (doc.line(mid).from + (mid - 1) * extra <= offset) lo = mid;
    else hi = mid - 1;
  }
  const line = doc.line(lo);
  return Math.min(line.to, offset - (lo - 1) * extra);
}

function toTextOffset(state: EditorState, pos: number): number {
  const extra = state.lineBreak.length - 1;
  return extra === 0 ? pos : pos + (state.doc.lineAt(pos).number - 1) * extra;
}

/** CRLF cards stay CRLF: without this CodeMirror would write every line break back as `\n`. */
function lineSeparatorFor(text: string): Extension {
  const crlf = text.split('\r\n').length - 1;
  const lf = text.split('\n').length - 1;
  return crlf > 0 && crlf === lf ? EditorState.lineSeparator.of('\r\n') : [];
}

function cellDecorations(cells: FilledCell[], state: EditorState): DecorationSet {
  const ranges: Range<Decoration>[] = [];
  const docLength = state.doc.length;
  for (const textCell of cells) {
    const cell = {
      ...textCell,
      from: toEditorPos(state, textCell.from),
      to: toEditorPos(state, textCell.to),
    };
    if (cell.from >= cell.to || cell.to > docLength) continue;
    const changed = cell.previous !== null;
    ranges.push(
      Decoration.mark({
        class: changed ? 'card-cm-cell card-cm-cell--changed' : 'card-cm-cell',
        attributes: {
          title: changed
            ? `Filled by Hub Publisher (was ${cell.previous?.trim() || 'empty'})`
            : 'Filled by Hub Publisher',
        },
        cell,
      }).range(cell.from, cell.to),
    );
  }
  return Decoration.set(ranges, true);
}

const cellField = StateField.define<DecorationSet>({
  create: (state) => cellDecorations(cardStore.get().cells, state),
  update(value, tr) {
    for (const effect of tr.effects) if (effect.is(setCells)) return cellDecorations(effect.value, tr.state);
    // A whole-document replacement from the value prop: the store already holds the text and its cells.
    if (tr.annotation(ExternalChange)) return cellDecorations(cardStore.get().cells, tr.state);
    return value.map(tr.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});

function cellsOf(state: EditorState): FilledCell[] {
  const cells: FilledCell[] = [];
  state.field(cellField).between(0, state.doc.length, (from, to, deco) => {
    const cell = (deco.spec as { cell?: FilledCell }).cell;
    if (cell) cells.push({ ...cell, from: toTextOffset(state, from), to: toTextOffset(state, to) });
  });
  return cells;
}

const syncToStore = EditorView.updateListener.of((update: ViewUpdate) => {
  if (!update.docChanged || update.transactions.some((tr) => tr.annotation(ExternalChange))) return;
  const byUser = update.transactions.some((tr) => tr.docChanged && !tr.annotation(appChange));
  // sliceDoc joins lines with the document's own separator (doc.toString() would always use \n).
  editorChanged(update.state.sliceDoc(), cellsOf(update.state), byUser);
});

function editorTheme(dark: boolean): Extension {
  // One Dark brings syntax colours that read on a dark background; the app's own colours win over its chrome.
  return [dark ? oneDark : [], Prec.highest(appTheme(dark))];
}

function appTheme(dark: boolean): Extension {
  return EditorView.theme(
    {
      '&': { height: '100%', backgroundColor: 'var(--surface)', color: 'var(--text)', fontSize: '13px' },
      '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', lineHeight: '1.55' },
      '.cm-content': { caretColor: 'var(--text)', padding: '10px 0' },
      '.cm-gutters': {
        backgroundColor: 'var(--surface-2)',
        color: 'var(--muted)',
        borderRight: '1px solid var(--border)',
      },
      '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent) 6%, transparent)' },
      '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 14%, transparent)' },
      '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
        backgroundColor: 'color-mix(in srgb, var(--accent) 30%, transparent) !important',
      },
      '&.cm-focused': { outline: 'none' },
      '.cm-cursor': { borderLeftColor: 'var(--text)' },
    },
    { dark },
  );
}

/** Hoisted: @uiw/react-codemirror reconfigures the whole editor whenever this object's identity changes. */
const BASIC_SETUP = {
  autocompletion: false,
  closeBrackets: false,
  // Both walk the visible lines on every keystroke; a long card types noticeably faster without them.
  foldGutter: false,
  highlightSelectionMatches: false,
} as const;

export function CardEditor() {
  const scheme = useColorScheme();
  // @uiw/react-codemirror replaces the whole document whenever `value` differs from doc.toString(), which
  // joins lines with \n whatever the separator; so it gets the text in that form. Read, not subscribed: the
  // document leads and the store follows it synchronously, so they are equal whenever this renders, and a
  // keystroke does not re-render the editor component at all.
  const value = cardStore.get().text ?? '';
  const comparable = value.includes('\r\n') ? value.replaceAll('\r\n', '\n') : value;
  const viewRef = useRef<EditorView | null>(null);
  const [separator] = useState(() => lineSeparatorFor(cardStore.get().text ?? ''));

  const extensions = useMemo(
    () => [
      separator,
      // The front matter is YAML: its `# TODO` lines are comments, not Markdown headings.
      yamlFrontmatter({ content: markdown() }),
      EditorView.lineWrapping,
      cellField,
      syncToStore,
      EditorView.contentAttributes.of({ 'aria-label': 'Model card editor', 'aria-multiline': 'true' }),
    ],
    [separator],
  );
  const theme = useMemo(() => editorTheme(scheme === 'dark'), [scheme]);

  useEffect(
    () =>
      attachEditor({
        apply(changes, cells) {
          const view = viewRef.current;
          if (!view) return false;
          const state = view.state;
          view.dispatch({
            changes: changes.map((c) => ({
              from: toEditorPos(state, c.from),
              to: toEditorPos(state, c.to),
              insert: c.insert,
            })),
            effects: setCells.of(cells),
            // The scores are the app's to change: undo steps only through the user's own edits.
            annotations: [appChange.of(true), Transaction.addToHistory.of(false)],
          });
          return true;
        },
        reveal(offset) {
          const view = viewRef.current;
          if (!view) return;
          const pos = Math.min(toEditorPos(view.state, offset), view.state.doc.length);
          view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
          view.focus();
        },
      }),
    [],
  );

  return (
    // The document is loaded (with its own line separator) once the view exists and is the source from then
    // on: the store follows it (syncToStore) and app changes come in through the bridge.
    <CodeMirror
      className="card-editor__cm"
      value={comparable}
      height="100%"
      theme={theme}
      extensions={extensions}
      indentWithTab={false}
      basicSetup={BASIC_SETUP}
      onCreateEditor={(view) => {
        viewRef.current = view;
        const { text, cells } = cardStore.get();
        view.dispatch({
          changes: { from: 0, to: view.state.doc.length, insert: text ?? '' },
          effects: setCells.of(cells),
          annotations: [appChange.of(true), Transaction.addToHistory.of(false)],
        });
      }}
    />
  );
}
