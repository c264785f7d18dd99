/**
 * The window's own state, whatever workspace is open: the screen the user is on, the workspaces opened
 * before, and why the last one could not be opened. What belongs to the open workspace is the session's
 * (session.ts); `openWorkspace` (open-workspace.ts) starts one.
 */
import type { AppErrorData } from '../../../shared/result';
import { createStore } from './store';

export type Screen = 'workspace' | 'checkpoints' | 'card' | 'publish';

export interface WorkspaceState {
  screen: Screen;
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
  { screen: 'workspace', error: null, recent: loadRecent() },
  (state, patch) => {
    if ('recent' in patch) localStorage.setItem(RECENT_KEY, JSON.stringify(state.recent));
  },
);
