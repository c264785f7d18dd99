import { useEffect, useState } from 'react';
import type { PythonInterpreter } from '../../../../shared/types';
import { formatDuration } from '../../../../shared/units';
import { api } from '../../api';
import { evaluate, evaluationEta, evaluationStore } from '../../state/evaluation';
import { sessionStore } from '../../state/session';
import { ProgressBar } from '../ProgressBar';

/** Elapsed time and the estimate of what is left, ticking every second while the evaluation runs. */
function ElapsedAndEta() {
  const running = evaluationStore.use((s) => s.running);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!running) return null;
  const elapsed = Math.max(0, (now - running.startedAt) / 1000);
  const eta = evaluationEta(running.progress, elapsed);
  return (
    <p className="muted eval-bar__time" data-testid="evaluation-time">
      {formatDuration(elapsed)} elapsed
      {eta === null ? ' · estimating time left' : eta > 0 ? ` · about ${formatDuration(eta)} left` : ''}
    </p>
  );
}

/**
 * Run, re-run and cancel evaluation; choose the Python interpreter. Without benchmarks, evaluating again
 * cannot help: the next step (the card, or scores entered by hand) is offered instead.
 */
export function EvaluationBar({ nextStep }: { nextStep?: React.ReactNode }) {
  const sessionId = sessionStore.use((m) => m.info?.sessionId ?? null);
  const running = evaluationStore.use((s) => s.running);
  const report = evaluationStore.use((s) => s.report);
  const python = evaluationStore.use((s) => s.python);
  const [interpreters, setInterpreters] = useState<PythonInterpreter[]>([]);

  useEffect(() => {
    if (!sessionId) return;
    let live = true;
    void api.evaluation.interpreters({ sessionId }).then((r) => {
      if (live && r.ok) setInterpreters(r.value);
    });
    return () => {
      live = false;
    };
  }, [sessionId]);

  // Only interpreters the main process found, or one the user picks in the native file dialog, may run.
  const chooseInterpreter = async () => {
    const picked = await api.evaluation.chooseInterpreter();
    if (!picked.ok || !picked.value) return;
    const chosen = picked.value;
    setInterpreters((list) =>
      list.some((i) => i.path === chosen) ? list : [...list, { path: chosen, version: '', origin: 'user' }],
    );
    evaluationStore.set({ python: chosen });
  };

  const failed = report?.checkpoints.some((c) => Object.keys(c.errors).length > 0) ?? false;
  const running_items = running?.progress?.items?.filter((i) => i.state === 'running') ?? [];

  return (
    <div className="eval-bar">
      <div className="eval-bar__controls">
        <label className="field field--inline">
          <span>Python</span>
          <select
            value={python ?? ''}
            onChange={(e) => evaluationStore.set({ python: e.target.value || null })}
            disabled={!!running}
          >
            <option value="">
              {interpreters[0] ? `Detected: ${describe(interpreters[0])}` : 'Detected automatically'}
            </option>
            {interpreters.map((i) => (
              <option key={i.path} value={i.path}>
                {describe(i)}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button"
          onClick={() => void chooseInterpreter()}
          disabled={!!running}
        >
          Choose interpreter…
        </button>
        {running ? (
          <button type="button" className="button" onClick={running.cancel}>
            Cancel evaluation
          </button>
        ) : (
          <>
            {nextStep}
            <button
              type="button"
              className={nextStep ? 'button' : 'button button--primary'}
              onClick={() => void evaluate({ useCache: false })}
            >
              {report ? 'Evaluate again' : 'Evaluate'}
            </button>
            {failed && (
              <button type="button" className="button" onClick={() => void evaluate({ onlyFailed: true })}>
                Re-run failed
              </button>
            )}
          </>
        )}
      </div>
      {running && (
        <div className="eval-bar__progress">
          <ProgressBar
            progress={running.progress}
            label={
              running.progress
                ? `Evaluating: ${running.progress.done} of ${running.progress.total} runs`
                : 'Evaluating'
            }
          />
          <ElapsedAndEta />
          {running_items.length > 0 && (
            <p className="muted eval-bar__now" aria-live="polite">
              Running{' '}
              {running_items
                .slice(0, 4)
                .map((i) => i.label)
                .join(', ')}
              {running_items.length > 4 ? ` and ${running_items.length - 4} more` : ''}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

function describe(i: PythonInterpreter): string {
  const origin = { 'workspace-venv': 'workspace .venv', conda: 'conda', path: 'PATH', user: 'chosen' }[
    i.origin
  ];
  return `Python${i.version ? ` ${i.version}` : ''} (${origin}) — ${i.path}`;
}
