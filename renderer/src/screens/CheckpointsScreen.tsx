import { useCallback, useDeferredValue, useMemo, useState } from 'react';
import { DEFAULT_BEST_METRIC, metricValue } from '../../../shared/evaluation';
import { formatScore } from '../../../shared/format';
import type { CheckpointEvaluation } from '../../../shared/types';
import { BenchmarkDetails } from '../components/checkpoints/BenchmarkDetails';
import { BestByControl } from '../components/checkpoints/BestByControl';
import { CheckpointTable } from '../components/checkpoints/CheckpointTable';
import { EvaluationBar } from '../components/checkpoints/EvaluationBar';
import { ManualScoreDialog } from '../components/checkpoints/ManualScoreDialog';
import { benchmarkLabel, checkpointRows } from '../components/checkpoints/rows';
import { ChosenVersusBestChart, ProgressChart } from '../components/checkpoints/ScoreCharts';
import { ErrorMessage } from '../components/ErrorMessage';
import { evaluationStore, pickCheckpoint, useChosenCheckpoint } from '../state/evaluation';
import { sessionStore } from '../state/session';
import { workspaceStore } from '../state/workspace';
import '../styles/checkpoints.css';
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
  const [manual, setManual] = useState(false);
  const items = evaluationStore.use((s) => s.running?.progress?.items ?? null);
  const runs = useMemo(() => (items ? new Map(items.map((i) => [i.id, i])) : null), [items]);

  // Scores of a running evaluation are merged in as each run finishes.
  const rows = useMemo(() => (scan ? checkpointRows(scan, report, runs) : []), [scan, report, runs]);
  const benchmarks = useMemo(() => report?.benchmarks ?? scan?.evaluation.benchmarks ?? [], [report, scan]);
  const labels = report?.labels;
  const label = useCallback((b: string) => benchmarkLabel(b, labels), [labels]);
  // A score landing updates its cell first; the charts follow in an interruptible render.
  const chartRows = useDeferredValue(rows);
  const evaluations = useMemo(
    () => rows.map((r) => r.evaluation).filter((e): e is CheckpointEvaluation => e !== null),
    [rows],
  );
  const chartEvaluations = useMemo(
    () => chartRows.map((r) => r.evaluation).filter((e): e is CheckpointEvaluation => e !== null),
    [chartRows],
  );
  const liveChosen = useMemo(
    () => (chartChosen && chartEvaluations.find((e) => e.name === chartChosen.name)) ?? chartChosen,
    [chartEvaluations, chartChosen],
  );

  if (!scan) return <p className="muted">Open a workspace first.</p>;
  const best = report?.best ?? null;
  const metric = report?.metric ?? DEFAULT_BEST_METRIC;
  const chosenValue = chosen ? metricValue(chosen, metric) : null;
  const openCheckpoint = open && evaluations.find((c) => c.name === open.checkpoint);
  const running = items !== null;
  // With no benchmark at all, evaluating again changes nothing: go on with the card, or enter scores.
  const noBenchmarks = !!report && !running && benchmarks.length === 0;
  const latestValid = scan.checkpoints.filter((c) => c.valid).at(-1)?.name ?? null;
  const cardFor = picked ?? latestValid;
  const nextStep = noBenchmarks ? (
    <>
      {cardFor && (
        <button
          type="button"
          className="button button--primary"
          onClick={() => {
            pickCheckpoint(cardFor);
            workspaceStore.set({ screen: 'card' });
          }}
        >
          Generate the card for {cardFor}
        </button>
      )}
      <button type="button" className="button" onClick={() => setManual(true)}>
        Enter scores by hand…
      </button>
    </>
  ) : undefined;

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
                {metric === DEFAULT_BEST_METRIC
                  ? chosen.evalAccuracy !== null && <> — eval_accuracy {formatScore(chosen.evalAccuracy)}</>
                  : chosenValue !== null && (
                      <>
                        {' '}
                        — {metric} {formatScore(chosenValue)}
                      </>
                    )}
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
              {running && !report.best
                ? 'Evaluating: the best checkpoint is chosen when the scores are in.'
                : report.bestReason}
            </p>
          </div>
        )}
      </div>
      <EvaluationBar nextStep={nextStep} />
      {error && <ErrorMessage error={error} onDismiss={() => evaluationStore.set({ error: null })} />}
      {report && report.checkpoints.length > 0 && benchmarks.length > 0 && (
        <NarrowCollapse summary="Charts">
          <div className="checkpoints__charts">
            <ProgressChart rows={chartRows} benchmarks={benchmarks} best={best} label={label} />
            <ChosenVersusBestChart
              benchmarks={benchmarks}
              checkpoints={chartEvaluations}
              chosen={liveChosen}
              label={label}
            />
          </div>
        </NarrowCollapse>
      )}
      {report && report.checkpoints.length > 0 && benchmarks.length > 0 && (
        <BestByControl report={report} label={label} disabled={running} />
      )}
      <CheckpointTable
        rows={rows}
        benchmarks={benchmarks}
        labels={label}
        chosen={chosen?.name ?? null}
        best={best}
        metric={metric}
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
      {manual && (
        <ManualScoreDialog
          checkpoints={scan.checkpoints.map((c) => c.name)}
          initial={cardFor}
          onClose={() => setManual(false)}
        />
      )}
    </section>
  );
}
