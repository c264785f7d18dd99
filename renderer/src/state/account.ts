/**
 * The Hub account the token belongs to: the app's, not a workspace's (the main process caches it per
 * session and refreshes it on sign-in or an endpoint change). The token itself never reaches the renderer.
 */
import type { AccountStatus } from '../../../shared/ipc/contract';
import type { AppErrorData } from '../../../shared/result';
import { api } from '../api';
import { answer, currentSessionId } from './session';
import { createStore } from './store';

export interface AccountState {
  status: AccountStatus | null;
  /** What the account panel is waiting for. */
  busy: 'loading' | 'saving' | 'forgetting' | null;
  /** The typed token was refused (kept apart from the status, which still describes the previous token). */
  tokenError: AppErrorData | null;
}

export const accountStore = createStore<AccountState>({ status: null, busy: null, tokenError: null });

/** The user and the organisations the token can publish to. */
export function namespaces(status: AccountStatus | null = accountStore.get().status): string[] {
  const account = status?.account;
  return account ? [account.user, ...account.orgs] : [];
}

/** Told whenever the account may have changed, so whoever plans with it can plan again. */
const changed = new Set<() => void>();
export function onAccountChanged(listener: () => void): () => void {
  changed.add(listener);
  return () => changed.delete(listener);
}

function settle(status: { ok: true; value: AccountStatus } | { ok: false; error: AppErrorData }): void {
  accountStore.set(
    status.ok ? { busy: null, status: status.value } : { busy: null, tokenError: status.error },
  );
  for (const listener of changed) listener();
}

export async function refreshAccount(): Promise<void> {
  const sessionId = currentSessionId();
  accountStore.set({ busy: 'loading' });
  // The workspace's hf_token.txt counts for this session only: a late answer for another one is dropped.
  const request = api.account.status(sessionId ? { sessionId } : {});
  settle(sessionId ? await answer(sessionId, request) : await request);
}

/** Sends a typed token to the main process; it is checked there and never comes back. */
export async function setToken(token: string, remember: boolean): Promise<boolean> {
  accountStore.set({ busy: 'saving', tokenError: null });
  const status = await api.account.setToken({ token, remember });
  settle(status);
  return status.ok;
}

export async function forgetToken(): Promise<void> {
  accountStore.set({ busy: 'forgetting', tokenError: null });
  settle(await api.account.forget());
}
