import { useEffect, useRef } from 'react';
import { AccountPanel } from '../components/publish/AccountPanel';
import { DonePanel } from '../components/publish/DonePanel';
import { ErrorMessage } from '../components/ErrorMessage';
import { PlanPanel } from '../components/publish/PlanPanel';
import { ProgressPanel } from '../components/publish/ProgressPanel';
import { EndpointPanel, RepoPanel } from '../components/publish/RepoPanel';
import { accountStore, refreshAccount } from '../state/account';
import { confirmCardTodos } from '../state/card';
import { canPublish, needsOtherWorkspaceConfirmation, publishStore, startPublish } from '../state/publish';
import { repoTarget } from '../state/repository';
import { sessionStore } from '../state/session';

/** Why the Publish button is disabled, in the user's terms; null when it is enabled. */
function blockedReason(): string | null {
  const s = publishStore.get();
  const account = accountStore.get().status?.account;
  if (s.run === 'running') return null;
  if (!sessionStore.get().info) return 'Open a workspace first.';
  if (!account) return 'Sign in with a token first.';
  if (!account.canWrite) return 'This token can only read: sign in with a write token.';
  if (!repoTarget().repo) return 'Type a repository name.';
  if (s.planError) return 'Fix the problem above first.';
  if (!s.plan) return s.planning ? 'Preparing the plan…' : 'The plan is not ready yet.';
  if (needsOtherWorkspaceConfirmation(s))
    return 'Confirm above that this repository may take this workspace’s checkpoint.';
  return null;
}

/** The screen's primary action; the window's action bar holds it, so it is in view at any window size. */
export function PublishAction() {
  // Re-rendered on any change of the session or the account: the reason depends on several fields.
  sessionStore.use((m) => m);
  accountStore.use((s) => s);
  const run = publishStore.use((s) => s.run);
  const enabled = canPublish();
  const reason = enabled ? null : blockedReason();
  const buttonRef = useRef<HTMLButtonElement>(null);
  // After a cancel or a failure the Cancel button is gone; Publish (again) is the next step.
  useEffect(() => {
    if (run === 'cancelled' || run === 'failed') buttonRef.current?.focus();
  }, [run]);
  return (
    <div className="publish-action">
      <div className="publish-row">
        <button
          ref={buttonRef}
          type="button"
          className="button button--primary publish-button"
          disabled={!enabled}
          aria-describedby={reason ? 'publish-blocked' : undefined}
          onClick={() => {
            if (confirmCardTodos()) void startPublish();
          }}
        >
          {run === 'running' ? 'Publishing…' : 'Publish'}
        </button>
        {reason && (
          <span id="publish-blocked" className="muted publish-small">
            {reason}
          </span>
        )}
        {!reason && run === 'cancelled' && (
          <span className="muted publish-small">
            Publishing again resumes: files the Hub already has are not sent again.
          </span>
        )}
      </div>
    </div>
  );
}

/** Why the last run failed, with the plan (the action bar stays small enough to keep the screen in view). */
function PublishRunError() {
  const run = publishStore.use((s) => s.run);
  const runError = publishStore.use((s) => s.runError);
  if (run !== 'failed' || !runError) return null;
  return (
    <ErrorMessage error={runError} onDismiss={() => publishStore.set({ runError: null, run: 'idle' })} />
  );
}

export function PublishScreen() {
  const sessionId = sessionStore.use((m) => m.info?.sessionId ?? null);
  useEffect(() => {
    void refreshAccount();
  }, [sessionId]);

  return (
    <div className="publish">
      <h2 className="publish-sr-only">Publish</h2>
      <div className="publish-side">
        <EndpointPanel />
        <AccountPanel />
        <RepoPanel />
      </div>
      <div className="publish-main">
        <PlanPanel />
        <PublishRunError />
        <ProgressPanel />
        <DonePanel />
      </div>
    </div>
  );
}
