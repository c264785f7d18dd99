import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import {
  PUBLISH_PHASES,
  type JobItemProgress,
  type JobProgress,
  type PublishPhase,
} from '../../../../shared/types';
import { formatBytes, formatDuration, formatRate } from '../../../../shared/units';
import { cancelOutcome, cancelPublish, publishStore } from '../../state/publish';
import { api } from '../../api';
import { accountStore } from '../../state/account';
import { ProgressTrack } from '../ProgressBar';

const PHASE_LABELS: Record<PublishPhase, string> = {
  token: 'Token',
  scan: 'Scanning',
  evaluate: 'Evaluating',
  card: 'Model card',
  hash: 'Hashing',
  plan: 'Planning',
  repo: 'Repository',
  upload: 'Uploading',
  commit: 'Committing',
  verify: 'Verifying',
};

/** The window's publish starts from the session's scan, evaluation and card: those phases show only if reported. */
const DONE_BEFORE_PUBLISH = new Set<PublishPhase>(['scan', 'evaluate', 'card']);

/**
 * What a cancel left on the Hub: the main process's own words (it knows whether the commit landed and what
 * became of a repository the run created); without them, what the outcome alone says.
 */
function cancelledText(outcome: ReturnType<typeof cancelOutcome>, message: string | undefined): string {
  if (message) return message;
  if (outcome?.committed) return `Too late: committed ${outcome.committed} to ${outcome.repoId}.`;
  return 'Cancelled. Nothing was committed.';
}

const STATE_LABELS: Record<JobItemProgress['state'], string> = {
  pending: 'waiting',
  running: 'sending',
  done: 'sent',
  failed: 'stopped',
  skipped: 'already on the Hub',
};

/** Above this many files the list renders only the rows in view. */
const VIRTUAL_FROM = 40;
const ROW_HEIGHT = 44;

function FileRow({ item }: { item: JobItemProgress }) {
  const fraction =
    item.total > 0 ? item.done / item.total : item.state === 'done' || item.state === 'skipped' ? 1 : 0;
  return (
    <div
      className={`publish-file publish-file--${item.state}`}
      data-testid="publish-file"
      data-state={item.state}
    >
      <div className="publish-file__head">
        <span className="publish-path">{item.label}</span>
        <span className="muted publish-small">
          {formatBytes(item.done)} / {formatBytes(item.total)} · {STATE_LABELS[item.state]}
        </span>
      </div>
      <ProgressTrack fraction={fraction} label={item.label} />
    </div>
  );
}

function FileList({ items }: { items: JobItemProgress[] }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = items.length >= VIRTUAL_FROM;
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer's functions are read during render by design
  const virtualizer = useVirtualizer({
    count: virtual ? items.length : 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  if (!virtual) {
    return (
      <div className="publish-files" role="list" aria-label="Files">
        {items.map((item) => (
          <div role="listitem" key={item.id}>
            <FileRow item={item} />
          </div>
        ))}
      </div>
    );
  }
  return (
    <div ref={scrollRef} className="publish-files publish-files--virtual" role="list" aria-label="Files">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => {
          const item = items[row.index];
          if (!item) return null;
          return (
            <div
              role="listitem"
              key={item.id}
              aria-setsize={items.length}
              aria-posinset={row.index + 1}
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: ROW_HEIGHT,
                transform: `translateY(${row.start}px)`,
              }}
            >
              <FileRow item={item} />
            </div>
          );
        })}
      </div>
    </div>
  );
}

/**
 * What the Overall bar says: bytes only while bytes are being sent (a phase that has not counted its
 * bytes yet says which phase it is, never "0 B of 0 B"); speed and time left only while it runs.
 */
export function overallText(p: JobProgress, running: boolean): string {
  const phase = PHASE_LABELS[p.phase as PublishPhase] ?? p.phase;
  if (p.unit !== 'bytes' || p.total <= 0) return p.total > 0 ? `${phase}: ${p.done} of ${p.total}` : phase;
  const parts = [`${formatBytes(p.done)} of ${formatBytes(p.total)}`];
  if (running && p.rate && p.rate > 0) parts.push(formatRate(p.rate));
  if (running && p.eta !== undefined && p.done < p.total) parts.push(`${formatDuration(p.eta)} left`);
  return parts.join(' · ');
}

/** The status line: while bytes go out it names the files being sent, whatever the phase's last message. */
function statusText(progress: JobProgress | null, items: JobItemProgress[]): string {
  const current = progress?.phase ?? null;
  if (current === 'upload') {
    const sending = items.filter((i) => i.state === 'running').map((i) => i.label);
    if (sending.length === 1) return `Sending ${sending[0]}…`;
    if (sending.length > 1)
      return `Sending ${sending[0]} and ${sending.length - 1} other file${sending.length === 2 ? '' : 's'}…`;
  }
  return (
    progress?.message ?? (current ? `${PHASE_LABELS[current as PublishPhase] ?? current}…` : 'Starting…')
  );
}

/** The Overall bar of the current or last run: one bar for all phases, which only moves forward. */
export function OverallProgress({ compact = false }: { compact?: boolean }) {
  const run = publishStore.use((s) => s.run);
  const progress = publishStore.use((s) => s.progress);
  const overall = publishStore.use((s) => s.overall);
  if (!progress || run === 'idle') return null;
  return (
    <div className={`publish-overall${compact ? ' publish-overall--compact' : ''}`}>
      <div className="publish-file__head">
        <strong>Overall</strong>
        <span className="publish-small" data-testid={compact ? 'action-bar-overall' : 'publish-overall'}>
          {run === 'done' ? 'Finished' : overallText(progress, run === 'running')}
        </span>
      </div>
      <ProgressTrack
        fraction={run === 'done' ? 1 : overall}
        label={compact ? 'Publish progress' : 'Overall'}
      />
    </div>
  );
}

/** The commit a too-late cancel could not stop, on the Hub. */
function CommitLink({ repoId, commit }: { repoId: string; commit: string }) {
  const endpoint = accountStore.use((s) => s.status?.hubEndpoint ?? null);
  if (!endpoint) return null;
  const url = `${endpoint.replace(/\/+$/, '')}/${repoId}/commit/${commit}`;
  return (
    <p className="publish-small">
      <button
        type="button"
        className="link publish-url"
        data-testid="publish-cancelled-commit"
        onClick={() => void api.app.openExternal({ url })}
      >
        {url}
      </button>
    </p>
  );
}

export function ProgressPanel() {
  const run = publishStore.use((s) => s.run);
  const progress = publishStore.use((s) => s.progress);
  const phases = publishStore.use((s) => s.phases);
  const log = publishStore.use((s) => s.log);
  const items = publishStore.use((s) => s.files);
  const runError = publishStore.use((s) => s.runError);
  const outcome = publishStore.use((s) => cancelOutcome(s));
  const cancelRef = useRef<HTMLButtonElement>(null);
  // The Publish button is disabled while running: focus goes to the one thing that can be done now.
  useEffect(() => {
    if (run === 'running') cancelRef.current?.focus();
  }, [run]);
  // Once done, the result panel says what was sent and checked.
  if (run === 'idle' || run === 'done') return null;
  const current = progress?.phase ?? null;
  const shownPhases = PUBLISH_PHASES.filter((p) => !DONE_BEFORE_PUBLISH.has(p) || phases.includes(p));
  const retries = log.filter((l) => /^Retrying/.test(l));

  return (
    <section className="publish-panel" aria-labelledby="publish-progress-title">
      <div className="publish-panel__head">
        <h3 id="publish-progress-title">Progress</h3>
        {run === 'running' && (
          <button ref={cancelRef} type="button" className="button" onClick={cancelPublish}>
            Cancel
          </button>
        )}
      </div>
      <ol className="publish-phases" aria-label="Phases">
        {shownPhases.map((id, i) => {
          // Short phases can be skipped over by throttled progress: everything before the furthest one was done.
          const furthest = Math.max(...phases.map((p) => shownPhases.indexOf(p)));
          const state = id === current && run === 'running' ? 'current' : i <= furthest ? 'seen' : 'later';
          return (
            <li
              key={id}
              className={`publish-phase publish-phase--${state}`}
              aria-current={state === 'current' ? 'step' : undefined}
            >
              {PHASE_LABELS[id]}
            </li>
          );
        })}
      </ol>
      <p className="publish-status" role="status" data-testid="publish-status">
        {run === 'running' && statusText(progress, items)}
        {run === 'cancelled' && cancelledText(outcome, runError?.message)}
        {run === 'failed' && 'Stopped.'}
      </p>
      {outcome?.committed && <CommitLink repoId={outcome.repoId} commit={outcome.committed} />}
      <OverallProgress />
      {progress?.transfer && (
        <p className="muted publish-small" data-testid="publish-transfer">
          {formatBytes(progress.transfer.processedBytes)} processed · {formatBytes(progress.transfer.sentBytes)} sent ·{' '}
          {formatBytes(progress.transfer.alreadyOnHubBytes)} already on the Hub
        </p>
      )}
      {retries.length > 0 && (
        <div className="publish-retries">
          <strong>
            {retries.length} retr{retries.length === 1 ? 'y' : 'ies'}
          </strong>
          <ul aria-live="polite" aria-label="Retries">
            {retries.slice(-5).map((line, i) => (
              <li key={`${retries.length - 5 + i}`}>{line}</li>
            ))}
          </ul>
        </div>
      )}
      {items.length > 0 && <FileList items={items} />}
    </section>
  );
}
