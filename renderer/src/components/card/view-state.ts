/**
 * What the Model card screen shows besides the card itself (the open tab, the README fetched from the
 * Hub), kept outside the component tree so it survives moving between screens.
 */
import { api } from '../../api';
import type { AppErrorData } from '../../../../shared/result';
import { linkRepoId, repoIdChanged } from '../../state/card';
import { createStore } from '../../state/store';
import { onWorkspaceOpened } from '../../state/workspace';

export type CardTab = 'preview' | 'disk' | 'hub';

export interface RemoteCard {
  repo: string;
  loading: boolean;
  /** The README on the Hub; null when the repo or its README does not exist (or is private). */
  text: string | null;
  error: AppErrorData | null;
}

export interface CardViewState {
  tab: CardTab;
  remote: RemoteCard | null;
}

export const cardViewStore = createStore<CardViewState>({ tab: 'preview', remote: null });

let remoteToken = 0;

export async function fetchRemoteCard(repo: string): Promise<void> {
  const token = ++remoteToken;
  cardViewStore.set({ remote: { repo, loading: true, text: null, error: null } });
  const result = await api.card.remote({ repo });
  if (token !== remoteToken) return;
  cardViewStore.set({
    remote: result.ok ? { repo, loading: false, text: result.value, error: null } : { repo, loading: false, text: null, error: result.error },
  });
}

onWorkspaceOpened(() => {
  remoteToken++;
  cardViewStore.set({ remote: null });
});

// The repository name is the Publish screen's; its store is read when present, without depending on it.
const publishModules = import.meta.glob<Record<string, unknown>>('../../state/publish.ts', { eager: true });

/** `owner/name` typed on the Publish screen, or '' when there is none (yet). */
export function publishRepo(): string {
  for (const mod of Object.values(publishModules)) {
    const store = mod.publishStore as { get?: () => unknown } | undefined;
    const state = typeof store?.get === 'function' ? store.get() : null;
    const repo = state && typeof state === 'object' ? (state as { repo?: unknown }).repo : null;
    if (typeof repo === 'string') return repo;
  }
  return '';
}

linkRepoId(publishRepo);
let repoTimer: ReturnType<typeof setTimeout> | null = null;
for (const mod of Object.values(publishModules)) {
  const store = mod.publishStore as { subscribe?: (listener: () => void) => () => void } | undefined;
  if (typeof store?.subscribe !== 'function') continue;
  let last = publishRepo();
  store.subscribe(() => {
    const repo = publishRepo();
    if (repo === last) return;
    last = repo;
    // Typing the name fires per keystroke; the card follows once it settles.
    if (repoTimer) clearTimeout(repoTimer);
    repoTimer = setTimeout(repoIdChanged, 500);
  });
}
