import type { ExcludedFile, PublishPlan } from '../../../../shared/publish';
import { formatScore } from '../../../../shared/format';
import { formatBytes } from '../../../../shared/units';
import { ErrorMessage } from '../ErrorMessage';
import { accountStore } from '../../state/account';
import { cardStore } from '../../state/card';
import { evaluationStore } from '../../state/evaluation';
import { confirmOtherWorkspace, publishCheckpoint, publishStore, setDeleteRemote } from '../../state/publish';
import { workspaceStore } from '../../state/workspace';
import { NAME_ERRORS } from './RepoPanel';

const REASONS: Record<ExcludedFile['reason'], string> = {
  'training-state': 'training state: only needed to resume training',
  'excluded-by-pattern': 'matches an exclude pattern',
  'not-included': 'not matched by the include patterns',
  'never-uploaded': 'never uploaded: may hold a secret, or belongs to the evaluation harness',
  missing: 'missing, or not a regular file',
  'outside-workspace': 'a link to a file outside the checkpoint or workspace: never followed',
};

const WHY = {
  picked: 'your pick',
  best: 'best eval_accuracy',
  latest: 'latest checkpoint, not evaluated',
} as const;

export function PlanPanel() {
  const plan = publishStore.use((s) => s.plan);
  const planning = publishStore.use((s) => s.planning);
  const planError = publishStore.use((s) => s.planError);
  const prepared = publishStore.use((s) => s.prepared);
  // Subscribed so the checkpoint line follows a new pick or evaluation.
  evaluationStore.use((s) => s.report);
  evaluationStore.use((s) => s.picked);
  const hasCard = cardStore.use((s) => s.text !== null || s.original !== null);
  const checkpoint = publishCheckpoint();
  // Planned before sign-in too: what is sent is known from the workspace; the Hub's side anonymously.
  const signedIn = accountStore.use((s) => s.status?.account != null);

  const sending = plan ? plan.files.filter((f) => !f.unchanged) : [];
  const sendingBytes = sending.reduce((n, f) => n + f.bytes, 0);
  const remoteKnown = plan ? plan.files.some((f) => f.unchanged !== undefined) : false;

  return (
    <section className="publish-panel" aria-labelledby="publish-plan-title" aria-busy={planning}>
      <div className="publish-panel__head">
        <h3 id="publish-plan-title">What will be published</h3>
        <span className="muted publish-small" role="status">
          {planning ? 'Updating the plan…' : ''}
        </span>
      </div>
      {checkpoint ? (
        <p data-testid="publish-checkpoint">
          Checkpoint <strong>{checkpoint.name}</strong>
          {checkpoint.evalAccuracy !== null && <> · eval_accuracy {formatScore(checkpoint.evalAccuracy)}</>}
          <span className="muted"> ({WHY[checkpoint.why]}) </span>
          <button
            type="button"
            className="link"
            onClick={() => workspaceStore.set({ screen: 'checkpoints' })}
          >
            Choose another
          </button>
        </p>
      ) : (
        <p className="muted">
          No checkpoint to publish yet: open a workspace with at least one valid checkpoint.
        </p>
      )}
      {prepared && !prepared.done && !prepared.error && (
        <p className="muted publish-small" data-testid="publish-hash-ahead">
          Hashing ahead
          {prepared.progress && prepared.progress.total > 0
            ? `: ${Math.floor((prepared.progress.done / prepared.progress.total) * 100)}%`
            : '…'}
        </p>
      )}
      {prepared?.done && (
        <p className="muted publish-small" data-testid="publish-hash-ahead">
          Files hashed ahead: Publish starts sending at once.
        </p>
      )}
      {!hasCard && checkpoint && (
        <p className="publish-notice">
          No model card yet.{' '}
          <button type="button" className="link" onClick={() => workspaceStore.set({ screen: 'card' })}>
            Prepare it on the Model card screen
          </button>
          ; it is uploaded as README.md.
        </p>
      )}
      {planError && !NAME_ERRORS.has(planError.code) && <ErrorMessage error={planError} />}
      {plan && !signedIn && (
        <p className="muted publish-small" data-testid="publish-plan-anonymous">
          {plan.target
            ? `Read from the Hub without signing in: a private ${plan.target.repoId} shows what it holds after sign-in.`
            : 'Sign in (or type owner/name) to see what the repository already holds on the Hub.'}
        </p>
      )}
      {plan && (
        <>
          <div className="publish-table-wrap">
            <table className="table publish-plan-table" aria-label="Files to publish">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col" className="num">
                    Size
                  </th>
                  <th scope="col">Storage</th>
                  {remoteKnown && <th scope="col">On the Hub</th>}
                </tr>
              </thead>
              <tbody>
                {plan.files.map((f) => (
                  <tr key={f.path} data-testid="publish-plan-row">
                    <td className="publish-path">{f.path}</td>
                    <td className="num">{formatBytes(f.bytes)}</td>
                    <td>{f.lfs ? <span className="publish-badge">large file (LFS)</span> : 'regular'}</td>
                    {remoteKnown && <td>{f.unchanged ? 'already there, not sent' : 'will be sent'}</td>}
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">
                    {plan.files.length} file{plan.files.length === 1 ? '' : 's'}
                  </th>
                  <td className="num" data-testid="publish-plan-total">
                    {formatBytes(plan.totalBytes)}
                  </td>
                  <td>{formatBytes(plan.lfsBytes)} as large files</td>
                  {remoteKnown && <td>{formatBytes(sendingBytes)} to send</td>}
                </tr>
              </tfoot>
            </table>
          </div>
          <p className="muted publish-small">
            {plan.commits.length === 0
              ? 'Everything is already on the Hub: nothing to send.'
              : `${plan.commits.length} commit${plan.commits.length === 1 ? '' : 's'}: “${plan.commitTitle}”`}
          </p>
          {plan.excluded.length > 0 && (
            <details className="publish-excluded">
              <summary>
                Left out: {plan.excluded.length} file{plan.excluded.length === 1 ? '' : 's'}
              </summary>
              <ul aria-label="Files left out">
                {plan.excluded.map((e) => (
                  <li key={`${e.path}:${e.reason}`}>
                    <code>{e.path}</code> <span className="muted">— {REASONS[e.reason]}</span>
                  </li>
                ))}
              </ul>
            </details>
          )}
          <RemoteOnly plan={plan} />
          <OtherWorkspace plan={plan} />
        </>
      )}
    </section>
  );
}

/** Files the repository holds that this upload does not: kept, or deleted in the same commit (the CLI's --delete-remote). */
function RemoteOnly({ plan }: { plan: PublishPlan }) {
  const deleteRemote = publishStore.use((s) => s.deleteRemote);
  const running = publishStore.use((s) => s.run === 'running');
  if (plan.remoteOnly.length === 0) return null;
  const bytes = plan.remoteOnly.reduce((n, f) => n + f.bytes, 0);
  return (
    <fieldset
      className="publish-fieldset publish-remote-only"
      disabled={running}
      data-testid="publish-remote-only"
    >
      <legend>
        On the Hub, not in this upload: {plan.remoteOnly.length} file{plan.remoteOnly.length === 1 ? '' : 's'}{' '}
        ({formatBytes(bytes)})
      </legend>
      <ul aria-label="On the Hub, not in this upload">
        {plan.remoteOnly.map((f) => (
          <li key={f.path} data-testid="publish-remote-only-row" data-action={f.action}>
            <code>{f.path}</code>{' '}
            <span className="muted">
              — {formatBytes(f.bytes)}, {f.action === 'delete' ? 'will be deleted' : 'kept'}
            </span>
          </li>
        ))}
      </ul>
      <label className="publish-check">
        <input
          type="radio"
          name="publish-remote-only"
          checked={!deleteRemote}
          onChange={() => setDeleteRemote(false)}
        />
        Keep them
      </label>
      <label className="publish-check">
        <input
          type="radio"
          name="publish-remote-only"
          checked={deleteRemote}
          onChange={() => setDeleteRemote(true)}
        />
        Delete them in the same commit
      </label>
    </fieldset>
  );
}

/** The receipts on this machine say the repository was last published from another workspace: ask first. */
function OtherWorkspace({ plan }: { plan: PublishPlan }) {
  const confirmed = publishStore.use((s) => s.confirmedOtherWorkspace);
  const running = publishStore.use((s) => s.run === 'running');
  const other = plan.target?.lastPublishedFrom;
  if (!plan.target || !other) return null;
  const at = new Date(other.at);
  return (
    <div
      className="publish-notice publish-other-workspace"
      role="alert"
      data-testid="publish-other-workspace"
    >
      <p>
        <strong>{plan.target.repoId}</strong> was last published from another workspace:{' '}
        <code>{other.workspace}</code> on {Number.isNaN(at.getTime()) ? other.at : at.toLocaleString()},
        checkpoint <strong>{other.checkpoint}</strong>
        {other.commit ? ` (commit ${other.commit.slice(0, 10)})` : ''}.
      </p>
      <label className="publish-check">
        <input
          type="checkbox"
          disabled={running}
          checked={confirmed === plan.target.repoId}
          onChange={(e) => confirmOtherWorkspace(e.target.checked)}
        />
        Publish this workspace’s checkpoint into it anyway
      </label>
    </div>
  );
}
