import { useId, useState, type FormEvent } from 'react';
import type { AppErrorData } from '../../../../shared/result';
import { TOKEN_SOURCE_LABELS, type TokenRole } from '../../../../shared/publish';
import { ErrorMessage } from '../ErrorMessage';
import { accountStore, forgetToken, setToken } from '../../state/account';

const ROLE_LABELS: Record<TokenRole, string> = {
  write: 'write',
  admin: 'admin',
  contributor: 'contributor',
  read: 'read only',
  fineGrained: 'fine-grained',
  unknown: 'not stated (the Hub decides on upload)',
};

/** Tokens the app itself holds can be forgotten; the others live where the user put them. */
const FORGETTABLE = new Set(['keychain', 'session', 'explicit']);

export function AccountPanel() {
  const status = accountStore.use((s) => s.status);
  const busy = accountStore.use((s) => s.busy);
  const tokenError = accountStore.use((s) => s.tokenError);
  const [token, setTokenText] = useState('');
  const [remember, setRemember] = useState(true);
  const tokenId = useId();
  const rememberHintId = useId();
  const account = status?.account ?? null;
  const keychainAvailable = status?.keychainAvailable ?? false;
  // Where a remembered token goes: the OS keychain, or (without keytar) Electron's safeStorage file.
  const storage = status?.keychain ?? null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!token.trim()) return;
    const accepted = await setToken(token, remember && keychainAvailable);
    // The field is cleared once the main process holds the token: the renderer keeps no copy.
    if (accepted) setTokenText('');
  };

  const notice = status?.error ?? null;
  return (
    <section className="publish-panel" aria-labelledby="publish-account-title">
      <h3 id="publish-account-title">Account</h3>
      {busy === 'loading' && !status && <p className="muted">Checking the token…</p>}
      {account && (
        <dl className="publish-facts" data-testid="publish-account">
          <dt>Signed in as</dt>
          <dd>
            <strong>{account.user}</strong>
            {account.fullname && account.fullname !== account.user ? ` (${account.fullname})` : ''}
          </dd>
          <dt>Organisations</dt>
          <dd>{account.orgs.length ? account.orgs.join(', ') : <span className="muted">none</span>}</dd>
          <dt>Token role</dt>
          <dd>
            <span
              className={`publish-badge ${account.canWrite ? 'publish-badge--good' : 'publish-badge--bad'}`}
            >
              {ROLE_LABELS[account.role]}
            </span>
          </dd>
          <dt>Token</dt>
          <dd>
            <code>{account.masked}</code>
          </dd>
          <dt>From</dt>
          <dd>{TOKEN_SOURCE_LABELS[account.source]}</dd>
        </dl>
      )}
      {notice && account && notice.code === 'KEYCHAIN_UNAVAILABLE' && (
        <p className="publish-notice" role="status">
          {notice.message}
        </p>
      )}
      {notice && (!account || notice.code !== 'KEYCHAIN_UNAVAILABLE') && notice.code !== 'TOKEN_MISSING' && (
        <ErrorMessage error={notice as AppErrorData} />
      )}
      {!account && notice?.code === 'TOKEN_MISSING' && (
        <p className="muted">No token found yet. Paste a Hugging Face token with the “Write” role.</p>
      )}
      {account && FORGETTABLE.has(account.source) && (
        <button type="button" className="button" onClick={() => void forgetToken()} disabled={busy !== null}>
          Forget token
        </button>
      )}
      {account && !FORGETTABLE.has(account.source) && (
        <p className="muted publish-small">
          This token is read from {TOKEN_SOURCE_LABELS[account.source]}; a token pasted below takes its place.
        </p>
      )}

      <form className="publish-token-form" onSubmit={(e) => void submit(e)} aria-label="Sign in with a token">
        <label htmlFor={tokenId}>{account ? 'Use another token' : 'Hugging Face token'}</label>
        <div className="publish-row">
          <input
            id={tokenId}
            className="publish-input"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="hf_…"
            value={token}
            onChange={(e) => setTokenText(e.target.value)}
          />
          <button type="submit" className="button button--primary" disabled={!token.trim() || busy !== null}>
            {busy === 'saving' ? 'Checking…' : 'Sign in'}
          </button>
        </div>
        <label className="publish-check">
          <input
            type="checkbox"
            checked={remember && keychainAvailable}
            disabled={!keychainAvailable}
            aria-describedby={rememberHintId}
            onChange={(e) => setRemember(e.target.checked)}
          />
          {storage?.kind === 'safe-storage' ? 'Keep it on this computer' : 'Keep it in the system keychain'}
        </label>
        <p id={rememberHintId} className="muted publish-small" data-testid="publish-token-storage">
          {keychainAvailable
            ? `${storage ? `Kept in ${storage.backend}. ` : ''}Otherwise it is kept in memory until the app closes.`
            : 'No keychain service is available on this computer: the token is kept for this session only.'}
        </p>
        {keychainAvailable && storage && !storage.protected && (
          <p className="publish-notice" role="status">
            {storage.note ??
              `${storage.backend} does not protect the token: anyone who can read your files can read it. Leave the box unticked to keep it in memory only.`}
          </p>
        )}
        {tokenError && (
          <ErrorMessage error={tokenError} onDismiss={() => accountStore.set({ tokenError: null })} />
        )}
      </form>
    </section>
  );
}
