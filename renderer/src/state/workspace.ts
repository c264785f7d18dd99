/** The open workspace: which folder, its scan, and the screen the user is on. */
import type { AppErrorData } from '../../../shared/result';
import type { JobProgress, ScanResult } from '../../../shared/types';
import { api, runJob } from '../api';
import { createStore } from './store';

export type Screen = 'workspace' | 'checkpoints' | 'card' | 'publish';

export interface WorkspaceState {
  screen: Screen;
  root: string | null;
  scan: ScanResult | null;
  scanning: { progress: JobProgress | null; cancel: () => void } | null;
  error: AppErrorData | null;
  recent: string[];
}

const RECENT_KEY = 'hub-publisher.recent-workspaces';

function loadRecent(): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string').slice(0, 8) : [];
  } catch {
    return [];
  }
}

export const workspaceStore = createStore<WorkspaceState>(
  { screen: 'workspace', root: null, scan: null, scanning: null, error: null, recent: loadRecent() },
  (state, patch) => {
    if ('recent' in patch) localStorage.setItem(RECENT_KEY, JSON.stringify(state.recent));
  },
);

/** Listeners told when a workspace has been scanned (evaluation, card and publish reset themselves). */
const openedListeners = new Set<(scan: ScanResult) => void>();
export function onWorkspaceOpened(listener: (scan: ScanResult) => void): () => void {
  openedListeners.add(listener);
  return () => openedListeners.delete(listener);
}

export async function openWorkspace(root: string): Promise<void> {
  const job = runJob<'workspace:scan'>(
    () => api.workspace.scan({ root }),
    (progress) => workspaceStore.set((s) => ({ scanning: s.scanning && { ...s.scanning, progress } })),
  );
  workspaceStore.set({ root, error: null, scanning: { progress: null, cancel: () => job.cancel() } });
  const result = await job.done;
  if (!result.ok) {
    workspaceStore.set({ scanning: null, error: result.error });
    return;
  }
  const scan = result.value;
  const found = scan.checkpoints.length > 0;
  workspaceStore.set((s) => ({
    scanning: null,
    scan,
    recent: [root, ...s.recent.filter((r) => r !== root)].slice(0, 8),
    error: found
      ? null
      : {
          code: 'NO_CHECKPOINTS',
          message: `No checkpoints in ${root}. A checkpoint is a folder with a config.json and weights (for example step_100/ or checkpoint-500/). Drop the folder that holds them.`,
        },
    screen: found ? 'checkpoints' : 'workspace',
  }));
  if (found) for (const listener of openedListeners) listener(scan);
}

export async function chooseWorkspace(): Promise<void> {
  const picked = await api.workspace.choose();
  if (picked.ok && picked.value) await openWorkspace(picked.value);
  else if (!picked.ok) workspaceStore.set({ error: picked.error });
}
