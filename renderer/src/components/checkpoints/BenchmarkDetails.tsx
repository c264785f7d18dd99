import { useEffect, useRef, useState } from 'react';
import { formatScore } from '../../../../shared/format';
import type { CheckpointEvaluation } from '../../../../shared/types';
import { setManualScore } from '../../state/evaluation';
import { SOURCE_LABELS } from './CheckpointTable';

/**
 * One benchmark of one checkpoint: why it failed (kind, exit code, the end of stderr) and a field to
 * enter the score by hand.
 */
export function BenchmarkDetails({
  checkpoint,
  benchmark,
  onClose,
}: {
  checkpoint: CheckpointEvaluation;
  benchmark: string;
  onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const error = checkpoint.errors[benchmark];
  const current = checkpoint.scores[benchmark];
  const source = checkpoint.sources[benchmark];
  const [value, setValue] = useState(current !== undefined ? String(current) : '');
  const parsed = value.trim() === '' ? null : Number(value);
  const valid = parsed === null || Number.isFinite(parsed);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  return (
    <dialog ref={dialog} className="details" aria-labelledby="details-title" onClose={onClose}>
      <h2 id="details-title">
        {benchmark} — {checkpoint.name}
      </h2>
      {error ? (
        <div className="details__error">
          <p className="text-bad strong">{error.message}</p>
          <dl className="details__facts">
            <dt>What happened</dt>
            <dd>{error.kind}</dd>
            {error.exitCode !== null && (
              <>
                <dt>Exit code</dt>
                <dd>{error.exitCode}</dd>
              </>
            )}
            {error.needsInterpreter && (
              <>
                <dt>Needs</dt>
                <dd>{error.needsInterpreter} (choose it as the Python interpreter)</dd>
              </>
            )}
          </dl>
          {error.stderrTail && (
            <>
              <h3>End of stderr</h3>
              <pre className="details__stderr">{error.stderrTail}</pre>
            </>
          )}
        </div>
      ) : current !== undefined ? (
        <p>
          Score {formatScore(current)}
          {source ? ` from ${SOURCE_LABELS[source].long}` : ''}.
        </p>
      ) : (
        <p className="muted">No score yet for this benchmark.</p>
      )}
      <form
        method="dialog"
        className="details__manual"
        onSubmit={(e) => {
          e.preventDefault();
          if (!valid) return;
          void setManualScore(checkpoint.name, benchmark, parsed);
          dialog.current?.close();
        }}
      >
        <label className="field">
          <span>Score entered by hand</span>
          <input
            inputMode="decimal"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-invalid={!valid}
            placeholder="e.g. 0.734"
          />
        </label>
        {!valid && <p className="text-bad">Enter a number, or leave it empty to remove the manual score.</p>}
        <div className="details__actions">
          <button type="button" className="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
          {source === 'manual' && (
            <button
              type="button"
              className="button"
              onClick={() => {
                void setManualScore(checkpoint.name, benchmark, null);
                dialog.current?.close();
              }}
            >
              Clear manual score
            </button>
          )}
          <button type="submit" className="button button--primary" disabled={!valid}>
            Save score
          </button>
        </div>
      </form>
    </dialog>
  );
}
