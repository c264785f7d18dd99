/**
 * Evaluation of the open workspace and the chosen checkpoint. The chosen checkpoint is the best one
 * unless the user picked another (on the chart or in the table): state of the session, derived where read.
 */
import type { AppErrorData } from '../../../shared/result';
import type { CheckpointEvaluation, EvaluationReport, JobProgress } from '../../../shared/types';
import { api } from '../api';
import { answer, currentSessionId, sessionJob, sessionSlice } from './session';

export interface EvaluationState {
  report: EvaluationReport | null;
  /** `startedAt` (ms since the epoch) gives the elapsed time and the estimate of what is left. */
  running: { progress: JobProgress | null; cancel: () => void; startedAt: number } | null;
  error: AppErrorData | null;
  /** The checkpoint the user picked; null means "the best one". */
  picked: string | null;
  /** The Python interpreter chosen for evaluation scripts; null means detected. */
  python: string | null;
}

export const evaluationStore = sessionSlice('evaluation');

/** The checkpoint that will be published: the user's pick, else the best. */
export function chosenCheckpoint(
  state: EvaluationState = evaluationStore.get(),
): CheckpointEvaluation | null {
  const name = state.picked ?? state.report?.best ?? null;
  return state.report?.checkpoints.find((c) => c.name === name) ?? null;
}

export function useChosenCheckpoint(): CheckpointEvaluation | null {
  return evaluationStore.use((s) => chosenCheckpoint(s));
}

export function pickCheckpoint(name: string | null): void {
  evaluationStore.set({ picked: name });
}

export async function evaluate(
  options: { onlyFailed?: boolean; useCache?: boolean; cacheOnly?: boolean } = {},
): Promise<void> {
  const sessionId = currentSessionId();
  if (!sessionId || evaluationStore.get().running) return;
  const python = evaluationStore.get().python ?? undefined;
  const job = sessionJob<EvaluationReport>(
    sessionId,
    () =>
      api.evaluation.run({
        sessionId,
        python,
        useCache: options.useCache ?? true,
        onlyFailed: options.onlyFailed,
        cacheOnly: options.cacheOnly,
      }),
    (progress) => evaluationStore.set((s) => ({ running: s.running && { ...s.running, progress } })),
  );
  evaluationStore.set({
    error: null,
    running: { progress: null, cancel: () => job.cancel(), startedAt: Date.now() },
  });
  const result = await job.done;
  if (result.ok) evaluationStore.set({ running: null, report: result.value });
  else evaluationStore.set({ running: null, error: result.error.code === 'CANCELLED' ? null : result.error });
  // The runs that finished before a cancel are remembered: show them rather than the report from before.
  if (
    !result.ok &&
    result.error.code === 'CANCELLED' &&
    !options.cacheOnly &&
    currentSessionId() === sessionId
  )
    await evaluate({ cacheOnly: true });
}

export async function setManualScore(
  checkpoint: string,
  benchmark: string,
  score: number | null,
): Promise<void> {
  const sessionId = currentSessionId();
  if (!sessionId) return;
  const saved = await answer(sessionId, api.evaluation.setScore({ sessionId, checkpoint, benchmark, score }));
  if (!saved.ok) {
    evaluationStore.set({ error: saved.error });
    return;
  }
  // Cached results make this instant; only the manual value changes.
  await evaluate({ useCache: true });
}

/**
 * Chooses what picks the best (a metric, per-benchmark weights): the main side remembers it for the
 * workspace and answers the report under it, so the best badge, its reason, the card and the commit
 * title all follow. Nothing is run.
 */
export async function setBestSelection(metric: string, weights: Record<string, number>): Promise<void> {
  const sessionId = currentSessionId();
  if (!sessionId) return;
  const result = await answer(sessionId, api.evaluation.setSelection({ sessionId, metric, weights }));
  if (!result.ok) {
    evaluationStore.set({ error: result.error });
    return;
  }
  evaluationStore.set({ error: null, report: result.value });
}

/**
 * Seconds left, from the runs finished since the evaluation started (remembered results took no time),
 * or null while nothing has finished yet.
 */
export function evaluationEta(progress: JobProgress | null, elapsedSeconds: number): number | null {
  const items = progress?.items ?? [];
  let finished = 0;
  let left = 0;
  for (const i of items) {
    if (i.state === 'pending' || i.state === 'running') left++;
    else if ((i.state === 'done' || i.state === 'failed') && i.message !== 'remembered') finished++;
  }
  if (left === 0) return 0;
  if (finished === 0) return null;
  return (elapsedSeconds / finished) * left;
}

/** A new session's evaluation: what is already known shows at once, then whatever changed since runs. */
export async function startEvaluation(): Promise<void> {
  await evaluate({ cacheOnly: true });
  await evaluate();
}
