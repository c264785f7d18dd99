import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useRef, type CSSProperties } from 'react';
import { formatScore } from '../../../../shared/format';
import { evaluationItemId } from '../../../../shared/evaluation';
import type { JobItemProgress, ScoreSource } from '../../../../shared/types';
import { formatBytes } from '../../../../shared/units';
import { pickCheckpoint } from '../../state/evaluation';
import { benchmarkLabel, type CheckpointRow } from './rows';

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
 * Every checkpoint with its scores. Rows are virtualised so a thousand checkpoints scroll smoothly; a row
 * is chosen by click or Enter, and a failed or missing score opens its details.
 */
export const CheckpointTable = memo(function CheckpointTable({
  rows,
  benchmarks,
  chosen,
  best,
  runs,
  onOpenCell,
}: {
  rows: CheckpointRow[];
  benchmarks: string[];
  chosen: string | null;
  best: string | null;
  /** While evaluating: each checkpoint × benchmark run by its progress item id. */
  runs: ReadonlyMap<string, JobItemProgress> | null;
  onOpenCell(checkpoint: string, benchmark: string): void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const columns = `28px minmax(160px, 1.6fr) 80px 90px minmax(120px, 1.2fr) 110px ${benchmarks.map(() => '110px').join(' ')}`;
  const gridStyle: CSSProperties = { gridTemplateColumns: columns };

  return (
    <div className="ckpt-table" role="table" aria-label="Checkpoints" aria-rowcount={rows.length + 1}>
      <div className="ckpt-table__scroller" ref={scroller}>
        <div className="ckpt-table__head" role="row" style={gridStyle}>
          <span role="columnheader" aria-label="Chosen" />
          <span role="columnheader">Checkpoint</span>
          <span role="columnheader" className="num">Step</span>
          <span role="columnheader" className="num">Size</span>
          <span role="columnheader">Status</span>
          <span role="columnheader" className="num">eval_accuracy</span>
          {benchmarks.map((b) => (
            <span key={b} role="columnheader" className="num" title={b}>
              {benchmarkLabel(b)}
            </span>
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
                tabIndex={0}
                data-testid="checkpoint-row"
                data-checkpoint={row.name}
                className={`ckpt-table__row ${isChosen ? 'is-chosen' : ''} ${row.info.valid ? '' : 'is-invalid'}`}
                style={{ ...gridStyle, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                onClick={() => pickCheckpoint(row.name)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    pickCheckpoint(row.name);
                  }
                }}
              >
                <span role="cell" className="ckpt-table__mark" aria-label={isChosen ? 'chosen' : undefined}>
                  {isChosen ? '●' : row.name === best ? '★' : ''}
                </span>
                <span role="cell" className="ckpt-table__name" title={row.info.relPath}>
                  {row.info.relPath}
                  {row.name === best && <span className="badge badge--good">best</span>}
                </span>
                <span role="cell" className="num">{row.info.step ?? '—'}</span>
                <span role="cell" className="num">{formatBytes(row.info.totalBytes)}</span>
                <span role="cell" className={row.info.valid ? 'muted' : 'text-bad'} title={row.info.problems.map((p) => p.message).join('\n')}>
                  {row.info.valid ? 'Ready' : row.info.problems[0]?.message ?? 'Not publishable'}
                </span>
                <span role="cell" className="num strong" data-testid="eval-accuracy">
                  {evaluation?.evalAccuracy != null ? formatScore(evaluation.evalAccuracy) : evaluation ? 'incomplete' : '—'}
                </span>
                {benchmarks.map((b) => {
                  const value = evaluation?.scores[b];
                  const error = evaluation?.errors[b];
                  const source = evaluation?.sources[b];
                  const run = runs?.get(evaluationItemId(row.name, b));
                  // During a run, a cell without a result yet shows where its run is.
                  if (run && value === undefined && (run.state !== 'failed' || !error)) {
                    return (
                      <span role="cell" key={b} className={`num run run--${run.state}`}>
                        {RUN_LABELS[run.state]}
                      </span>
                    );
                  }
                  // A score (e.g. entered by hand) wins over the failure it replaces.
                  if (error && value === undefined) {
                    return (
                      <span role="cell" key={b} className="num">
                        <button
                          type="button"
                          className="cell-failed"
                          onClick={(e) => {
                            e.stopPropagation();
                            onOpenCell(row.name, b);
                          }}
                          aria-label={`${b} failed for ${row.name}: show why`}
                        >
                          failed
                        </button>
                      </span>
                    );
                  }
                  return (
                    <span role="cell" key={b} className="num">
                      {value !== undefined ? (
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
                          onClick={(e) => {
                            e.stopPropagation();
                            onOpenCell(row.name, b);
                          }}
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
