/**
 * What the Model card screen shows besides the card itself (the open tab, the README fetched from the
 * Hub): part of the session, so it survives moving between screens and goes with the workspace.
 */
import type { AppErrorData } from '../../../shared/result';
import { api } from '../api';
import { answer, currentSessionId, sessionSlice } from './session';

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

export const cardViewStore = sessionSlice('cardView');

let remoteToken = 0;

export async function fetchRemoteCard(repo: string): Promise<void> {
  const sessionId = currentSessionId();
  if (!sessionId) return;
  const token = ++remoteToken;
  cardViewStore.set({ remote: { repo, loading: true, text: null, error: null } });
  const result = await answer(sessionId, api.card.remote({ sessionId, repo }));
  // The user asked for another repository meanwhile.
  if (token !== remoteToken) return;
  cardViewStore.set({
    remote: result.ok
      ? { repo, loading: false, text: result.value, error: null }
      : { repo, loading: false, text: null, error: result.error },
  });
}
