/**
 * Opening a workspace: a new session from the main process, the model replaced whole, then the scan and
 * everything that follows from it (evaluation, card, account) started for that session and no other.
 */
import type { ScanResult } from '../../../shared/types';
import { api } from '../api';
import { refreshAccount } from './account';
import { startEvaluation } from './evaluation';
import { replaceSession, sessionJob, sessionStore } from './session';
import { rememberWorkspace, workspaceStore } from './workspace';

/** Counts opens, so that of two opens in flight only the later one's session is taken. */
let opening = 0;

export async function openWorkspace(root: string): Promise<void> {
  const attempt = ++opening;
  workspaceStore.set({ error: null });
  const opened = await api.workspace.open({ root });
  if (attempt !== opening) return;
  if (!opened.ok) {
    workspaceStore.set({ error: opened.error });
    return;
  }
  const { sessionId } = opened.value;
  replaceSession(opened.value);
  const job = sessionJob<ScanResult>(
    sessionId,
    () => api.workspace.scan({ sessionId }),
    (progress) => sessionStore.set((m) => ({ scanning: m.scanning && { ...m.scanning, progress } })),
  );
  sessionStore.set({ scanning: { progress: null, cancel: () => job.cancel() } });
  const result = await job.done;
  if (!result.ok) {
    sessionStore.set({ scanning: null });
    workspaceStore.set({ error: result.error.code === 'CANCELLED' ? null : result.error });
    return;
  }
  const scan = result.value;
  const found = scan.checkpoints.length > 0;
  sessionStore.set({ scanning: null, scan });
  rememberWorkspace(root, scan.checkpoints.length);
  workspaceStore.set({
    error: found
      ? null
      : {
          code: 'NO_CHECKPOINTS',
          message: `No checkpoints in ${root}. A checkpoint is a folder with a config.json and weights (for example step_100/ or checkpoint-500/). Drop the folder that holds them.`,
        },
    screen: found ? 'checkpoints' : 'workspace',
  });
  if (!found) return;
  void refreshAccount();
  void startEvaluation();
}

export async function chooseWorkspace(): Promise<void> {
  const picked = await api.workspace.choose();
  if (picked.ok && picked.value) await openWorkspace(picked.value);
  else if (!picked.ok) workspaceStore.set({ error: picked.error });
}
