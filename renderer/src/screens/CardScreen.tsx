/**
 * Model card: the README in an editor beside the preview the Hub would show, with the benchmark table
 * following the chosen checkpoint, what changed against the README on disk or on the Hub, and what to fix.
 */
import { useDeferredValue, useEffect, useId, useMemo, useState } from 'react';
import { validateCard } from '../../../shared/modelcard';
import { ErrorMessage } from '../components/ErrorMessage';
import { CardDiff } from '../components/card/CardDiff';
import { CardEditor } from '../components/card/CardEditor';
import { CardPreview } from '../components/card/CardPreview';
import { CardWarnings } from '../components/card/CardWarnings';
import { EvalResultsPanel } from '../components/card/EvalResultsPanel';
import { cardOutputs } from '../card/eval-outputs';
import { GeneratorPanel } from '../components/card/GeneratorPanel';
import { CardTodos } from '../components/card/CardTodos';
import { SaveCardDialog, type SaveOutcome } from '../components/card/SaveCardDialog';
import '../styles/card.css';
import { useMissingImages } from '../components/card/images';
import type { FilledCell } from '../card/live-table';
import { cardRepoId, cardStore, chooseColumn, resetToOriginal, retryLoad } from '../state/card';
import { chosenCheckpoint, evaluationStore, pickCheckpoint } from '../state/evaluation';
import { formatScore } from '../../../shared/format';
import { cardViewStore, fetchRemoteCard, type CardTab } from '../state/card-view';
import { repoTarget } from '../state/repository';
import { sessionStore } from '../state/session';
import { NarrowTabs } from '../components/layout';

/**
 * The card's text and filled cells once typing has paused for `ms`. Subscribes outside React, so a
 * keystroke re-renders nothing here: only the editor itself does work per key.
 */
function useSettledCard(ms: number): { text: string; cells: FilledCell[] } {
  const [settled, setSettled] = useState(() => {
    const { text, cells } = cardStore.get();
    return { text: text ?? '', cells };
  });
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = cardStore.get();
    const unsubscribe = cardStore.subscribe(() => {
      const now = cardStore.get();
      if (now.text === last.text && now.cells === last.cells) return;
      last = now;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => setSettled({ text: now.text ?? '', cells: now.cells }), ms);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [ms]);
  return settled;
}

export function CardScreen() {
  const root = sessionStore.use((m) => m.info?.root ?? null);
  const hasText = cardStore.use((s) => s.text !== null);
  const loading = cardStore.use((s) => s.loading);
  const error = cardStore.use((s) => s.error);
  const evaluating = evaluationStore.use((s) => s.running !== null && s.report === null);

  if (!root) return <p className="muted">Open a workspace first.</p>;
  if (error) {
    return (
      <section className="card-screen card-screen--message">
        <h2>Model card</h2>
        <ErrorMessage error={error} />
        <button type="button" className="button" onClick={retryLoad}>
          Try again
        </button>
      </section>
    );
  }
  if (!hasText) {
    return (
      <section className="card-screen card-screen--message">
        <h2>Model card</h2>
        <p className="muted" role="status">
          {loading
            ? 'Reading the README…'
            : evaluating
              ? 'Waiting for the evaluation to choose a checkpoint…'
              : 'No card yet.'}
        </p>
      </section>
    );
  }
  return <CardWorkspace />;
}

function CardWorkspace() {
  const hasOriginal = cardStore.use((s) => s.original !== null);
  const tab = cardViewStore.use((s) => s.tab);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<SaveOutcome | null>(null);
  // Ctrl+S (Cmd+S on macOS) anywhere on this screen, the editor included: the browser's own "save page"
  // means nothing here.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 's') {
        e.preventDefault();
        setSaved(null);
        setSaving(true);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
  // Nothing here reads the text: a keystroke re-renders only the parts that show it.
  return (
    <section className="card-screen" aria-labelledby="card-title">
      <CardToolbar
        onSave={() => {
          setSaved(null);
          setSaving(true);
        }}
      />
      {saved && (
        <p className="card-saved" role="status">
          Saved {saved.path} in the workspace
          {saved.backup ? `; the previous README is kept at ${saved.backup}` : ''}.
        </p>
      )}
      {saving && (
        <SaveCardDialog
          onClose={() => setSaving(false)}
          onSaved={(outcome) => {
            setSaving(false);
            setSaved(outcome);
          }}
        />
      )}
      <GeneratorPanel />
      <CardChecks />
      <SettledTodos />
      <NarrowTabs className="card-split" label="Editor and preview" labels={['Edit', 'Preview']}>
        <div className="card-pane card-pane--editor">
          <div className="card-pane__head">
            <span className="card-pane__title" id="card-editor-label">
              README.md
            </span>
            <EditState />
          </div>
          <div className="card-editor">
            <CardEditor />
          </div>
        </div>
        <div className="card-pane card-pane--side">
          <CardTabs tab={tab} hasOriginal={hasOriginal} />
          <SidePanel tab={tab} />
        </div>
      </NarrowTabs>
    </section>
  );
}

const EMPTY_CARD = { text: '', cells: [] as FilledCell[] };

/** The README as it would be uploaded: with model-index merged in when the card carries it. */
function published(text: string): string {
  const { evalOptions, context } = cardStore.get();
  if (!evalOptions.modelIndex) return text;
  return cardOutputs({
    text,
    column: cardStore.get().column,
    checkpoint: chosenCheckpoint(evaluationStore.get()),
    repoId: cardRepoId(),
    options: evalOptions,
    existingEvalResults: context?.evalResults,
  }).readme;
}

function SidePanel({ tab }: { tab: CardTab }) {
  const sessionId = sessionStore.use((m) => m.info?.sessionId ?? null);
  const readmePath = cardStore.use((s) => s.readmePath);
  const original = cardStore.use((s) => s.original);
  // Text and cells travel together so the preview never highlights ranges of another version of the text.
  // Rendered at low priority, and from empty on the first render, so opening a large card never blocks.
  const shown = useDeferredValue(useSettledCard(200), EMPTY_CARD);
  return (
    <div
      className="card-pane__body"
      role="tabpanel"
      id={`card-panel-${tab}`}
      aria-labelledby={`card-tab-${tab}`}
    >
      {tab === 'preview' && (
        <div className="card-preview-split">
          <CardPreview text={shown.text} cells={shown.cells} sessionId={sessionId} readmePath={readmePath} />
          <EvalResultsPanel text={shown.text} />
        </div>
      )}
      {tab === 'disk' && original !== null && (
        <CardDiff before={original} after={shown.text} label="the README on disk" />
      )}
      {tab === 'hub' && <HubCompare text={published(shown.text)} />}
    </div>
  );
}

/** The TODO list, from the text once typing pauses. */
function SettledTodos() {
  const text = useDeferredValue(useSettledCard(400).text, '');
  return <CardTodos text={text} />;
}

/** Metadata, files and table checks, run once typing pauses. */
function CardChecks() {
  const sessionId = sessionStore.use((m) => m.info?.sessionId ?? null);
  const readmePath = cardStore.use((s) => s.readmePath);
  const hasOriginal = cardStore.use((s) => s.original !== null);
  const report = cardStore.use((s) => s.report);
  const scanAssets = sessionStore.use((m) => m.scan?.readmeAssets);
  const checked = useDeferredValue(useSettledCard(400).text, '');
  const validation = useMemo(() => {
    const exists = new Map((scanAssets ?? []).map((a) => [a.path, a.exists]));
    return validateCard(checked, { exists: (path) => exists.get(path) ?? true });
  }, [checked, scanAssets]);
  const missingImages = useMissingImages(sessionId, readmePath, checked);
  return (
    <CardWarnings
      report={report}
      problems={validation.problems}
      missingImages={missingImages}
      hasReadme={hasOriginal}
    />
  );
}

function CardToolbar({ onSave }: { onSave: () => void }) {
  const checkpoint = cardStore.use((s) => s.checkpoint);
  const picked = evaluationStore.use((s) => s.picked);
  const best = evaluationStore.use((s) => s.report?.best ?? null);
  const report = cardStore.use((s) => s.report);
  const column = cardStore.use((s) => s.column);
  const columnByUser = cardStore.use((s) => s.columnByUser);
  const edited = cardStore.use((s) => s.edited);
  const hasOriginal = cardStore.use((s) => s.original !== null);
  const checkpoints = evaluationStore.use((s) => s.report?.checkpoints);
  const columnId = useId();
  const checkpointId = useId();
  const table = report?.tables[0];

  const columnValue =
    columnByUser && column !== undefined
      ? String(typeof column === 'number' ? column : (table?.header.indexOf(column) ?? ''))
      : 'auto';
  const reason = table
    ? {
        placeholder: 'the {RESULT} cells',
        'model-name': "the model's name",
        last: 'the last column',
        override: 'your choice',
      }[table.columnReason]
    : null;

  return (
    <div className="card-toolbar">
      <h2 id="card-title" className="card-toolbar__title">
        Model card
      </h2>
      <p className="card-toolbar__checkpoint" aria-live="polite">
        {checkpoint ? (
          <>
            Scores of <strong data-testid="card-checkpoint">{checkpoint}</strong>
            <span className="muted">
              {checkpoint === best && !picked ? ' (the best checkpoint)' : picked ? ' (picked by you)' : ''}
            </span>
          </>
        ) : (
          <span className="muted">Scores appear when the evaluation is done.</span>
        )}
      </p>
      {checkpoints && checkpoints.length > 1 && (
        <div className="card-toolbar__field">
          <label htmlFor={checkpointId}>Checkpoint</label>
          <select
            id={checkpointId}
            className="card-select"
            value={checkpoint ?? ''}
            onChange={(e) => pickCheckpoint(e.target.value === best ? null : e.target.value)}
          >
            {checkpoints.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
                {c.evalAccuracy !== null ? ` — ${formatScore(c.evalAccuracy)}` : ''}
                {c.name === best ? ' (best)' : ''}
              </option>
            ))}
          </select>
        </div>
      )}
      {table && hasOriginal && (
        <div className="card-toolbar__field">
          <label htmlFor={columnId}>Fill column</label>
          <select
            id={columnId}
            className="card-select"
            value={columnValue}
            onChange={(e) => chooseColumn(e.target.value === 'auto' ? undefined : Number(e.target.value))}
            title={reason ? `Chosen by ${reason}` : undefined}
          >
            <option value="auto">
              Automatic
              {table && !columnByUser ? ` (${table.targetHeader || `column ${table.targetColumn + 1}`})` : ''}
            </option>
            {table.header.map((header, i) =>
              i === table.labelColumn ? null : (
                <option key={i} value={String(i)}>
                  {header || `Column ${i + 1}`}
                </option>
              ),
            )}
          </select>
        </div>
      )}
      <button
        type="button"
        className="button"
        title="Writes the card into the workspace as its README (Ctrl+S)"
        onClick={onSave}
      >
        Save README
      </button>
      {hasOriginal && (
        <button
          type="button"
          className="button"
          disabled={!edited}
          onClick={() => {
            if (window.confirm('Discard your edits and start again from the README on disk?'))
              resetToOriginal();
          }}
        >
          Discard edits
        </button>
      )}
    </div>
  );
}

function EditState() {
  const edited = cardStore.use((s) => s.edited);
  const filled = cardStore.use((s) => s.cells.length);
  const changed = cardStore.use((s) => s.cells.filter((c) => c.previous !== null).length);
  return (
    <span className="card-pane__state muted">
      {filled > 0 && (
        <span
          className="card-legend"
          title="Cells of the benchmark table the app fills with the chosen checkpoint's scores"
        >
          <span className="card-legend__swatch" aria-hidden="true" /> {filled} filled
        </span>
      )}
      {changed > 0 && (
        <span className="card-legend" title="Cells whose value changed with the last change of checkpoint">
          {' '}
          <span className="card-legend__swatch card-legend__swatch--changed" aria-hidden="true" /> {changed}{' '}
          changed
        </span>
      )}
      {edited ? ' · Edited (kept as a draft)' : ''}
    </span>
  );
}

function CardTabs({ tab, hasOriginal }: { tab: CardTab; hasOriginal: boolean }) {
  const tabs: { id: CardTab; label: string }[] = [
    { id: 'preview', label: 'Preview' },
    ...(hasOriginal ? [{ id: 'disk' as const, label: 'Changes from disk' }] : []),
    { id: 'hub', label: 'Compare with the Hub' },
  ];
  const move = (delta: number) => {
    const index = tabs.findIndex((t) => t.id === tab);
    const next = tabs[(index + delta + tabs.length) % tabs.length]!;
    cardViewStore.set({ tab: next.id });
    document.getElementById(`card-tab-${next.id}`)?.focus();
  };
  return (
    <div
      className="card-tabs"
      role="tablist"
      aria-label="Card views"
      onKeyDown={(e) => {
        if (e.key === 'ArrowRight') move(1);
        else if (e.key === 'ArrowLeft') move(-1);
      }}
    >
      {tabs.map((t) => (
        <button
          key={t.id}
          id={`card-tab-${t.id}`}
          type="button"
          role="tab"
          className="card-tabs__tab"
          aria-selected={tab === t.id}
          aria-controls={`card-panel-${t.id}`}
          tabIndex={tab === t.id ? 0 : -1}
          onClick={() => cardViewStore.set({ tab: t.id })}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

function HubCompare({ text }: { text: string }) {
  const remote = cardViewStore.use((s) => s.remote);
  const [repo, setRepo] = useState(() => remote?.repo || repoTarget().repo);
  const inputId = useId();
  const valid = /^[\w.-]+(?:\/[\w.-]+)?$/.test(repo.trim());
  return (
    <div className="card-hub">
      <form
        className="card-hub__form"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) void fetchRemoteCard(repo.trim());
        }}
      >
        <label htmlFor={inputId}>Repository on the Hub</label>
        <input
          id={inputId}
          className="card-input"
          value={repo}
          placeholder="owner/name"
          spellCheck={false}
          onChange={(e) => setRepo(e.target.value)}
        />
        <button type="submit" className="button" disabled={!valid || remote?.loading}>
          {remote?.loading ? 'Fetching…' : 'Compare'}
        </button>
      </form>
      {remote && !remote.loading && remote.error && <ErrorMessage error={remote.error} />}
      {remote && !remote.loading && !remote.error && remote.text === null && (
        <p className="muted" role="status">
          {remote.repo} has no README on the Hub (the repository does not exist yet, or it is private).
          Publishing creates it.
        </p>
      )}
      {remote && !remote.loading && remote.text !== null && (
        <CardDiff before={remote.text} after={text} label={`the README of ${remote.repo} on the Hub`} />
      )}
    </div>
  );
}
