import { useEffect, useRef, useState } from 'react';
import { setManualScore } from '../../state/evaluation';

/**
 * Scores entered by hand for a workspace without benchmarks: the benchmark's name as it should appear on
 * the card, and its score for one checkpoint. Manual scores then count like any other.
 */
export function ManualScoreDialog({
  checkpoints,
  initial,
  onClose,
}: {
  checkpoints: string[];
  initial: string | null;
  onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [checkpoint, setCheckpoint] = useState(initial ?? checkpoints.at(-1) ?? '');
  const [benchmark, setBenchmark] = useState('');
  const [value, setValue] = useState('');
  const score = value.trim() === '' ? NaN : Number(value);
  const name = benchmark.trim();
  const problem = !name
    ? 'Name the benchmark (e.g. mmlu).'
    : /[\s/\\]/.test(name)
      ? 'A benchmark name has no spaces or slashes (e.g. mmlu_5shot).'
      : !Number.isFinite(score)
        ? 'Enter the score as a number (e.g. 0.734).'
        : null;

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  return (
    <dialog ref={dialog} className="details" aria-labelledby="manual-title" onClose={onClose}>
      <h2 id="manual-title">Enter a score by hand</h2>
      <form
        className="details__manual"
        onSubmit={(e) => {
          e.preventDefault();
          if (problem) return;
          void setManualScore(checkpoint, name, score);
          dialog.current?.close();
        }}
      >
        <label className="field">
          <span>Checkpoint</span>
          <select value={checkpoint} onChange={(e) => setCheckpoint(e.target.value)}>
            {checkpoints.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Benchmark</span>
          <input value={benchmark} onChange={(e) => setBenchmark(e.target.value)} placeholder="e.g. mmlu" />
        </label>
        <label className="field">
          <span>Score</span>
          <input
            inputMode="decimal"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            placeholder="e.g. 0.734"
          />
        </label>
        {problem && (benchmark || value) && <p className="text-bad">{problem}</p>}
        <div className="details__actions">
          <button type="button" className="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
          <button type="submit" className="button button--primary" disabled={problem !== null}>
            Save score
          </button>
        </div>
      </form>
    </dialog>
  );
}
