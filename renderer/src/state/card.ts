/**
 * The model card being prepared for the chosen checkpoint. The Model card screen owns this store; the
 * Publish screen reads `text` (what will be uploaded as README.md).
 *
 * The card follows the chosen checkpoint even while another screen is open: the store listens to the
 * evaluation store itself, so Publish never uploads a table that belongs to another checkpoint. The user's
 * text is never replaced when the checkpoint changes, only the table cells in it (see live-table.ts).
 */
import type { CardContext } from '../../../shared/ipc/contract';
import { generateModelCard, type CardInput, type ColumnChoice, type ModelConfig, type TableUpdateReport, type TrainerState } from '../../../shared/modelcard';
import type { AppErrorData } from '../../../shared/result';
import type { CheckpointEvaluation, EvaluationReport } from '../../../shared/types';
import { api } from '../api';
import { applyScores, detectColumn, revertCells, type FilledCell, type ScoresInput } from '../card/live-table';
import { rebaseGenerated, singleChange } from '../card/rebase';
import { cardOutputs, DEFAULT_EVAL_OPTIONS, type CardOutputs, type EvalOptions } from '../card/eval-outputs';
import { formatScore } from '../../../shared/format';
import type { HubBenchmarkDataset } from '../../../shared/modelcard';
import { chosenCheckpoint, evaluationStore } from './evaluation';
import { createStore } from './store';
import { onWorkspaceOpened, workspaceStore } from './workspace';

export interface CardState {
  /** The workspace README as it is on disk, or null when there is none (a card is generated). */
  original: string | null;
  /** The card that will be published, with the chosen checkpoint's scores and the user's edits. */
  text: string | null;
  /** Workspace the card belongs to. */
  root: string | null;
  /** Where the README lives, relative to the root (images are resolved from its folder). */
  readmePath: string | null;
  context: CardContext | null;
  loading: boolean;
  error: AppErrorData | null;
  /** The checkpoint whose scores are in the table. */
  checkpoint: string | null;
  /** Column of the benchmark table(s) that receives the scores; undefined lets the engine choose. */
  column: ColumnChoice | undefined;
  columnByUser: boolean;
  /** What the engine reported on the last fill (tables, unmatched rows and benchmarks, warnings). */
  report: TableUpdateReport | null;
  /** Cells the app filled, as ranges of `text`, kept in place through the user's edits. */
  cells: FilledCell[];
  /** Counts table fills, so views can tell a fill from a keystroke. */
  fills: number;
  /** Whether the user has changed the text since it was loaded or generated. */
  edited: boolean;
  /** Set when there is no README and the card is written by the engine. */
  generated: GeneratedCard | null;
  /** Which evaluation metadata the card carries besides the table, and the user's mappings and values. */
  evalOptions: EvalOptions;
}

/** What the user can set for a generated card; everything else comes from the workspace. */
export interface GeneratorOptions {
  systemPrompt: string;
  /** As typed; blank leaves a marked placeholder in the card. */
  temperature: string;
  license: string;
  contact: string;
}

export interface GeneratedCard {
  options: GeneratorOptions;
  repoId: string;
  /** The card as the engine last wrote it: what the user's edits are measured against. */
  text: string;
  /** What the engine could not know and left marked for the user. */
  todo: string[];
  /** Parts of a newer generated card not applied because the user had rewritten them. */
  skipped: number;
}

export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = { systemPrompt: '', temperature: '', license: '', contact: '' };

/** No card: before a workspace is open, and again whenever another one opens. */
const NO_CARD: Omit<CardState, 'fills'> = {
  original: null,
  text: null,
  root: null,
  readmePath: null,
  context: null,
  loading: false,
  error: null,
  checkpoint: null,
  column: undefined,
  columnByUser: false,
  report: null,
  cells: [],
  edited: false,
  generated: null,
  evalOptions: DEFAULT_EVAL_OPTIONS,
};

export const cardStore = createStore<CardState>({ ...NO_CARD, fills: 0 });

/**
 * The mounted editor, when there is one. Changes made by the app (a new checkpoint's scores) go through it
 * as precise edits, so the user's cursor, selection and undo history stay where they were.
 */
export interface EditorBridge {
  /** False when the editor cannot take the change now (not created yet); the store then takes it directly. */
  apply(changes: { from: number; to: number; insert: string }[], cells: FilledCell[]): boolean;
}
let editor: EditorBridge | null = null;

export function attachEditor(bridge: EditorBridge): () => void {
  editor = bridge;
  return () => {
    if (editor === bridge) editor = null;
  };
}

/** Called by the editor for every change of its document, the user's or the app's. */
export function editorChanged(text: string, cells: FilledCell[], byUser: boolean): void {
  cardStore.set((s) => ({ text, cells, edited: s.edited || byUser }));
  if (byUser) scheduleDraftSave();
}

function replaceText(text: string, changes: { from: number; to: number; insert: string }[] | null, cells: FilledCell[]): void {
  const current = cardStore.get().text;
  if (editor && current !== null) editor.apply(changes ?? [{ from: 0, to: current.length, insert: text }], cells);
  // The editor reports document changes itself; a fill that changed no character still brings new cells.
  cardStore.set({ text, cells });
}

function scoresOf(report: EvaluationReport, checkpoint: CheckpointEvaluation): ScoresInput {
  return { scores: checkpoint.scores, evalAccuracy: checkpoint.evalAccuracy, benchmarks: report.benchmarks };
}

/** Fills the table of the current text with the chosen checkpoint's scores. */
function fillTable(): void {
  const state = cardStore.get();
  const evaluation = evaluationStore.get();
  const checkpoint = chosenCheckpoint(evaluation);
  if (state.text === null || !evaluation.report || !checkpoint) return;
  lastFillKey = fillKey(evaluation.report, checkpoint);
  const input = scoresOf(evaluation.report, checkpoint);
  // Decided on the README from disk, where the placeholders still say which column is meant.
  const column = state.column === undefined && !state.columnByUser && state.original !== null ? detectColumn(state.original, input) : state.column;
  const applied = applyScores(state.text, input, column, state.cells);
  const changes = applied.report.changes.map((c) => ({ from: c.start, to: c.end, insert: c.after }));
  replaceText(applied.text, changes, applied.cells);
  cardStore.set((s) => ({ report: applied.report, checkpoint: checkpoint.name, column, fills: s.fills + 1 }));
}

/** `owner/name` for a generated card: the Publish screen's, once the card screen has linked to it. */
let repoIdSource: () => string = () => '';

/** Called by the card screen's module with a reader of the Publish screen's repository name. */
export function linkRepoId(source: () => string): void {
  repoIdSource = source;
}

function repoIdFor(root: string | null): string {
  const fromPublish = repoIdSource().trim();
  if (fromPublish.includes('/')) return fromPublish;
  const folder = (root ?? '').split(/[\\/]/).filter(Boolean).pop() ?? 'model';
  return `your-username/${fromPublish || folder}`;
}

function cardInput(options: GeneratorOptions, repoId: string): CardInput | null {
  const state = cardStore.get();
  const evaluation = evaluationStore.get();
  const report = evaluation.report;
  const chosen = chosenCheckpoint(evaluation);
  if (!report || !chosen) return null;
  const temperature = options.temperature.trim() === '' ? null : Number(options.temperature);
  const step = workspaceStore.get().scan?.checkpoints.find((c) => c.name === chosen.name)?.step ?? chosen.step;
  return {
    repoId,
    checkpoint: { name: chosen.name, step },
    scores: chosen.scores,
    evalAccuracy: chosen.evalAccuracy,
    bestReason: evaluation.picked && evaluation.picked !== report.best ? `Picked by hand over the best checkpoint (${report.best ?? 'none'}).` : report.bestReason,
    benchmarks: report.benchmarks,
    config: (state.context?.config ?? null) as ModelConfig | null,
    trainerState: (state.context?.trainerState ?? null) as TrainerState | null,
    license: options.license.trim() || null,
    systemPrompt: options.systemPrompt.trim() ? options.systemPrompt : null,
    temperature: temperature !== null && Number.isFinite(temperature) ? temperature : null,
    contact: options.contact.trim() || null,
  };
}

/**
 * Writes the card again from the workspace and the options. Untouched, the card is simply replaced; once
 * the user has edited it, only the blocks that changed between the two generated versions and still read
 * as generated in the user's text are updated.
 */
function regenerate(options?: GeneratorOptions): void {
  const state = cardStore.get();
  const previous = state.generated;
  const nextOptions = options ?? previous?.options ?? DEFAULT_GENERATOR_OPTIONS;
  const repoId = repoIdFor(state.root);
  const input = cardInput(nextOptions, repoId);
  if (!input) return;
  const card = generateModelCard(input);
  let skipped = 0;
  if (state.text === null || !previous || !state.edited) {
    const change = state.text !== null ? singleChange(state.text, card.text) : null;
    if (state.text === null || change) replaceText(card.text, change ? [change] : null, []);
  } else {
    const rebased = rebaseGenerated(state.text, previous.text, card.text);
    skipped = rebased.skipped;
    const change = singleChange(state.text, rebased.text);
    if (change) replaceText(rebased.text, [change], state.cells);
  }
  cardStore.set({ generated: { options: nextOptions, repoId, text: card.text, todo: card.todo, skipped } });
}

/** The system prompt, temperature, license or contact of a generated card changed. */
export function setGeneratorOptions(patch: Partial<GeneratorOptions>): void {
  const generated = cardStore.get().generated;
  if (!generated) return;
  regenerate({ ...generated.options, ...patch });
  scheduleDraftSave();
}

/** The Publish screen's repository name changed: a generated card names it (links, usage snippet). */
export function repoIdChanged(): void {
  const { generated, root } = cardStore.get();
  if (generated && generated.text && generated.repoId !== repoIdFor(root)) {
    regenerate();
    fillTable();
  }
}

/** Throws away the user's edits to a generated card and writes it afresh. */
export function regenerateFromScratch(): void {
  cardStore.set({ edited: false });
  regenerate();
  fillTable();
  scheduleDraftSave();
}

let loadToken = 0;

async function loadCard(root: string, checkpoint: string): Promise<void> {
  const token = ++loadToken;
  cardStore.set({ loading: true, error: null });
  const result = await api.card.context({ root, checkpoint });
  if (token !== loadToken) return;
  if (!result.ok) {
    cardStore.set({ loading: false, error: result.error });
    return;
  }
  const context = result.value;
  const original = context.readme;
  const draft = readDraft(root, original);
  cardStore.set({
    root,
    context,
    original,
    readmePath: context.readmePath,
    loading: false,
    text: draft?.text ?? original,
    cells: draft?.cells ?? [],
    column: draft?.column,
    columnByUser: draft?.columnByUser ?? false,
    edited: draft !== null && (original !== null || draft.text !== draft.generated?.text),
    checkpoint: null,
    report: null,
    generated: null,
  });
  if (original === null) {
    loadedFor = checkpoint;
    cardStore.set({ generated: draft?.generated ?? { options: DEFAULT_GENERATOR_OPTIONS, repoId: '', text: '', todo: [], skipped: 0 } });
    regenerate();
  }
  fillTable();
}

/** The checkpoint whose config and training log the generated card was written from. */
let loadedFor: string | null = null;

/** A generated card describes the checkpoint: its config and trainer state are read again for a new one. */
async function reloadContext(root: string, checkpoint: string): Promise<void> {
  const token = ++loadToken;
  loadedFor = checkpoint;
  const result = await api.card.context({ root, checkpoint });
  if (token !== loadToken) return;
  if (result.ok) cardStore.set({ context: result.value });
  regenerate();
  fillTable();
}

/** Keeps the card in step with the workspace and the chosen checkpoint. */
function sync(): void {
  const { root, scan } = workspaceStore.get();
  const evaluation = evaluationStore.get();
  const chosen = chosenCheckpoint(evaluation);
  const state = cardStore.get();
  if (!root || !scan || scan.root !== root) return;
  if (state.root !== root) {
    // The README does not wait for the evaluation; the config of the checkpoint to describe does.
    const name = chosen?.name ?? evaluation.picked ?? [...scan.checkpoints].reverse().find((c) => c.valid)?.name ?? null;
    if (name && !state.loading && !state.error) void loadCard(root, name);
    return;
  }
  if (state.loading || !evaluation.report || !chosen) return;
  if (state.generated) {
    if (state.text === null && !state.generated.text) {
      regenerate();
      fillTable();
      return;
    }
    const key = fillKey(evaluation.report, chosen);
    if (key === lastFillKey) return;
    lastFillKey = key;
    if (chosen.name !== loadedFor) void reloadContext(root, chosen.name);
    else {
      regenerate();
      fillTable();
    }
    return;
  }
  if (state.text === null) return;
  const key = fillKey(evaluation.report, chosen);
  if (key !== lastFillKey) {
    lastFillKey = key;
    fillTable();
  }
}

let lastFillKey = '';
function fillKey(report: EvaluationReport, chosen: CheckpointEvaluation): string {
  return JSON.stringify([chosen.name, chosen.scores, chosen.evalAccuracy, report.benchmarks]);
}

evaluationStore.subscribe(sync);
workspaceStore.subscribe(sync);

onWorkspaceOpened(() => {
  loadToken++;
  lastFillKey = '';
  cardStore.set(NO_CARD);
});

/** Reloads the card from disk when the last load failed. */
export function retryLoad(): void {
  cardStore.set({ root: null, error: null });
  lastFillKey = '';
  sync();
}

/** Moves the scores to another column (or back to the engine's choice), putting back what the old cells held. */
export function chooseColumn(column: ColumnChoice | undefined): void {
  const state = cardStore.get();
  if (state.text === null) return;
  const stillOurs = (cell: FilledCell) => /^\s*-?(?:\d+\.\d{3}|nan|inf)\s*$/.test(state.text!.slice(cell.from, cell.to));
  const { text } = revertCells(state.text, state.cells, stillOurs);
  const byUser = column !== undefined;
  const detected =
    column ??
    (() => {
      const evaluation = evaluationStore.get();
      const chosen = chosenCheckpoint(evaluation);
      return state.original !== null && evaluation.report && chosen ? detectColumn(state.original, scoresOf(evaluation.report, chosen)) : undefined;
    })();
  replaceText(text, null, []);
  cardStore.set({ column: detected, columnByUser: byUser });
  fillTable();
  scheduleDraftSave();
}

/** Throws away the user's edits: back to the README on disk with the chosen checkpoint's scores. */
export function resetToOriginal(): void {
  const state = cardStore.get();
  if (state.original === null) return;
  replaceText(state.original, null, []);
  cardStore.set({ edited: false, cells: [] });
  clearDraft();
  fillTable();
}

// Drafts: the edited card of each workspace survives closing the app and reopening the workspace, as long
// as the README on disk is still the one the edits were made to.
const DRAFT_PREFIX = 'hub-publisher.card-draft:';

interface Draft {
  /** Of the README the edits were made to; '' for a generated card. */
  originalHash: string;
  text: string;
  cells: FilledCell[];
  column: ColumnChoice | undefined;
  columnByUser: boolean;
  generated?: GeneratedCard | null;
}

function hashText(text: string): string {
  // FNV-1a over UTF-16 units with the length: enough to tell whether the README on disk changed.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${text.length}:${(h >>> 0).toString(16)}`;
}

function readDraft(root: string, original: string | null): Draft | null {
  try {
    const raw = localStorage.getItem(DRAFT_PREFIX + root);
    if (!raw) return null;
    const draft = JSON.parse(raw) as Draft;
    if (draft.originalHash !== (original === null ? '' : hashText(original)) || typeof draft.text !== 'string') return null;
    if (original === null && !draft.generated) return null;
    return { ...draft, cells: Array.isArray(draft.cells) ? draft.cells : [] };
  } catch {
    return null;
  }
}

let draftTimer: ReturnType<typeof setTimeout> | null = null;
function scheduleDraftSave(): void {
  if (draftTimer) clearTimeout(draftTimer);
  draftTimer = setTimeout(saveDraft, 800);
}

function saveDraft(): void {
  draftTimer = null;
  const s = cardStore.get();
  if (!s.root || s.text === null) return;
  // An unedited README card is the README itself; a generated card keeps its options even unedited.
  if (s.original !== null ? !s.edited : !s.generated) return;
  const draft: Draft = {
    originalHash: s.original === null ? '' : hashText(s.original),
    text: s.text,
    cells: s.cells,
    column: s.column,
    columnByUser: s.columnByUser,
    generated: s.generated,
  };
  try {
    localStorage.setItem(DRAFT_PREFIX + s.root, JSON.stringify(draft));
  } catch {
    // Storage full: the draft still lives for this session.
  }
}

function clearDraft(): void {
  const root = cardStore.get().root;
  if (root) localStorage.removeItem(DRAFT_PREFIX + root);
}

/** Turns model-index / .eval_results / overwrite on or off. */
export function setEvalOptions(patch: Partial<Pick<EvalOptions, 'modelIndex' | 'evalResults' | 'overwrite'>>): void {
  cardStore.set((s) => ({ evalOptions: { ...s.evalOptions, ...patch } }));
}

/** The user's choice of Hub dataset for a benchmark; null keeps it on the card only. */
export function setBenchmarkDataset(benchmark: string, dataset: HubBenchmarkDataset | null): void {
  cardStore.set((s) => ({ evalOptions: { ...s.evalOptions, datasets: { ...s.evalOptions.datasets, [benchmark]: dataset } } }));
}

/**
 * A value typed into the Evaluation results box: the metadata carries it at full precision, and the table
 * cell that shows it is rewritten (three decimals), so the card never contradicts its own metadata.
 */
export function setResultValue(benchmark: string, value: number): void {
  if (!Number.isFinite(value)) return;
  const state = cardStore.get();
  cardStore.set({ evalOptions: { ...state.evalOptions, values: { ...state.evalOptions.values, [benchmark]: value } } });
  const cell = state.cells.find((c) => c.benchmark === benchmark);
  if (state.text === null || !cell) return;
  const insert = formatScore(value);
  const delta = insert.length - (cell.to - cell.from);
  const cells = state.cells.map((c) =>
    c === cell ? { ...c, to: c.from + insert.length } : c.from >= cell.to ? { ...c, from: c.from + delta, to: c.to + delta } : c,
  );
  replaceText(state.text.slice(0, cell.from) + insert + state.text.slice(cell.to), [{ from: cell.from, to: cell.to, insert }], cells);
  cardStore.set({ edited: true });
  scheduleDraftSave();
}

/** The repo id the card's metadata names (the Publish screen's, else a placeholder owner). */
export function cardRepoId(): string {
  return repoIdFor(cardStore.get().root);
}

/** What the card publishes besides its text: computed from the current text, cells and options. */
export function currentCardOutputs(): CardOutputs | null {
  const state = cardStore.get();
  if (state.text === null) return null;
  return cardOutputs({ text: state.text, column: state.column, checkpoint: chosenCheckpoint(evaluationStore.get()), repoId: cardRepoId(), options: state.evalOptions, existingEvalResults: state.context?.evalResults });
}
