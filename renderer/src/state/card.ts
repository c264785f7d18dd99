/**
 * The model card being prepared for the chosen checkpoint: part of the workspace session. The Model card
 * screen edits it; the Publish screen reads `text` (what will be uploaded as README.md).
 *
 * It starts from the card the session would publish (`card:prepare`: the README with the table column the
 * CLI fills, matched against the model's name, or a generated card), so the window and the CLI fill the
 * same cells.
 *
 * The card follows the session's chosen checkpoint even while another screen is open (it listens to the
 * session model itself), so Publish never uploads a table that belongs to another checkpoint. The user's
 * text is never replaced when the checkpoint changes, only the table cells in it (see live-table.ts).
 */
import type { CardContext } from '../../../shared/ipc/contract';
import {
  DEFAULT_HUB_ENDPOINT,
  generateModelCard,
  type CardInput,
  type ColumnChoice,
  type ModelConfig,
  type TableUpdateReport,
  type TrainerState,
} from '../../../shared/modelcard';
import type { AppErrorData } from '../../../shared/result';
import type { CheckpointEvaluation, EvaluationReport } from '../../../shared/types';
import { api } from '../api';
import {
  applyScores,
  detectColumn,
  revertCells,
  type FilledCell,
  type ScoresInput,
} from '../card/live-table';
import { rebaseGenerated, singleChange } from '../card/rebase';
import { cardTodos } from '../card/todos';
import { cardOutputs, type CardOutputs, type EvalOptions } from '../card/eval-outputs';
import { formatScore } from '../../../shared/format';
import type { HubBenchmarkDataset } from '../../../shared/modelcard';
import { accountStore } from './account';
import { chosenCheckpoint, evaluationStore } from './evaluation';
import { repoTarget } from './repository';
import { answer, currentSessionId, sessionSlice, sessionStore } from './session';

export interface CardState {
  /** The workspace README as it is on disk, or null when there is none (a card is generated). */
  original: string | null;
  /** The card that will be published, with the chosen checkpoint's scores and the user's edits. */
  text: string | null;
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
  /** The repository the README card was prepared for (its model name picks the table column). */
  preparedFor: string | null;
  /** The column the session fills for that repository; what "Automatic" means. */
  preparedColumn: ColumnChoice | undefined;
}

/** What the user can set for a generated card; everything else comes from the workspace. */
export interface GeneratorOptions {
  systemPrompt: string;
  /** As typed; blank leaves a marked placeholder in the card. */
  temperature: string;
  license: string;
  /** With license `other`: its name and a link to its text (`license_name`, `license_link`). */
  licenseName?: string;
  licenseLink?: string;
  contact: string;
}

export interface GeneratedCard {
  options: GeneratorOptions;
  repoId: string;
  /** The Hub endpoint its links point at. */
  endpoint?: string;
  /** The card as the engine last wrote it: what the user's edits are measured against. */
  text: string;
  /** What the engine could not know and left marked for the user. */
  todo: string[];
  /** Parts of a newer generated card not applied because the user had rewritten them. */
  skipped: number;
}

export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = {
  systemPrompt: '',
  temperature: '',
  license: '',
  contact: '',
};

export const cardStore = sessionSlice('card');

/**
 * The mounted editor, when there is one. Changes made by the app (a new checkpoint's scores) go through it
 * as precise edits, so the user's cursor, selection and undo history stay where they were.
 */
export interface EditorBridge {
  /** False when the editor cannot take the change now (not created yet); the store then takes it directly. */
  apply(changes: { from: number; to: number; insert: string }[], cells: FilledCell[]): boolean;
  /** Puts the cursor at a text offset, scrolls it into view and focuses the editor. */
  reveal(offset: number): void;
}
let editor: EditorBridge | null = null;

export function attachEditor(bridge: EditorBridge): () => void {
  editor = bridge;
  return () => {
    if (editor === bridge) editor = null;
  };
}

/**
 * Asked before a publish: a card that still has TODO markers would go to the Hub with them. True when
 * there are none or the user chose to publish anyway.
 */
export function confirmCardTodos(): boolean {
  const todos = cardTodos(cardStore.get().text ?? '');
  if (todos.length === 0) return true;
  const shown = todos.slice(0, 8).map((t) => `• ${t.text}`);
  if (todos.length > shown.length) shown.push(`• and ${todos.length - shown.length} more`);
  return window.confirm(
    `The model card still has ${todos.length} ${todos.length === 1 ? 'TODO' : 'TODOs'} to fill:\n${shown.join('\n')}\n\n` +
      'Publish it anyway? (Cancel to go back; the Model card screen lists them with a link to each.)',
  );
}

/** Jumps the editor to a place in the card (a TODO of the list). */
export function revealInEditor(offset: number): void {
  editor?.reveal(offset);
}

/**
 * Ctrl+S: writes the card into the workspace as its README (`card:save`), checked against the README as it
 * was read. From then on the card is that README: nothing is left to discard, the draft is dropped.
 */
export async function saveCardToWorkspace(): Promise<
  { ok: true; path: string; backup: string | null } | { ok: false; error: AppErrorData }
> {
  const sessionId = currentSessionId();
  const state = cardStore.get();
  if (!sessionId || state.text === null || !state.context) {
    return { ok: false, error: { code: 'NOT_FOUND', message: 'There is no card to save yet.' } };
  }
  const text = state.text;
  const result = await answer(
    sessionId,
    api.card.save({ sessionId, text, expectedSha256: state.context.readmeSha256 ?? null }),
  );
  if (!result.ok) return { ok: false, error: result.error };
  const saved = result.value;
  cardStore.set((s) => ({
    original: text,
    edited: s.text !== text,
    // Saved, the card is the workspace's README: its table is filled like any README's from now on.
    generated: null,
    readmePath: saved.path,
    context: s.context
      ? { ...s.context, readme: text, readmeSha256: saved.sha256, readmePath: saved.path }
      : s.context,
  }));
  clearDraft();
  return { ok: true, path: saved.path, backup: saved.backup };
}

/** Called by the editor for every change of its document, the user's or the app's. */
export function editorChanged(text: string, cells: FilledCell[], byUser: boolean): void {
  cardStore.set((s) => ({ text, cells, edited: s.edited || byUser }));
  if (byUser) scheduleDraftSave();
}

function replaceText(
  text: string,
  changes: { from: number; to: number; insert: string }[] | null,
  cells: FilledCell[],
): void {
  const current = cardStore.get().text;
  if (editor && current !== null)
    editor.apply(changes ?? [{ from: 0, to: current.length, insert: text }], cells);
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
  const column =
    state.column === undefined && !state.columnByUser && state.original !== null
      ? detectColumn(state.original, input)
      : state.column;
  const applied = applyScores(state.text, input, column, state.cells);
  const changes = applied.report.changes.map((c) => ({ from: c.start, to: c.end, insert: c.after }));
  replaceText(applied.text, changes, applied.cells);
  cardStore.set((s) => ({ report: applied.report, checkpoint: checkpoint.name, column, fills: s.fills + 1 }));
}

/** `owner/name` the card names (links, usage snippet): the session's repository, with a placeholder owner until signed in. */
function cardRepo(): string {
  const target = repoTarget().repo;
  if (target.includes('/')) return target;
  const folder = sessionStore.get().info?.name ?? 'model';
  return `your-username/${target || folder}`;
}

/** The endpoint the app publishes to: the card's repository links point there. */
function cardEndpoint(): string {
  return accountStore.get().status?.hubEndpoint ?? DEFAULT_HUB_ENDPOINT;
}

function cardInput(options: GeneratorOptions, repoId: string): CardInput | null {
  const state = cardStore.get();
  const evaluation = evaluationStore.get();
  const report = evaluation.report;
  const chosen = chosenCheckpoint(evaluation);
  if (!report || !chosen) return null;
  const temperature = options.temperature.trim() === '' ? null : Number(options.temperature);
  const step = sessionStore.get().scan?.checkpoints.find((c) => c.name === chosen.name)?.step ?? chosen.step;
  return {
    repoId,
    checkpoint: { name: chosen.name, step },
    scores: chosen.scores,
    evalAccuracy: chosen.evalAccuracy,
    bestReason:
      evaluation.picked && evaluation.picked !== report.best
        ? `Picked by hand over the best checkpoint (${report.best ?? 'none'}).`
        : report.bestReason,
    benchmarks: report.benchmarks,
    config: (state.context?.config ?? null) as ModelConfig | null,
    trainerState: (state.context?.trainerState ?? null) as TrainerState | null,
    license: options.license.trim() || null,
    licenseName: options.licenseName?.trim() || null,
    licenseLink: options.licenseLink?.trim() || null,
    endpoint: cardEndpoint(),
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
  const repoId = cardRepo();
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
  cardStore.set({
    generated: {
      options: nextOptions,
      repoId,
      endpoint: input.endpoint,
      text: card.text,
      todo: card.todo,
      skipped,
    },
  });
}

/** The system prompt, temperature, license or contact of a generated card changed. */
export function setGeneratorOptions(patch: Partial<GeneratorOptions>): void {
  const generated = cardStore.get().generated;
  if (!generated) return;
  regenerate({ ...generated.options, ...patch });
  scheduleDraftSave();
}

/**
 * The session's repository changed: a generated card names it (links, usage snippet); a README card not
 * edited yet is prepared again, since the model's name picks the table column.
 */
function repoChanged(): void {
  const state = cardStore.get();
  const sessionId = currentSessionId();
  if (state.generated) {
    if (
      state.generated.text &&
      (state.generated.repoId !== cardRepo() || state.generated.endpoint !== cardEndpoint())
    ) {
      regenerate();
      fillTable();
    }
  } else if (
    sessionId &&
    state.original !== null &&
    !state.edited &&
    !state.columnByUser &&
    state.checkpoint &&
    state.preparedFor !== (repoTarget().repo || null)
  ) {
    void loadCard(sessionId, state.checkpoint);
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

async function loadCard(sessionId: string, checkpoint: string): Promise<void> {
  const token = ++loadToken;
  cardStore.set({ loading: true, error: null });
  const repo = repoTarget().repo || null;
  const [contextResult, preparedResult] = await answer(
    sessionId,
    Promise.all([
      api.card.context({ sessionId, checkpoint }),
      api.card.prepare({ sessionId, checkpoint, ...(repo ? { repo } : {}) }),
    ]),
  );
  if (token !== loadToken) return;
  const failed = !contextResult.ok ? contextResult.error : !preparedResult.ok ? preparedResult.error : null;
  if (failed || !contextResult.ok || !preparedResult.ok) {
    cardStore.set({ loading: false, error: failed });
    return;
  }
  const context = contextResult.value;
  const prepared = preparedResult.value;
  const original = prepared.origin === 'readme' ? context.readme : null;
  const draft = readDraft(sessionStore.get().info?.root ?? '', original);
  const start =
    original !== null && !draft
      ? startFromPrepared(original, prepared.text, prepared.column, checkpoint)
      : null;
  const text = draft?.text ?? start?.text ?? original;
  const cells = draft?.cells ?? start?.cells ?? [];
  // Prepared again for another repository: an open editor takes the new text as one change.
  if (cardStore.get().text !== null && text !== null) replaceText(text, null, cells);
  cardStore.set({
    context,
    original,
    readmePath: prepared.readmePath ?? context.readmePath,
    loading: false,
    text,
    cells,
    // The column the session fills (matched against the model's name, never a baseline's).
    column: draft ? draft.column : original !== null ? prepared.column : undefined,
    columnByUser: draft?.columnByUser ?? false,
    edited: draft !== null && (original !== null || draft.text !== draft.generated?.text),
    checkpoint: null,
    report: null,
    generated: null,
    preparedFor: repo,
    preparedColumn: original !== null ? prepared.column : undefined,
  });
  if (original === null) {
    loadedFor = checkpoint;
    cardStore.set({
      generated: draft?.generated ?? {
        options: DEFAULT_GENERATOR_OPTIONS,
        repoId: '',
        text: '',
        todo: [],
        skipped: 0,
      },
    });
    regenerate();
  }
  fillTable();
}

/**
 * The editor starts from the prepared text. When the README on disk filled with the same column and scores
 * gives that text, its cells are taken from that fill, so they still know what they held on disk.
 */
function startFromPrepared(
  original: string,
  text: string,
  column: ColumnChoice | undefined,
  checkpoint: string,
): { text: string; cells: FilledCell[] } {
  const evaluation = evaluationStore.get();
  const chosen = chosenCheckpoint(evaluation);
  if (evaluation.report && chosen?.name === checkpoint) {
    const applied = applyScores(original, scoresOf(evaluation.report, chosen), column, []);
    if (applied.text === text) return { text, cells: applied.cells };
  }
  return { text, cells: [] };
}

/** The checkpoint whose config and training log the generated card was written from. */
let loadedFor: string | null = null;

/** A generated card describes the checkpoint: its config and trainer state are read again for a new one. */
async function reloadContext(sessionId: string, checkpoint: string): Promise<void> {
  const token = ++loadToken;
  loadedFor = checkpoint;
  const result = await answer(sessionId, api.card.context({ sessionId, checkpoint }));
  if (token !== loadToken) return;
  if (result.ok) cardStore.set({ context: result.value });
  regenerate();
  fillTable();
}

/** Keeps the card in step with the workspace and the chosen checkpoint. */
function sync(): void {
  const { info, scan } = sessionStore.get();
  const evaluation = evaluationStore.get();
  const chosen = chosenCheckpoint(evaluation);
  const state = cardStore.get();
  if (!info || !scan) return;
  const sessionId = info.sessionId;
  if (state.context === null) {
    // The README does not wait for the evaluation; the config of the checkpoint to describe does.
    const name =
      chosen?.name ?? evaluation.picked ?? [...scan.checkpoints].reverse().find((c) => c.valid)?.name ?? null;
    if (name && !state.loading && !state.error) void loadCard(sessionId, name);
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
    if (chosen.name !== loadedFor) void reloadContext(sessionId, chosen.name);
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

// Fill bookkeeping of the previous session goes with it.
let sessionOfFill: string | null = null;
sessionStore.subscribe(() => {
  const sessionId = currentSessionId();
  if (sessionId === sessionOfFill) return;
  sessionOfFill = sessionId;
  lastFillKey = '';
  loadedFor = null;
});
// The card follows the session's scan and chosen checkpoint.
sessionStore.subscribe(sync);

// The card follows the session's repository once typing settles (the name fires per keystroke).
let lastRepo = '';
let repoTimer: ReturnType<typeof setTimeout> | null = null;
function watchRepo(): void {
  const repo = `${repoTarget().repo}\0${accountStore.get().status?.hubEndpoint ?? ''}`;
  if (repo === lastRepo) return;
  lastRepo = repo;
  if (repoTimer) clearTimeout(repoTimer);
  repoTimer = setTimeout(repoChanged, 500);
}
sessionStore.subscribe(watchRepo);
accountStore.subscribe(watchRepo);

/** Reloads the card from disk when the last load failed. */
export function retryLoad(): void {
  cardStore.set({ context: null, error: null });
  lastFillKey = '';
  sync();
}

/** Moves the scores to another column (or back to the engine's choice), putting back what the old cells held. */
export function chooseColumn(column: ColumnChoice | undefined): void {
  const state = cardStore.get();
  if (state.text === null) return;
  const stillOurs = (cell: FilledCell) =>
    /^\s*-?(?:\d+\.\d{3}|nan|inf)\s*$/.test(state.text!.slice(cell.from, cell.to));
  const { text } = revertCells(state.text, state.cells, stillOurs);
  const byUser = column !== undefined;
  // Back to automatic is the session's column (the one the CLI fills), else the engine's choice on disk.
  const detected =
    column ??
    state.preparedColumn ??
    (() => {
      const evaluation = evaluationStore.get();
      const chosen = chosenCheckpoint(evaluation);
      return state.original !== null && evaluation.report && chosen
        ? detectColumn(state.original, scoresOf(evaluation.report, chosen))
        : undefined;
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
    if (
      draft.originalHash !== (original === null ? '' : hashText(original)) ||
      typeof draft.text !== 'string'
    )
      return null;
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
  const root = sessionStore.get().info?.root;
  if (!root || s.text === null) return;
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
    localStorage.setItem(DRAFT_PREFIX + root, JSON.stringify(draft));
  } catch {
    // Storage full: the draft still lives for this session.
  }
}

function clearDraft(): void {
  const root = sessionStore.get().info?.root;
  if (root) localStorage.removeItem(DRAFT_PREFIX + root);
}

/** Turns model-index / .eval_results / overwrite on or off. */
export function setEvalOptions(
  patch: Partial<Pick<EvalOptions, 'modelIndex' | 'evalResults' | 'overwrite'>>,
): void {
  cardStore.set((s) => ({ evalOptions: { ...s.evalOptions, ...patch } }));
}

/** The user's choice of Hub dataset for a benchmark; null keeps it on the card only. */
export function setBenchmarkDataset(benchmark: string, dataset: HubBenchmarkDataset | null): void {
  cardStore.set((s) => ({
    evalOptions: { ...s.evalOptions, datasets: { ...s.evalOptions.datasets, [benchmark]: dataset } },
  }));
}

/**
 * A value typed into the Evaluation results box: the metadata carries it at full precision, and the table
 * cell that shows it is rewritten (three decimals), so the card never contradicts its own metadata.
 */
export function setResultValue(benchmark: string, value: number): void {
  if (!Number.isFinite(value)) return;
  const state = cardStore.get();
  cardStore.set({
    evalOptions: { ...state.evalOptions, values: { ...state.evalOptions.values, [benchmark]: value } },
  });
  const cell = state.cells.find((c) => c.benchmark === benchmark);
  if (state.text === null || !cell) return;
  const insert = formatScore(value);
  const delta = insert.length - (cell.to - cell.from);
  const cells = state.cells.map((c) =>
    c === cell
      ? { ...c, to: c.from + insert.length }
      : c.from >= cell.to
        ? { ...c, from: c.from + delta, to: c.to + delta }
        : c,
  );
  replaceText(
    state.text.slice(0, cell.from) + insert + state.text.slice(cell.to),
    [{ from: cell.from, to: cell.to, insert }],
    cells,
  );
  cardStore.set({ edited: true });
  scheduleDraftSave();
}

/** The repo id the card's metadata names (the Publish screen's, else a placeholder owner). */
export function cardRepoId(): string {
  return cardRepo();
}

/** What the card publishes besides its text: computed from the current text, cells and options. */
export function currentCardOutputs(): CardOutputs | null {
  const state = cardStore.get();
  if (state.text === null) return null;
  return cardOutputs({
    text: state.text,
    column: state.column,
    checkpoint: chosenCheckpoint(evaluationStore.get()),
    repoId: cardRepoId(),
    options: state.evalOptions,
    existingEvalResults: state.context?.evalResults,
  });
}
