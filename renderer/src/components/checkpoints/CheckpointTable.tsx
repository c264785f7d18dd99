import { useVirtualizer } from '@tanstack/react-virtual';
import { Fragment, memo, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { formatScore } from '../../../../shared/format';
import { evaluationItemId } from '../../../../shared/evaluation';
import type { JobItemProgress, ScoreSource } from '../../../../shared/types';
import { formatBytes } from '../../../../shared/units';
import { pickCheckpoint } from '../../state/evaluation';
import { sortRows, type CheckpointRow, type SortKey, type SortOrder } from './rows';

export const SOURCE_LABELS: Record<ScoreSource, { short: string; long: string }> = {
  script: { short: 'S', long: "the workspace's evaluation script" },
  'trainer-state': { short: 'T', long: 'trainer_state.json' },
  'eval-results': { short: 'R', long: 'eval_results.json / all_results.json' },
  'lm-eval-harness': { short: 'H', long: 'lm-evaluation-harness results' },
  lighteval: { short: 'L', long: 'lighteval results' },
  manual: { short: 'M', long: 'entered by hand' },
};

const ROW_HEIGHT = 36;

const RUN_LABELS: Record<JobItemProgress['state'], string> = {
  pending: 'queued',
  running: 'running…',
  done: 'done',
  failed: 'failed',
  skipped: 'skipped',
};

/**
 * Every track has a fixed width, computed once for the header and every row: a row's content (a long
 * name, the "best" badge) can never widen its own grid and push a score under the next header.
 */
function columnTemplate(rows: readonly CheckpointRow[], benchmarks: readonly string[]): string {
  const longest = rows.reduce((n, r) => Math.max(n, r.info.relPath.length), 10);
  const name = Math.min(360, Math.max(160, Math.round(longest * 7.6) + 12));
  return `28px ${name}px 44px 80px 90px 140px 110px ${benchmarks.map(() => '110px').join(' ')}`;
}

/**
 * Every checkpoint with its scores. Rows are virtualised so a thousand checkpoints scroll smoothly. The
 * table is one tab stop: arrow keys move between rows (and into a row's buttons, or up to the sort
 * headers), Enter picks the row.
 */
export const CheckpointTable = memo(function CheckpointTable({
  rows: unsorted,
  benchmarks,
  labels,
  chosen,
  best,
  metric,
  runs,
  onOpenCell,
}: {
  rows: CheckpointRow[];
  benchmarks: string[];
  labels: (benchmark: string) => string;
  chosen: string | null;
  best: string | null;
  /** The column that picks the best (eval_accuracy unless the user chose another). */
  metric: string;
  /** While evaluating: each checkpoint × benchmark run by its progress item id. */
  runs: ReadonlyMap<string, JobItemProgress> | null;
  onOpenCell(checkpoint: string, benchmark: string): void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [sort, setSort] = useState<{ key: SortKey; order: SortOrder } | null>(null);
  const rows = useMemo(() => (sort ? sortRows(unsorted, sort.key, sort.order) : unsorted), [unsorted, sort]);
  const [active, setActive] = useState(0);
  const activeIndex = Math.min(active, Math.max(0, rows.length - 1));
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const columns = useMemo(() => columnTemplate(unsorted, benchmarks), [unsorted, benchmarks]);
  const gridStyle: CSSProperties = { gridTemplateColumns: columns };

  const focusRow = (index: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    virtualizer.scrollToIndex(next);
    // The row may be rendered only after the scroll: focus it on the next frame.
    requestAnimationFrame(() =>
      scroller.current?.querySelector<HTMLElement>(`[aria-rowindex="${next + 2}"]`)?.focus(),
    );
  };
  const headerButtons = () => [
    ...(scroller.current?.querySelectorAll<HTMLElement>('.ckpt-table__head button') ?? []),
  ];

  const onRowKey = (e: KeyboardEvent<HTMLDivElement>, index: number, name: string) => {
    const row = e.currentTarget;
    const buttons = [...row.querySelectorAll<HTMLElement>('button')];
    const at = buttons.indexOf(document.activeElement as HTMLElement);
    const pageRows = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 360) / ROW_HEIGHT) - 1);
    const moves: Record<string, () => void> = {
      ArrowDown: () => focusRow(index + 1),
      ArrowUp: () => (index === 0 ? headerButtons()[0]?.focus() : focusRow(index - 1)),
      Home: () => focusRow(0),
      End: () => focusRow(rows.length - 1),
      PageDown: () => focusRow(index + pageRows),
      PageUp: () => focusRow(index - pageRows),
      ArrowRight: () => buttons[at + 1]?.focus(),
      ArrowLeft: () => (at <= 0 ? row.focus() : buttons[at - 1]?.focus()),
    };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      move();
    } else if ((e.key === 'Enter' || e.key === ' ') && e.target === row) {
      e.preventDefault();
      pickCheckpoint(name);
    }
  };

  const onHeadKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const buttons = headerButtons();
    const at = buttons.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      buttons[at + (e.key === 'ArrowRight' ? 1 : -1)]?.focus();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      focusRow(activeIndex);
    }
  };

  const header = (key: SortKey, label: string, className?: string, title?: string) => {
    const sorted = sort?.key === key ? sort.order : null;
    return (
      <span
        role="columnheader"
        className={className}
        title={title}
        aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
      >
        <button
          type="button"
          className="ckpt-table__sort"
          tabIndex={-1}
          onClick={() =>
            setSort((s) =>
              s?.key !== key
                ? { key, order: key === 'name' ? 'asc' : 'desc' }
                : s.order === 'desc'
                  ? { key, order: 'asc' }
                  : { key, order: 'desc' },
            )
          }
        >
          {label}
          <span aria-hidden="true">{sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}</span>
        </button>
      </span>
    );
  };

  return (
    <div className="ckpt-table" role="table" aria-label="Checkpoints" aria-rowcount={rows.length + 1}>
      <div className="ckpt-table__scroller" ref={scroller}>
        <div className="ckpt-table__head" role="row" style={gridStyle} onKeyDown={onHeadKey}>
          <span role="columnheader" aria-label="Chosen" />
          {header('name', 'Checkpoint')}
          <span role="columnheader" aria-label="Badge" />
          {header('step', 'Step', 'num')}
          {header('size', 'Size', 'num', 'What a publish would upload: the model without training state')}
          <span role="columnheader">Status</span>
          {header('eval_accuracy', 'eval_accuracy', 'num')}
          {benchmarks.map((b) => (
            <Fragment key={b}>{header(`score:${b}`, labels(b), 'num', b)}</Fragment>
          ))}
        </div>
        <div className="ckpt-table__body" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            const isChosen = row.name === chosen;
            const evaluation = row.evaluation;
            return (
              <div
                key={row.info.path}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={isChosen}
                tabIndex={item.index === activeIndex ? 0 : -1}
                data-testid="checkpoint-row"
                data-checkpoint={row.name}
                className={`ckpt-table__row ${isChosen ? 'is-chosen' : ''} ${row.info.valid ? '' : 'is-invalid'}`}
                style={{ ...gridStyle, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                onClick={() => {
                  setActive(item.index);
                  pickCheckpoint(row.name);
                }}
                onFocus={(e) => {
                  if (e.target === e.currentTarget) setActive(item.index);
                }}
                onKeyDown={(e) => onRowKey(e, item.index, row.name)}
              >
                <span role="cell" className="ckpt-table__mark" aria-label={isChosen ? 'chosen' : undefined}>
                  {isChosen ? '●' : row.name === best ? '★' : ''}
                </span>
                <span role="cell" className="ckpt-table__name" title={row.info.relPath}>
                  {row.info.relPath}
                </span>
                <span role="cell" className="ckpt-table__badge">
                  {row.name === best && (
                    <span className="badge badge--good" title={`The best by ${metric}`}>
                      best
                    </span>
                  )}
                </span>
                <span role="cell" className="num">
                  {row.info.step ?? '—'}
                </span>
                <span role="cell" className="num" data-testid="checkpoint-size">
                  {formatBytes(row.publishBytes ?? row.info.totalBytes)}
                </span>
                <span
                  role="cell"
                  className={row.info.valid ? 'muted' : 'text-bad'}
                  title={row.info.problems.map((p) => p.message).join('\n')}
                >
                  {row.info.valid ? 'Ready' : (row.info.problems[0]?.message ?? 'Not publishable')}
                </span>
                <span role="cell" className="num strong" data-testid="eval-accuracy">
                  {evaluation?.evalAccuracy != null ? (
                    formatScore(evaluation.evalAccuracy)
                  ) : row.running ? (
                    <span className="muted">evaluating…</span>
                  ) : evaluation ? (
                    'incomplete'
                  ) : (
                    '—'
                  )}
                </span>
                {benchmarks.map((b) => {
                  const value = evaluation?.scores[b];
                  const error = evaluation?.errors[b];
                  const source = evaluation?.sources[b];
                  const run = runs?.get(evaluationItemId(row.name, b));
                  const open = (e: React.MouseEvent) => {
                    e.stopPropagation();
                    onOpenCell(row.name, b);
                  };
                  // A cell whose run has not finished shows where its run is, even over an old score.
                  if (run && (run.state === 'pending' || run.state === 'running')) {
                    return (
                      <span role="cell" key={b} className={`num run run--${run.state}`} data-benchmark={b}>
                        {RUN_LABELS[run.state]}
                      </span>
                    );
                  }
                  // A run that failed just now: its details come with the report at the end of the job.
                  if (run?.state === 'failed' && !error && value === undefined) {
                    return (
                      <span
                        role="cell"
                        key={b}
                        className="num text-bad"
                        data-benchmark={b}
                        title={run.message}
                      >
                        failed
                      </span>
                    );
                  }
                  // A score (e.g. entered by hand) wins over the failure it replaces.
                  if (error && value === undefined) {
                    return (
                      <span role="cell" key={b} className="num" data-benchmark={b}>
                        <button
                          type="button"
                          className="cell-failed"
                          tabIndex={-1}
                          onClick={open}
                          aria-label={`${b} failed for ${row.name}: show why`}
                        >
                          failed
                        </button>
                      </span>
                    );
                  }
                  return (
                    <span role="cell" key={b} className="num" data-benchmark={b}>
                      {value !== undefined && source === 'manual' ? (
                        <button
                          type="button"
                          className="link"
                          tabIndex={-1}
                          onClick={open}
                          aria-label={`${b} for ${row.name}: ${formatScore(value)} entered by hand; edit or clear it`}
                        >
                          {formatScore(value)}
                          <sup className="source">M</sup>
                        </button>
                      ) : value !== undefined ? (
                        <>
                          {formatScore(value)}
                          {source && (
                            <sup className="source" title={`From ${SOURCE_LABELS[source].long}`}>
                              {SOURCE_LABELS[source].short}
                            </sup>
                          )}
                        </>
                      ) : evaluation ? (
                        <button
                          type="button"
                          className="link"
                          tabIndex={-1}
                          onClick={open}
                          aria-label={`No ${b} score for ${row.name}: enter one`}
                        >
                          —
                        </button>
                      ) : (
                        '—'
                      )}
                    </span>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
});
