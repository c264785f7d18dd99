/**
 * The open workspace session: one model holding everything that belongs to one workspace (its scan, its
 * evaluation and the chosen checkpoint, its card, its repository target, plan and publish run), keyed by
 * the session id `workspace:open` answered. Opening another workspace replaces the model whole, so nothing
 * of the previous workspace can survive into the next one.
 *
 * Answers and job events for a session that is no longer the open one are dropped here, and only here:
 * every request about the workspace goes through `answer` / `sessionJob`, which never hand a stale answer
 * to the code awaiting it.
 *
 * The feature modules (evaluation, card, publish) read and write their part of the model through slices,
 * which behave like small stores of their own.
 */
import type { WorkspaceSessionInfo } from '../../../shared/ipc/contract';
import type { AppErrorData, Result } from '../../../shared/result';
import type { JobProgress, ScanResult } from '../../../shared/types';
import { DEFAULT_EVAL_OPTIONS } from '../card/eval-outputs';
import { api, runJob, type RunningJob } from '../api';
import { createStore, type Store } from './store';
import { workspaceStore } from './workspace';
import type { CardState } from './card';
import type { CardViewState } from './card-view';
import type { EvaluationState } from './evaluation';
import type { PublishSessionState } from './publish';

export interface SessionModel {
  /** The session as the main process opened it; null before any workspace is open. */
  info: WorkspaceSessionInfo | null;
  scan: ScanResult | null;
  scanning: { progress: JobProgress | null; cancel: () => void } | null;
  /** Why the workspace cannot be used (a failed scan, no checkpoints). */
  error: AppErrorData | null;
  evaluation: EvaluationState;
  card: CardState;
  cardView: CardViewState;
  publish: PublishSessionState;
}

export const NO_RUN = {
  run: 'idle',
  cancel: null,
  progress: null,
  files: [],
  phases: [],
  overall: 0,
  log: [],
  runError: null,
  result: null,
} satisfies Partial<PublishSessionState>;

/** The whole model of a session that has just been opened (or of none, before the first). */
export function freshModel(info: WorkspaceSessionInfo | null): SessionModel {
  return {
    info,
    scan: null,
    scanning: null,
    error: null,
    evaluation: { report: null, running: null, error: null, picked: null, python: null },
    card: {
      original: null,
      text: null,
      readmePath: null,
      context: null,
      loading: false,
      error: null,
      checkpoint: null,
      column: undefined,
      columnByUser: false,
      report: null,
      cells: [],
      fills: 0,
      edited: false,
      generated: null,
      preparedFor: null,
      preparedColumn: undefined,
      evalOptions: DEFAULT_EVAL_OPTIONS,
    },
    cardView: { tab: 'preview', remote: null },
    publish: {
      name: null,
      namespace: null,
      private: false,
      deleteRemote: false,
      confirmedOtherWorkspace: null,
      plan: null,
      planning: false,
      planError: null,
      ...NO_RUN,
      prepared: null,
    },
  };
}

export const sessionStore = createStore<SessionModel>(freshModel(null));

/** The open session's id, or null. */
export function currentSessionId(): string | null {
  return sessionStore.get().info?.sessionId ?? null;
}

export function isCurrent(sessionId: string): boolean {
  return currentSessionId() === sessionId;
}

/** Jobs of the open session, cancelled when it is replaced (the main process cancels them too). */
let sessionJobs = new Set<RunningJob<unknown>>();

/** Replaces the whole model: a new session, or none. */
export function replaceSession(info: WorkspaceSessionInfo | null): void {
  const previous = sessionJobs;
  sessionJobs = new Set();
  for (const job of previous) job.cancel();
  sessionStore.set(freshModel(info));
}

/**
 * The answer to a request made for `sessionId`, or, when another session has been opened meanwhile,
 * nothing ever: the code awaiting it simply does not go on, so a stale answer never lands in the model.
 */
export function answer<T>(sessionId: string, pending: Promise<T>): Promise<T> {
  return pending.then((value) => {
    if (!isCurrent(sessionId)) return new Promise<T>(() => {});
    if (isSessionClosed(value)) sessionEnded();
    return value;
  });
}

function isSessionClosed(value: unknown): boolean {
  const error = (value as { ok?: boolean; error?: { code?: string } } | null)?.error;
  return (value as { ok?: boolean } | null)?.ok === false && error?.code === 'SESSION_CLOSED';
}

/**
 * The main process no longer knows the open session (its window's connection went away, say): nothing of
 * it can be used any more, so the window says so instead of showing a workspace that cannot answer.
 */
function sessionEnded(): void {
  const root = sessionStore.get().info?.root;
  replaceSession(null);
  workspaceStore.set({
    screen: 'workspace',
    error: {
      code: 'SESSION_CLOSED',
      message: `The workspace ${root ?? ''} was closed by the app. Open it again to go on.`,
    },
  });
}

/** A job of the session: its progress and logs reach the callbacks, and its end the caller, only while it is open. */
export function sessionJob<T>(
  sessionId: string,
  start: () => Promise<Result<{ jobId: string }>>,
  onProgress?: (progress: JobProgress) => void,
  onLog?: (line: string) => void,
): { done: Promise<Result<T>>; cancel(): void } {
  const job = runJob<never>(
    start,
    (progress) => {
      if (isCurrent(sessionId)) onProgress?.(progress);
    },
    (line) => {
      if (isCurrent(sessionId)) onLog?.(line);
    },
  ) as unknown as RunningJob<T>;
  sessionJobs.add(job as RunningJob<unknown>);
  const done = job.done.finally(() => sessionJobs.delete(job as RunningJob<unknown>));
  return { done: answer(sessionId, done), cancel: () => job.cancel() };
}

type SliceKey = 'evaluation' | 'card' | 'cardView' | 'publish';

/**
 * One part of the model as a store: `get`/`set`/`use`/`subscribe` act on `model[key]`. Listeners are told
 * only when that part changed (a new session changes every part).
 */
export function sessionSlice<K extends SliceKey>(key: K): Store<SessionModel[K]> {
  type T = SessionModel[K];
  const get = (): T => sessionStore.get()[key];
  return {
    get,
    set(update) {
      sessionStore.set((model) => {
        const current = model[key];
        const patch = typeof update === 'function' ? update(current) : update;
        return { [key]: { ...current, ...patch } } as unknown as Partial<SessionModel>;
      });
    },
    use: (select) => sessionStore.use((model) => select(model[key])),
    subscribe(listener) {
      let last = get();
      return sessionStore.subscribe(() => {
        const now = get();
        if (now === last) return;
        last = now;
        listener();
      });
    },
  };
}

/** Ends the session when the main process says it is gone (closed with its window, say). */
api.events.on('workspace:closed', ({ sessionId, reason }) => {
  // Replaced: this window opened another workspace, whose session is (or is about to be) the current one.
  if (isCurrent(sessionId) && reason === 'closed') sessionEnded();
});
