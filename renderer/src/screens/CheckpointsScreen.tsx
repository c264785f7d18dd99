import { useDeferredValue, useMemo, useState } from 'react';
import { formatScore } from '../../../shared/format';
import { BenchmarkDetails } from '../components/checkpoints/BenchmarkDetails';
import { CheckpointTable } from '../components/checkpoints/CheckpointTable';
import { EvaluationBar } from '../components/checkpoints/EvaluationBar';
import { checkpointRows } from '../components/checkpoints/rows';
import { ChosenVersusBestChart, ProgressChart } from '../components/checkpoints/ScoreCharts';
import { ErrorMessage } from '../components/ErrorMessage';
import { evaluationStore, pickCheckpoint, useChosenCheckpoint } from '../state/evaluation';
import { sessionStore } from '../state/session';
import { NarrowCollapse } from '../components/layout';

export function CheckpointsScreen() {
  const scan = sessionStore.use((m) => m.scan);
  const report = evaluationStore.use((s) => s.report);
  const error = evaluationStore.use((s) => s.error);
  const picked = evaluationStore.use((s) => s.picked);
  const chosen = useChosenCheckpoint();
  // The table answers a click at once; the charts (hundreds of points) follow in an interruptible render.
  const chartChosen = useDeferredValue(chosen);
  const [open, setOpen] = useState<{ checkpoint: string; benchmark: string } | null>(null);
  const items = evaluationStore.use((s) => s.running?.progress?.items ?? null);
  const runs = useMemo(() => (items ? new Map(items.map((i) => [i.id, i])) : null), [items]);

  const rows = useMemo(() => (scan ? checkpointRows(scan, report) : []), [scan, report]);
  const benchmarks = useMemo(() => report?.benchmarks ?? scan?.evaluation.benchmarks ?? [], [report, scan]);

  if (!scan) return <p className="muted">Open a workspace first.</p>;
  const best = report?.best ?? null;
  const openCheckpoint = open && report?.checkpoints.find((c) => c.name === open.checkpoint);

  return (
    <section className="checkpoints" aria-labelledby="checkpoints-title">
      <div className="checkpoints__summary">
        <h2 id="checkpoints-title">
          {scan.checkpoints.length} checkpoint{scan.checkpoints.length === 1 ? '' : 's'}
        </h2>
        {report && (
          <div className="summary" data-testid="choice-summary">
            {chosen ? (
              <p>
                <strong>Chosen: {chosen.name}</strong>
                {chosen.evalAccuracy !== null && <> — eval_accuracy {formatScore(chosen.evalAccuracy)}</>}
                {picked && picked !== best && (
                  <>
                    {' '}
                    (picked by you;{' '}
                    <button type="button" className="link" onClick={() => pickCheckpoint(null)}>
                      use the best
                    </button>
                    )
                  </>
                )}
              </p>
            ) : null}
            <p className="muted" data-testid="best-reason">
              {items && !report.best
                ? 'Evaluating: the best checkpoint is chosen when the scores are in.'
                : report.bestReason}
            </p>
          </div>
        )}
      </div>
      <EvaluationBar />
      {error && <ErrorMessage error={error} onDismiss={() => evaluationStore.set({ error: null })} />}
      {report && report.checkpoints.length > 0 && (
        <NarrowCollapse summary="Charts">
          <div className="checkpoints__charts">
            <ProgressChart rows={rows} benchmarks={benchmarks} best={best} />
            <ChosenVersusBestChart report={report} chosen={chartChosen} />
          </div>
        </NarrowCollapse>
      )}
      <CheckpointTable
        rows={rows}
        benchmarks={benchmarks}
        chosen={chosen?.name ?? null}
        best={best}
        runs={runs}
        onOpenCell={(checkpoint, benchmark) => setOpen({ checkpoint, benchmark })}
      />
      {open && openCheckpoint && (
        <BenchmarkDetails
          checkpoint={openCheckpoint}
          benchmark={open.benchmark}
          onClose={() => setOpen(null)}
        />
      )}
    </section>
  );
}
