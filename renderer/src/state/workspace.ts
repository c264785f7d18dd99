/**
 * The window's own state, whatever workspace is open: the screen the user is on, the workspaces opened
 * before (with what the window last saw of them and what was published from them), and why the last one
 * could not be opened. What belongs to the open workspace is the session's (session.ts); `openWorkspace`
 * (open-workspace.ts) starts one.
 */
import type { StoredReceipt, WorkspaceHistory } from '../../../shared/ipc/contract';
import type { AppErrorData } from '../../../shared/result';
import { api } from '../api';
import { createStore } from './store';

export type Screen = 'workspace' | 'checkpoints' | 'card' | 'publish';

/** What the window saw of a workspace when it last scanned it. */
export interface WorkspaceFacts {
  checkpoints: number;
}

export interface WorkspaceState {
  screen: Screen;
  error: AppErrorData | null;
  recent: string[];
  /** By folder, as opened; a null-prototype record (folder names are the user's). */
  facts: Record<string, WorkspaceFacts>;
  /** Past publishes of the workspaces opened before, from the receipts; null until asked. */
  history: WorkspaceHistory[] | null;
}

const RECENT_KEY = 'hub-publisher.recent-workspaces';
const FACTS_KEY = 'hub-publisher.workspace-facts';
const MAX_RECENT = 8;

function loadRecent(): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(parsed)
      ? parsed.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT)
      : [];
  } catch {
    return [];
  }
}

function loadFacts(): Record<string, WorkspaceFacts> {
  const facts = Object.create(null) as Record<string, WorkspaceFacts>;
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(FACTS_KEY) ?? '{}');
    if (parsed && typeof parsed === 'object') {
      for (const [root, value] of Object.entries(parsed)) {
        const count = (value as { checkpoints?: unknown } | null)?.checkpoints;
        if (typeof count === 'number' && Number.isInteger(count) && count >= 0)
          facts[root] = { checkpoints: count };
      }
    }
  } catch {
    // Unreadable facts are only a missing count on the recent list.
  }
  return facts;
}

export const workspaceStore = createStore<WorkspaceState>(
  { screen: 'workspace', error: null, recent: loadRecent(), facts: loadFacts(), history: null },
  (state, patch) => {
    if ('recent' in patch) localStorage.setItem(RECENT_KEY, JSON.stringify(state.recent));
    if ('facts' in patch) localStorage.setItem(FACTS_KEY, JSON.stringify(state.facts));
  },
);

/** Remembers a workspace the window has just scanned: first on the recent list, with its checkpoint count. */
export function rememberWorkspace(root: string, checkpoints: number): void {
  workspaceStore.set((s) => {
    const recent = [root, ...s.recent.filter((r) => r !== root)].slice(0, MAX_RECENT);
    const facts = Object.create(null) as Record<string, WorkspaceFacts>;
    for (const r of recent) if (s.facts[r]) facts[r] = s.facts[r];
    facts[root] = { checkpoints };
    return { recent, facts };
  });
}

/** Asks the main process again what was published from the workspaces opened before. */
export async function refreshHistory(): Promise<void> {
  const history = await api.workspace.history();
  if (history.ok) workspaceStore.set({ history: history.value });
}

/** The publishes made from a workspace, newest first (empty when none, or not known yet). */
export function publishesOf(root: string, state: WorkspaceState = workspaceStore.get()): StoredReceipt[] {
  return state.history?.find((h) => h.root === root)?.publishes ?? NO_PUBLISHES;
}
/** One empty list, so a store selector returns the same value while nothing changed. */
const NO_PUBLISHES: StoredReceipt[] = [];

/** The last folder component of a path, for titles. */
export function folderName(root: string): string {
  return (
    root
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() || root
  );
}
