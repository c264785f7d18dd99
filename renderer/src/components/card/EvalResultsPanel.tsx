/**
 * The "Evaluation results" box the Hub draws beside a model card from its metadata: one row per benchmark
 * with the value every output carries, the Hub dataset it maps to (proposed, or "card only") and where it
 * will show. The toggles choose which metadata the card carries besides its table; a value typed here
 * rewrites the table cell too.
 */
import { useId, useMemo, useState } from 'react';
import { formatScore } from '../../../../shared/format';
import { humanizeKey, proposeDataset, type BenchmarkMapping } from '../../../../shared/modelcard';
import { cardRepoId, cardStore, setBenchmarkDataset, setEvalOptions, setResultValue } from '../../state/card';
import { chosenCheckpoint, evaluationStore } from '../../state/evaluation';
import { cardOutputs } from '../../card/eval-outputs';

const SHOWS: Record<BenchmarkMapping['shows'], string> = {
  leaderboard: 'model page + leaderboard',
  'model-index': 'card only (model-index)',
  'card-only': 'card only',
};

export function EvalResultsPanel({ text }: { text: string }) {
  const options = cardStore.use((s) => s.evalOptions);
  const column = cardStore.use((s) => s.column);
  const existingEvalResults = cardStore.use((s) => s.context?.evalResults);
  const evaluation = evaluationStore.use((s) => s);
  const checkpoint = chosenCheckpoint(evaluation);
  const outputs = useMemo(
    () => cardOutputs({ text, column, checkpoint, repoId: cardRepoId(), options, existingEvalResults }),
    [text, column, checkpoint, options, existingEvalResults],
  );
  const id = useId();
  if (!checkpoint) return null;
  const rows = outputs.mappings;
  return (
    <aside className="card-results" aria-labelledby={`${id}-title`}>
      <p className="card-results__title" id={`${id}-title`}>
        Evaluation results
      </p>
      <div className="card-results__toggles">
        <label>
          <input
            type="checkbox"
            checked={options.modelIndex}
            onChange={(e) => setEvalOptions({ modelIndex: e.target.checked })}
          />{' '}
          Add to model-index
          <span className="muted"> (changes the README&apos;s YAML)</span>
        </label>
        <label>
          <input
            type="checkbox"
            checked={options.evalResults}
            onChange={(e) => setEvalOptions({ evalResults: e.target.checked })}
          />{' '}
          Write .eval_results files
        </label>
        <label>
          <input
            type="checkbox"
            checked={options.overwrite}
            onChange={(e) => setEvalOptions({ overwrite: e.target.checked })}
          />{' '}
          Replace existing values
        </label>
      </div>
      {rows.length === 0 ? (
        <p className="muted">No scores for this checkpoint yet.</p>
      ) : (
        <table className="card-results__table">
          <thead>
            <tr>
              <th scope="col">Benchmark</th>
              <th scope="col">Value</th>
              <th scope="col">Hub dataset</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <ResultRow
                key={row.benchmark}
                row={row}
                value={outputs.values[row.benchmark]}
                evalResults={options.evalResults}
              />
            ))}
          </tbody>
        </table>
      )}
      {(options.modelIndex || options.evalResults) && outputs.files.length > 0 && (
        <p className="card-results__files" data-testid="eval-results-files">
          Uploads {outputs.files.map((f) => f.path).join(', ')}
        </p>
      )}
      {outputs.blockers.length > 0 && (
        <ul className="card-results__blockers" role="alert">
          {outputs.blockers.map((b) => (
            <li key={`${b.key}:${b.message}`}>{b.message}</li>
          ))}
        </ul>
      )}
    </aside>
  );
}

function ResultRow({
  row,
  value,
  evalResults,
}: {
  row: BenchmarkMapping;
  value: number | undefined;
  evalResults: boolean;
}) {
  const proposal = proposeDataset(row.benchmark);
  const label = row.dataset?.name ?? humanizeKey(row.benchmark);
  // A Hub Benchmark reaches its leaderboard only through an .eval_results file.
  const shows = row.shows === 'leaderboard' && !evalResults ? 'model-index' : row.shows;
  return (
    <tr data-benchmark={row.benchmark}>
      <th scope="row" title={row.benchmark}>
        {label}
      </th>
      <td>
        {/* Keyed by the value: a change made elsewhere (the table, another checkpoint) shows here at once. */}
        <ValueInput key={String(value)} benchmark={row.benchmark} value={value} />
        {value !== undefined && (
          <span className="muted card-results__rounded">{formatScore(value)} at three decimals</span>
        )}
      </td>
      <td>
        <select
          className="card-select"
          aria-label={`Hub dataset of ${row.benchmark}`}
          value={row.dataset ? row.dataset.datasetId : ''}
          onChange={(e) => setBenchmarkDataset(row.benchmark, e.target.value === '' ? null : proposal)}
        >
          {proposal && <option value={proposal.datasetId}>{proposal.datasetId}</option>}
          <option value="">none (card only)</option>
        </select>
        <span className={`card-results__badge card-results__badge--${shows}`} title={row.note}>
          {SHOWS[shows]}
        </span>
      </td>
    </tr>
  );
}

function ValueInput({ benchmark, value }: { benchmark: string; value: number | undefined }) {
  const [draft, setDraft] = useState(value === undefined ? '' : String(value));
  const commit = () => {
    const n = Number(draft);
    if (draft.trim() !== '' && Number.isFinite(n) && n !== value) setResultValue(benchmark, n);
  };
  return (
    <input
      className="card-results__value"
      aria-label={`Value of ${benchmark}`}
      inputMode="decimal"
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}
