/**
 * Publishing the open workspace: the repository name typed for it, the plan, and the upload in progress
 * or done. All of it is part of the session (session.ts); the repository target is derived (repository.ts).
 */
import type { PublishResult } from '../../../shared/ipc/contract';
import type { PublishCancelOutcome, PublishPlan } from '../../../shared/publish';
import type { AppErrorData } from '../../../shared/result';
import {
  PUBLISH_PHASES,
  type JobItemProgress,
  type JobProgress,
  type PublishPhase,
} from '../../../shared/types';
import { api } from '../api';
import { accountStore, namespaces, onAccountChanged } from './account';
import { cardStore, currentCardOutputs } from './card';
import { chosenCheckpoint, evaluationStore } from './evaluation';
import { repoTarget } from './repository';
import { answer, currentSessionId, NO_RUN, sessionJob, sessionSlice, sessionStore } from './session';
import { workspaceStore } from './workspace';

export type RunState = 'idle' | 'running' | 'cancelled' | 'failed' | 'done';

export interface PublishSessionState {
  /** The name as typed (a pasted `owner/name` is split); null until the user types: the proposal is used. */
  name: string | null;
  /** The owner picked in the owner list; null follows the name's owner or the account's user. */
  namespace: string | null;
  private: boolean;
  /** "On the Hub, not in this upload": false keeps those files, true deletes them in the same commit. */
  deleteRemote: boolean;
  /** The repository the user agreed to publish to although it was last published from another workspace. */
  confirmedOtherWorkspace: string | null;
  plan: PublishPlan | null;
  planning: boolean;
  planError: AppErrorData | null;
  run: RunState;
  cancel: (() => void) | null;
  /** The last progress of the current or last run (kept after a cancel, so the user sees where it stopped). */
  progress: JobProgress | null;
  /** Per-file progress of the upload, kept through the phases after it (which report no files). */
  files: JobItemProgress[];
  /** Phases seen in this run, in order. */
  phases: PublishPhase[];
  /** How far the whole run is, 0 to 1, across its phases: it only ever grows (see `overallFraction`). */
  overall: number;
  /** Retries and other notes from the main process, as they happen. */
  log: string[];
  /** Why the run failed, or, for a cancelled run, what the main process said it left on the Hub. */
  runError: AppErrorData | null;
  result: PublishResult | null;
  /** Hashing ahead for the chosen checkpoint. */
  prepared: { key: string; progress: JobProgress | null; done: boolean; error: AppErrorData | null } | null;
}

export const publishStore = sessionSlice('publish');

/** The checkpoint that will be published and why it is that one. */
export interface PublishCheckpoint {
  name: string;
  evalAccuracy: number | null;
  why: 'picked' | 'best' | 'latest';
}

export function publishCheckpoint(): PublishCheckpoint | null {
  const evaluation = evaluationStore.get();
  const chosen = chosenCheckpoint(evaluation);
  if (chosen)
    return {
      name: chosen.name,
      evalAccuracy: chosen.evalAccuracy,
      why: evaluation.picked ? 'picked' : 'best',
    };
  if (evaluation.picked) return { name: evaluation.picked, evalAccuracy: null, why: 'picked' };
  // Without an evaluation the newest valid checkpoint is the sensible default; the screen says so.
  const valid = sessionStore.get().scan?.checkpoints.filter((c) => c.valid) ?? [];
  const latest = valid.at(-1);
  return latest ? { name: latest.name, evalAccuracy: null, why: 'latest' } : null;
}

/** The README that will be uploaded: the card as prepared on the Model card screen. */
export function publishReadme(): string | null {
  const card = cardStore.get();
  // With model-index asked for, the README carries it, merged from the same values as the table.
  return currentCardOutputs()?.readme ?? card.text ?? card.original;
}

/** Accepts `name` or a pasted `owner/name`; an owner the account can use becomes the picked namespace. */
export function setRepoName(input: string): void {
  const slash = input.indexOf('/');
  if (slash > 0 && namespaces().includes(input.slice(0, slash))) {
    publishStore.set({ namespace: input.slice(0, slash), name: input.slice(slash + 1) });
  } else {
    publishStore.set({ name: input });
  }
  schedulePlan();
}

export function setNamespace(namespace: string): void {
  const target = repoTarget();
  // The name shown stays what it is; only its owner changes.
  publishStore.set({ namespace, name: target.name });
  schedulePlan();
}

export function setPrivate(value: boolean): void {
  publishStore.set({ private: value });
}

/** Keep (false) or delete (true) the files on the Hub that this upload does not hold. */
export function setDeleteRemote(value: boolean): void {
  publishStore.set({ deleteRemote: value });
  schedulePlan(0);
}

/** The user agrees to publish into a repository last published from another workspace (or takes it back). */
export function confirmOtherWorkspace(confirmed: boolean): void {
  publishStore.set({
    confirmedOtherWorkspace: confirmed ? (publishStore.get().plan?.target?.repoId ?? null) : null,
  });
}

/** The plan's repository was last published from another workspace and the user has not agreed yet. */
export function needsOtherWorkspaceConfirmation(state = publishStore.get()): boolean {
  const target = state.plan?.target;
  return Boolean(target?.lastPublishedFrom) && state.confirmedOtherWorkspace !== target?.repoId;
}

/** What the main process needs to plan or run a publish; null while something is missing. */
function publishRequest() {
  const sessionId = currentSessionId();
  const checkpoint = publishCheckpoint();
  const readme = publishReadme();
  const { repo } = repoTarget();
  const state = publishStore.get();
  if (!sessionId || !checkpoint || readme === null || !repo) return null;
  const keepRemote = state.plan?.remoteOnly.map((f) => f.path) ?? [];
  const evalResults = currentCardOutputs()?.files.map((f) => ({ path: f.path, text: f.text })) ?? [];
  const { overwrite: overwriteResults, modelIndex } = cardStore.get().evalOptions;
  return {
    sessionId,
    checkpoint: checkpoint.name,
    readme,
    repo,
    private: state.private,
    // Kept on purpose: verification counts them as accounted for. Deleting applies to all of them.
    ...(state.deleteRemote ? { deleteRemote: true } : keepRemote.length ? { keepRemote } : {}),
    ...(evalResults.length ? { evalResults } : {}),
    ...(modelIndex ? { modelIndex } : {}),
    ...(evalResults.length || modelIndex ? { overwriteResults } : {}),
  };
}

let planTimer: ReturnType<typeof setTimeout> | null = null;
let planSeq = 0;

/**
 * Plans again shortly after the last change (typing a name asks once, not per keystroke); only while the
 * Publish screen is open, so editing the card elsewhere does not re-plan.
 */
export function schedulePlan(delayMs = 300): void {
  if (planTimer) clearTimeout(planTimer);
  if (workspaceStore.get().screen !== 'publish') return;
  planTimer = setTimeout(() => {
    planTimer = null;
    void refreshPlan();
  }, delayMs);
}

export async function refreshPlan(): Promise<void> {
  const request = publishRequest();
  const seq = ++planSeq;
  if (!request) {
    publishStore.set({ plan: null, planError: null, planning: false });
    return;
  }
  publishStore.set({ planning: true });
  const result = await answer(request.sessionId, api.publish.plan(request));
  // An answer to an older request (the user kept typing) is dropped.
  if (seq !== planSeq) return;
  if (result.ok) publishStore.set({ plan: result.value, planError: null, planning: false });
  else publishStore.set({ planError: result.error, planning: false });
}

export function canPublish(state: PublishSessionState = publishStore.get()): boolean {
  return (
    state.run !== 'running' &&
    Boolean(accountStore.get().status?.account?.canWrite) &&
    state.plan !== null &&
    state.planError === null &&
    !needsOtherWorkspaceConfirmation(state) &&
    publishRequest() !== null
  );
}

export async function startPublish(): Promise<void> {
  const request = publishRequest();
  if (!request || publishStore.get().run === 'running') return;
  const confirmed = publishStore.get().confirmedOtherWorkspace === publishStore.get().plan?.target?.repoId;
  const job = sessionJob<PublishResult>(
    request.sessionId,
    () => api.publish.run({ ...request, ...(confirmed ? { confirmOtherWorkspace: true } : {}) }),
    (progress) =>
      publishStore.set((s) => ({
        progress,
        overall: Math.max(s.overall, overallFraction(progress)),
        files: progress.items ?? s.files,
        phases: s.phases.includes(progress.phase as PublishPhase)
          ? s.phases
          : [...s.phases, progress.phase as PublishPhase],
      })),
    (line) => publishStore.set((s) => ({ log: [...s.log, line].slice(-200) })),
  );
  publishStore.set({ ...NO_RUN, run: 'running', cancel: () => job.cancel() });
  const result = await job.done;
  if (result.ok) {
    publishStore.set({ run: 'done', cancel: null, result: result.value, overall: 1 });
    // The plan now shows every file as already on the Hub.
    schedulePlan(0);
  } else if (result.error.code === 'CANCELLED') {
    publishStore.set({ run: 'cancelled', cancel: null, runError: result.error });
    // A cancel that came too late committed: the plan must say what the Hub holds now.
    if (result.error.cancel?.committed) schedulePlan(0);
  } else {
    publishStore.set({ run: 'failed', cancel: null, runError: result.error });
  }
}

/**
 * The share of a whole publish each phase stands for: sending the bytes is most of it, hashing (when not
 * done ahead) and verifying next; the others are a request or two.
 */
const PHASE_WEIGHTS: Record<PublishPhase, number> = {
  token: 1,
  scan: 1,
  evaluate: 1,
  card: 1,
  hash: 12,
  plan: 1,
  repo: 1,
  upload: 70,
  commit: 4,
  verify: 8,
};
const ALL_WEIGHTS = PUBLISH_PHASES.reduce((n, p) => n + PHASE_WEIGHTS[p], 0);

/**
 * Where a progress event puts the whole run, 0 to 1: the phases before it are done, and its own share is
 * filled as far as it says. Each phase counts from zero on its own (a new phase reports "0 of 0" at
 * first); measured against the whole run, a new phase never moves the bar back.
 */
export function overallFraction(progress: JobProgress): number {
  const index = PUBLISH_PHASES.indexOf(progress.phase as PublishPhase);
  if (index < 0) return 0;
  const before = PUBLISH_PHASES.slice(0, index).reduce((n, p) => n + PHASE_WEIGHTS[p], 0);
  const within = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  return (before + within * PHASE_WEIGHTS[PUBLISH_PHASES[index]!]) / ALL_WEIGHTS;
}

/** A publish is over (done, or a new one is wanted): the screen goes back to its plan for the next one. */
export function clearRun(): void {
  if (publishStore.get().run === 'running') return;
  publishStore.set({ ...NO_RUN });
}

export function cancelPublish(): void {
  publishStore.get().cancel?.();
}

/** What a cancelled run left on the Hub, when the main process said. */
export function cancelOutcome(state = publishStore.get()): PublishCancelOutcome | null {
  return state.run === 'cancelled' ? (state.runError?.cancel ?? null) : null;
}

// Hash ahead: as soon as a checkpoint is chosen its large files are hashed, so Publish sends at once.
let prepareJob: { key: string; cancel(): void } | null = null;

function prepareChosen(): void {
  const sessionId = currentSessionId();
  const checkpoint = publishCheckpoint();
  const key = sessionId && checkpoint ? `${sessionId}\0${checkpoint.name}` : null;
  if (key === (prepareJob?.key ?? null) || !sessionId || !checkpoint || !key) {
    if (!key && prepareJob) {
      prepareJob.cancel();
      prepareJob = null;
    }
    return;
  }
  prepareJob?.cancel();
  const job = sessionJob<{ files: number; bytes: number }>(
    sessionId,
    () => api.publish.prepare({ sessionId, checkpoint: checkpoint.name }),
    (progress) =>
      publishStore.set((s) => (s.prepared?.key === key ? { prepared: { ...s.prepared, progress } } : {})),
  );
  prepareJob = { key, cancel: () => job.cancel() };
  publishStore.set({ prepared: { key, progress: null, done: false, error: null } });
  void job.done.then((result) => {
    publishStore.set((s) =>
      s.prepared?.key === key
        ? {
            prepared: {
              ...s.prepared,
              done: result.ok,
              error: result.ok || result.error.code === 'CANCELLED' ? null : result.error,
            },
          }
        : {},
    );
  });
  schedulePlan();
}

// The session's chosen checkpoint is hashed ahead, and the plan follows the card and the account.
sessionStore.subscribe(prepareChosen);
cardStore.subscribe(() => schedulePlan());
onAccountChanged(() => schedulePlan());
