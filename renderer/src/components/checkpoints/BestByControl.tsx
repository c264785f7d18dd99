import { useState } from 'react';
import { DEFAULT_BEST_METRIC, higherIsBetter } from '../../../../shared/evaluation';
import type { EvaluationReport } from '../../../../shared/types';
import { setBestSelection } from '../../state/evaluation';
import '../../styles/best-by.css';

/**
 * "Best by": the metric that picks the checkpoint to publish and each benchmark's weight in eval_accuracy
 * (0 leaves it out). The choice lives in the main process, remembered for the workspace; this only asks.
 */
export function BestByControl({
  report,
  label,
  disabled,
}: {
  report: EvaluationReport;
  label: (benchmark: string) => string;
  disabled: boolean;
}) {
  const metric = report.metric ?? DEFAULT_BEST_METRIC;
  const metrics = report.metrics ?? [DEFAULT_BEST_METRIC];
  const weightOf = (b: string) => report.weights?.[b] ?? 1;
  // Typed text is kept as typed until it is a usable weight (an empty field is not 0).
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  // A new report (the main side's answer) shows its weights: what was typed is done with.
  const [draftsOf, setDraftsOf] = useState(report);
  if (draftsOf !== report) {
    setDraftsOf(report);
    setDrafts({});
  }
  const weights = () => Object.fromEntries(report.benchmarks.map((b) => [b, weightOf(b)]));

  return (
    <fieldset className="best-by" data-testid="best-by" disabled={disabled}>
      <legend>Best by</legend>
      <label className="field field--inline">
        <span>Metric</span>
        <select
          value={metric}
          aria-label="Metric that picks the best checkpoint"
          onChange={(e) => void setBestSelection(e.target.value, weights())}
        >
          {metrics.map((m) => (
            <option key={m} value={m}>
              {m === DEFAULT_BEST_METRIC ? `${m} (weighted mean)` : m} —{' '}
              {higherIsBetter(m) ? 'higher' : 'lower'} is better
            </option>
          ))}
        </select>
      </label>
      {metric === DEFAULT_BEST_METRIC && report.benchmarks.length > 1 && (
        <div className="best-by__weights" role="group" aria-label="Benchmark weights">
          {report.benchmarks.map((b) => (
            <label key={b} className="field field--inline best-by__weight">
              <span>{label(b)}</span>
              <input
                type="number"
                min={0}
                step="any"
                inputMode="decimal"
                aria-label={`Weight of ${label(b)}`}
                title="Weight in eval_accuracy's mean; 0 leaves the benchmark out"
                value={drafts[b] ?? String(weightOf(b))}
                onChange={(e) => setDrafts((d) => ({ ...d, [b]: e.target.value }))}
                onBlur={(e) => {
                  const w = Number(e.target.value);
                  if (e.target.value.trim() === '' || !Number.isFinite(w) || w < 0) {
                    setDrafts((d) => ({ ...d, [b]: String(weightOf(b)) }));
                    return;
                  }
                  if (w !== weightOf(b)) void setBestSelection(metric, { ...weights(), [b]: w });
                }}
              />
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );
}
