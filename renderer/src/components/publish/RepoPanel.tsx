import { useEffect, useId, useState, type FormEvent } from 'react';
import { checkRepoNameSyntax } from '../../../../shared/repo-name';
import type { AppErrorData } from '../../../../shared/result';
import { api } from '../../api';
import { accountStore, namespaces, refreshAccount } from '../../state/account';
import { publishStore, setNamespace, setPrivate, setRepoName } from '../../state/publish';
import { useRepoTarget } from '../../state/repository';

/** Where the name in the field comes from, until the user types one. */
const SOURCE_NOTES = {
  remembered: 'The repository this workspace was last published to.',
  'readme-title': 'Proposed from the README’s title.',
  folder: 'Proposed from the workspace folder’s name.',
} as const;

/** Errors about the name itself are shown next to the field, the others with the plan. */
export const NAME_ERRORS = new Set(['REPO_NAME_INVALID', 'REPO_FORBIDDEN']);

export function RepoPanel() {
  const status = accountStore.use((s) => s.status);
  // Derived for this workspace: what the user typed, else what the main process proposed for it.
  const { namespace, name, repo, source } = useRepoTarget();
  const isPrivate = publishStore.use((s) => s.private);
  const planError = publishStore.use((s) => s.planError);
  const running = publishStore.use((s) => s.run === 'running');
  const owners = namespaces(status);
  // The Hub's naming rules are checked on every keystroke; who may write where, by the plan.
  const syntaxProblem = repo ? checkRepoNameSyntax(repo) : null;
  const nameError: AppErrorData | null = syntaxProblem
    ? { code: 'REPO_NAME_INVALID', message: syntaxProblem }
    : planError && NAME_ERRORS.has(planError.code)
      ? planError
      : null;
  const ownerId = useId();
  const nameId = useId();
  const hintId = useId();
  const errorId = useId();

  return (
    <section className="publish-panel" aria-labelledby="publish-repo-title">
      <h3 id="publish-repo-title">Repository</h3>
      <div className="publish-repo-name">
        <div className="publish-field">
          <label htmlFor={ownerId}>Owner</label>
          <select
            id={ownerId}
            className="publish-input"
            value={namespace ?? ''}
            disabled={owners.length === 0 || running}
            onChange={(e) => setNamespace(e.target.value)}
          >
            {owners.length === 0 && <option value="">sign in first</option>}
            {owners.map((o, i) => (
              <option key={o} value={o}>
                {o}
                {i === 0 ? ' (you)' : ' (organisation)'}
              </option>
            ))}
          </select>
        </div>
        <span className="publish-slash" aria-hidden="true">
          /
        </span>
        <div className="publish-field publish-field--grow">
          <label htmlFor={nameId}>Repository name</label>
          <input
            id={nameId}
            className="publish-input"
            value={name}
            spellCheck={false}
            autoComplete="off"
            disabled={running}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? `${errorId} ${hintId}` : hintId}
            onChange={(e) => setRepoName(e.target.value)}
          />
        </div>
      </div>
      <p id={hintId} className="muted publish-small">
        {source && source !== 'typed' && (
          <span data-testid="publish-repo-source" data-source={source}>
            {SOURCE_NOTES[source]}{' '}
          </span>
        )}
        Letters, digits, “-”, “_” and “.”, up to 96 characters; start and end with a letter or digit.
      </p>
      {nameError && (
        <p id={errorId} className="publish-field-error" role="alert" data-code={nameError.code}>
          {nameError.message}
        </p>
      )}
      <fieldset className="publish-fieldset" disabled={running}>
        <legend>Visibility</legend>
        <label className="publish-check">
          <input
            type="radio"
            name="publish-visibility"
            checked={!isPrivate}
            onChange={() => setPrivate(false)}
          />
          Public: anyone can see and download it
        </label>
        <label className="publish-check">
          <input
            type="radio"
            name="publish-visibility"
            checked={isPrivate}
            onChange={() => setPrivate(true)}
          />
          Private: only you{namespace && owners.indexOf(namespace) > 0 ? ` and members of ${namespace}` : ''}
        </label>
      </fieldset>
      {repo && status && (
        <p className="publish-small" data-testid="publish-target">
          Publishes to <code>{`${status.hubEndpoint}/${repo}`}</code>
        </p>
      )}
    </section>
  );
}

/**
 * Which Hub the app signs in to and publishes on: asked first on the Publish screen, since the token is
 * checked against it (a mirror or a self-hosted endpoint needs setting before sign-in).
 */
export function EndpointPanel() {
  const current = accountStore.use((s) => s.status?.hubEndpoint ?? null);
  const running = publishStore.use((s) => s.run === 'running');
  return (
    <section className="publish-panel" aria-labelledby="publish-hub-title">
      <h3 id="publish-hub-title">Hub</h3>
      <EndpointSetting current={current} disabled={running} />
    </section>
  );
}

function EndpointSetting({ current, disabled }: { current: string | null; disabled: boolean }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<AppErrorData | null>(null);
  const [saved, setSaved] = useState(false);
  const id = useId();
  const errorId = useId();

  useEffect(() => {
    if (current !== null) return;
    // Before the account answers, the setting itself says which Hub is used.
    void api.settings.get().then((r) => {
      if (r.ok) setDraft((d) => d ?? r.value.hubEndpoint);
    });
  }, [current]);

  const value = draft ?? current ?? '';
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const result = await api.settings.set({ hubEndpoint: value.trim() });
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setError(null);
    setDraft(null);
    setSaved(true);
    await refreshAccount();
  };

  return (
    <form className="publish-endpoint" onSubmit={(e) => void save(e)}>
      <label htmlFor={id}>Hub endpoint</label>
      <div className="publish-row">
        <input
          id={id}
          className="publish-input"
          value={value}
          spellCheck={false}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => {
            setDraft(e.target.value);
            setSaved(false);
          }}
        />
        <button
          type="submit"
          className="button"
          disabled={disabled || !value.trim() || value.trim() === current}
        >
          Save
        </button>
      </div>
      {error && (
        <p id={errorId} className="publish-field-error" role="alert" data-code={error.code}>
          {error.message}
        </p>
      )}
      {saved && (
        <p className="muted publish-small" role="status">
          Saved. The account was checked again against this endpoint.
        </p>
      )}
    </form>
  );
}
