/**
 * Publishing: the account, the repository the user typed, the plan, and the upload in progress or done.
 * The Publish screen owns this store; the Model card screen reads `repo` to diff against the Hub's README.
 */
import type { AccountStatus, PublishResult } from '../../../shared/ipc/contract';
import type { PublishPlan } from '../../../shared/publish';
import type { AppErrorData } from '../../../shared/result';
import type { JobItemProgress, JobProgress } from '../../../shared/types';
import { api, runJob } from '../api';
import { cardStore, currentCardOutputs } from './card';
import { chosenCheckpoint, evaluationStore } from './evaluation';
import { createStore } from './store';
import { onWorkspaceOpened, workspaceStore } from './workspace';

export type RunState = 'idle' | 'running' | 'cancelled' | 'failed' | 'done';

export interface PublishState {
  account: AccountStatus | null;
  /** What the account panel is waiting for. */
  accountBusy: 'loading' | 'saving' | 'forgetting' | null;
  /** The typed token was refused (kept apart from the status, which still describes the previous token). */
  tokenError: AppErrorData | null;
  /** The owner picked in the namespace list; null until the account is known. */
  namespace: string | null;
  /** The name typed, without the owner (a pasted `owner/name` is split). */
  name: string;
  /** `owner/name` as it will be published, or '' when nothing is typed yet. */
  repo: string;
  private: boolean;
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
  phases: string[];
  /** Retries and other notes from the main process, as they happen. */
  log: string[];
  runError: AppErrorData | null;
  result: PublishResult | null;
  /** Hashing ahead for the chosen checkpoint. */
  prepared: { key: string; progress: JobProgress | null; done: boolean; error: AppErrorData | null } | null;
}

/** No publish under way and none finished: at start-up, before a new run and for a new workspace. */
const NO_RUN = {
  run: 'idle',
  cancel: null,
  progress: null,
  files: [],
  phases: [],
  log: [],
  runError: null,
  result: null,
} satisfies Partial<PublishState>;

export const publishStore = createStore<PublishState>({
  account: null,
  accountBusy: null,
  tokenError: null,
  namespace: null,
  name: '',
  repo: '',
  private: false,
  plan: null,
  planning: false,
  planError: null,
  ...NO_RUN,
  prepared: null,
});

/** The checkpoint that will be published and why it is that one. */
export interface PublishCheckpoint {
  name: string;
  evalAccuracy: number | null;
  why: 'picked' | 'best' | 'latest';
}

export function publishCheckpoint(): PublishCheckpoint | null {
  const evaluation = evaluationStore.get();
  const chosen = chosenCheckpoint(evaluation);
  if (chosen) return { name: chosen.name, evalAccuracy: chosen.evalAccuracy, why: evaluation.picked ? 'picked' : 'best' };
  if (evaluation.picked) return { name: evaluation.picked, evalAccuracy: null, why: 'picked' };
  // Without an evaluation the newest valid checkpoint is the sensible default; the screen says so.
  const valid = workspaceStore.get().scan?.checkpoints.filter((c) => c.valid) ?? [];
  const latest = valid.at(-1);
  return latest ? { name: latest.name, evalAccuracy: null, why: 'latest' } : null;
}

/** The README that will be uploaded: the card as prepared on the Model card screen. */
export function publishReadme(): string | null {
  const card = cardStore.get();
  // With model-index asked for, the README carries it, merged from the same values as the table.
  return currentCardOutputs()?.readme ?? card.text ?? card.original;
}

function joinRepo(namespace: string | null, name: string): string {
  const n = name.trim();
  if (!n) return '';
  return namespace ? `${namespace}/${n}` : n;
}

/** Accepts `name` or a pasted `owner/name`; an owner the account can use becomes the picked namespace. */
export function setRepoName(input: string): void {
  publishStore.set((s) => {
    const slash = input.indexOf('/');
    if (slash > 0) {
      const owner = input.slice(0, slash);
      const rest = input.slice(slash + 1);
      const owners = namespaces(s.account);
      if (owners.includes(owner)) return { namespace: owner, name: rest, repo: joinRepo(owner, rest) };
      // An owner that is not the user's: keep it whole so the main process can say why it cannot be used.
      return { name: input, repo: input.trim() };
    }
    return { name: input, repo: joinRepo(s.namespace, input) };
  });
  schedulePlan();
}

export function setNamespace(namespace: string): void {
  publishStore.set((s) => ({ namespace, repo: s.name.includes('/') ? s.name.trim() : joinRepo(namespace, s.name) }));
  schedulePlan();
}

export function setPrivate(value: boolean): void {
  publishStore.set({ private: value });
}

/** The user and the organisations the token can publish to. */
export function namespaces(status: AccountStatus | null): string[] {
  const account = status?.account;
  return account ? [account.user, ...account.orgs] : [];
}

/** A Hub-friendly default name from the workspace folder; the Hub's own rules are checked by the main process. */
export function suggestedName(root: string): string {
  const base = root.split(/[\\/]/).filter(Boolean).pop() ?? '';
  return base
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/([-.])\1+/g, '$1')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
    .slice(0, 96);
}

function applyAccount(account: AccountStatus): void {
  publishStore.set((s) => {
    const owners = namespaces(account);
    const namespace = s.namespace && owners.includes(s.namespace) ? s.namespace : (owners[0] ?? null);
    return { account, namespace, repo: s.name.includes('/') ? s.name.trim() : joinRepo(namespace, s.name) };
  });
}

export async function refreshAccount(): Promise<void> {
  const root = workspaceStore.get().root ?? undefined;
  publishStore.set({ accountBusy: 'loading' });
  const status = await api.account.status({ root });
  publishStore.set({ accountBusy: null });
  if (status.ok) applyAccount(status.value);
  else publishStore.set({ tokenError: status.error });
  schedulePlan();
}

/** Sends a typed token to the main process; it is checked there and never comes back. */
export async function setToken(token: string, remember: boolean): Promise<boolean> {
  publishStore.set({ accountBusy: 'saving', tokenError: null });
  const status = await api.account.setToken({ token, remember });
  publishStore.set({ accountBusy: null });
  if (!status.ok) {
    publishStore.set({ tokenError: status.error });
    return false;
  }
  applyAccount(status.value);
  schedulePlan();
  return true;
}

export async function forgetToken(): Promise<void> {
  publishStore.set({ accountBusy: 'forgetting', tokenError: null });
  const status = await api.account.forget();
  publishStore.set({ accountBusy: null });
  if (status.ok) applyAccount(status.value);
  else publishStore.set({ tokenError: status.error });
  schedulePlan();
}

/** What the main process needs to plan or run a publish; null while something is missing. */
function publishRequest() {
  const root = workspaceStore.get().root;
  const checkpoint = publishCheckpoint();
  const readme = publishReadme();
  const { repo } = publishStore.get();
  if (!root || !checkpoint || readme === null || !repo) return null;
  const python = evaluationStore.get().python ?? undefined;
  const evalResults = currentCardOutputs()?.files.map((f) => ({ path: f.path, text: f.text })) ?? [];
  const { overwrite: overwriteResults, modelIndex } = cardStore.get().evalOptions;
  return {
    root,
    checkpoint: checkpoint.name,
    readme,
    repo,
    private: publishStore.get().private,
    python,
    ...(evalResults.length ? { evalResults } : {}),
    ...(modelIndex ? { modelIndex } : {}),
    ...(evalResults.length || modelIndex ? { overwriteResults } : {}),
  };
}

let planTimer: ReturnType<typeof setTimeout> | null = null;
let planSeq = 0;

/**
 * Plans again shortly after the last change (typing a name asks once, not per keystroke); only while the
 * Publish screen is open, so editing the card elsewhere does not rescan the checkpoint.
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
  const result = await api.publish.plan(request);
  // An answer to an older request (the user kept typing) is dropped.
  if (seq !== planSeq) return;
  if (result.ok) publishStore.set({ plan: result.value, planError: null, planning: false });
  else publishStore.set({ planError: result.error, planning: false });
}

export function canPublish(state: PublishState = publishStore.get()): boolean {
  return (
    state.run !== 'running' &&
    Boolean(state.account?.account?.canWrite) &&
    state.plan !== null &&
    state.planError === null &&
    publishRequest() !== null
  );
}

export async function startPublish(): Promise<void> {
  const request = publishRequest();
  if (!request || publishStore.get().run === 'running') return;
  const job = runJob<'publish:run'>(
    () => api.publish.run(request),
    (progress) =>
      publishStore.set((s) => ({
        progress,
        files: progress.items ?? s.files,
        phases: s.phases.includes(progress.phase) ? s.phases : [...s.phases, progress.phase],
      })),
    (line) => publishStore.set((s) => ({ log: [...s.log, line].slice(-200) })),
  );
  publishStore.set({ ...NO_RUN, run: 'running', cancel: () => job.cancel() });
  const result = await job.done;
  if (result.ok) {
    publishStore.set({ run: 'done', cancel: null, result: result.value });
    // The plan now shows every file as already on the Hub.
    schedulePlan(0);
  } else if (result.error.code === 'CANCELLED') {
    publishStore.set({ run: 'cancelled', cancel: null });
  } else {
    publishStore.set({ run: 'failed', cancel: null, runError: result.error });
  }
}

export function cancelPublish(): void {
  publishStore.get().cancel?.();
}

// Hash ahead: as soon as a checkpoint is chosen its large files are hashed, so Publish sends at once.
let prepareJob: { key: string; cancel(): void } | null = null;

function prepareChosen(): void {
  const root = workspaceStore.get().root;
  const checkpoint = publishCheckpoint();
  const key = root && checkpoint ? `${root}\0${checkpoint.name}` : null;
  if (key === (prepareJob?.key ?? null) || !root || !checkpoint || !key) {
    if (!key && prepareJob) {
      prepareJob.cancel();
      prepareJob = null;
    }
    return;
  }
  prepareJob?.cancel();
  const job = runJob<'publish:prepare'>(
    () => api.publish.prepare({ root, checkpoint: checkpoint.name }),
    (progress) => publishStore.set((s) => (s.prepared?.key === key ? { prepared: { ...s.prepared, progress } } : {})),
  );
  prepareJob = { key, cancel: () => job.cancel() };
  publishStore.set({ prepared: { key, progress: null, done: false, error: null } });
  void job.done.then((result) => {
    publishStore.set((s) =>
      s.prepared?.key === key
        ? { prepared: { ...s.prepared, done: result.ok, error: result.ok || result.error.code === 'CANCELLED' ? null : result.error } }
        : {},
    );
  });
  schedulePlan();
}

evaluationStore.subscribe(prepareChosen);
workspaceStore.subscribe(prepareChosen);
cardStore.subscribe(() => schedulePlan());

onWorkspaceOpened((scan) => {
  publishStore.set((s) => {
    const name = s.name || suggestedName(scan.root);
    return {
      ...NO_RUN,
      plan: null,
      planError: null,
      name,
      repo: s.name.includes('/') ? s.name.trim() : joinRepo(s.namespace, name),
    };
  });
  void refreshAccount();
});
