/**
 * App state that must survive moving between screens: one small external store read with
 * `useSyncExternalStore`, so any screen subscribes to just the slice it shows.
 */
import { useSyncExternalStore } from 'react';
import type { AppErrorData } from '../../../shared/result';
import type { JobProgress, ScanResult } from '../../../shared/types';

export type Screen = 'workspace' | 'checkpoints' | 'card' | 'publish';

export interface AppState {
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

let state: AppState = {
  screen: 'workspace',
  root: null,
  scan: null,
  scanning: null,
  error: null,
  recent: loadRecent(),
};
const listeners = new Set<() => void>();

export function getState(): AppState {
  return state;
}

export function setState(update: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
  const patch = typeof update === 'function' ? update(state) : update;
  state = { ...state, ...patch };
  if ('recent' in patch) localStorage.setItem(RECENT_KEY, JSON.stringify(state.recent));
  for (const listener of listeners) listener();
}

export function useAppState<T>(select: (s: AppState) => T): T {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => select(state),
  );
}
