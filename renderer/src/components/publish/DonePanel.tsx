import { useEffect, useRef, useState } from 'react';
import { formatBytes } from '../../../../shared/units';
import { api } from '../../api';
import { clearRun, publishStore } from '../../state/publish';
import { workspaceStore } from '../../state/workspace';
import { ReceiptDetails } from './ReceiptDetails';

/** Done here: back to the Workspace screen, where another folder (or this one again) can be opened. */
function publishAnother(): void {
  clearRun();
  workspaceStore.set({ screen: 'workspace' });
}

export function DonePanel() {
  const result = publishStore.use((s) => (s.run === 'done' ? s.result : null));
  const retries = publishStore.use((s) => s.log.filter((line) => /^Retrying/.test(line)).length);
  const [openFailed, setOpenFailed] = useState(false);
  const [copied, setCopied] = useState<'copied' | 'selected' | null>(null);
  const [showReceipt, setShowReceipt] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  // Focus follows the work: the Cancel button it was on is gone, the result is what to read next.
  useEffect(() => {
    if (result) headingRef.current?.focus();
  }, [result]);
  if (!result) return null;
  const { outcome, verification } = result;
  const skipped = outcome.files.filter((f) => f.skipped).length;
  const failed = verification.checks.filter((c) => !c.ok);
  const unaccounted = verification.unaccounted ?? [];
  const kept = verification.kept ?? [];

  const open = async () => {
    const opened = await api.app.openExternal({ url: verification.url });
    setOpenFailed(!opened.ok || !opened.value);
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(verification.url);
      setCopied('copied');
    } catch {
      // Without clipboard access the address is selected, so Ctrl+C copies it.
      const link = document.querySelector('[data-testid="publish-url"]');
      if (link) window.getSelection()?.selectAllChildren(link);
      setCopied('selected');
    }
  };

  return (
    <section
      className={`publish-panel publish-done ${verification.verified ? 'publish-done--ok' : 'publish-done--bad'}`}
      aria-labelledby="publish-done-title"
    >
      <h3 id="publish-done-title" ref={headingRef} tabIndex={-1}>
        {verification.verified
          ? 'Verified'
          : failed.length === 0 && verification.readmeByteEqual && unaccounted.length > 0
            ? 'Published, but the repository also holds files this publish does not account for'
            : 'Published, but the Hub does not hold exactly what was sent'}
      </h3>
      <p>
        <button
          type="button"
          className="link publish-url"
          onClick={() => void open()}
          data-testid="publish-url"
        >
          {verification.url}
        </button>
        <span className="muted publish-small"> opens in your browser</span>
      </p>
      <div className="publish-row publish-done__actions">
        <button type="button" className="button button--primary" onClick={() => void open()}>
          Open on the Hub
        </button>
        <button type="button" className="button" onClick={() => void copy()}>
          Copy URL
        </button>
        {verification.receiptPath && (
          <button
            type="button"
            className="button"
            aria-expanded={showReceipt}
            aria-controls="publish-receipt-details"
            onClick={() => setShowReceipt((v) => !v)}
          >
            {showReceipt ? 'Hide receipt' : 'Show receipt'}
          </button>
        )}
        <button type="button" className="button" onClick={publishAnother}>
          Publish another
        </button>
        <span className="muted publish-small" role="status">
          {copied === 'copied'
            ? 'Copied the address.'
            : copied === 'selected'
              ? 'The address is selected: press Ctrl+C to copy it.'
              : ''}
        </span>
      </div>
      {showReceipt && verification.receiptPath && <ReceiptDetails receiptPath={verification.receiptPath} />}
      {openFailed && (
        <p className="publish-field-error" role="alert">
          The app only opens links on the configured Hub. Copy the address above instead.
        </p>
      )}
      <p className="publish-small">
        {outcome.commits.length === 0
          ? 'Nothing new to send: the Hub already had every file.'
          : `${outcome.commits.length} commit${outcome.commits.length === 1 ? '' : 's'} (${outcome.commits
              .map((c) => c.oid.slice(0, 10))
              .join(', ')}), ${formatBytes(outcome.bytesSent)} sent`}
        {skipped > 0 && `, ${skipped} file${skipped === 1 ? '' : 's'} already there`}
        {outcome.lfsObjectsReused > 0 &&
          `, ${outcome.lfsObjectsReused} large object${outcome.lfsObjectsReused === 1 ? '' : 's'} reused`}
        {outcome.createdRepo ? '. New repository' : ''}
        {outcome.private ? ', private.' : '.'}
        {retries > 0 && ` ${retries} request${retries === 1 ? ' was' : 's were'} retried along the way.`}
      </p>
      <h4 className="publish-subhead">Checks</h4>
      <ul className="publish-checks" aria-label="Verification checks">
        {verification.checks.map((c) => (
          <li
            key={c.path}
            className={c.ok ? 'publish-verify--ok' : 'publish-verify--bad'}
            data-testid="publish-check"
          >
            <span aria-hidden="true">{c.ok ? '✓' : '✗'}</span>{' '}
            <span className="publish-sr-only">{c.ok ? 'OK: ' : 'Problem: '}</span>
            <code>{c.path}</code>
            {c.ok ? (
              <span className="muted"> present, same size and content</span>
            ) : (
              <span> — {c.problem}</span>
            )}
          </li>
        ))}
        <li
          className={verification.readmeByteEqual ? 'publish-verify--ok' : 'publish-verify--bad'}
          data-testid="publish-check"
        >
          <span aria-hidden="true">{verification.readmeByteEqual ? '✓' : '✗'}</span> README.md downloaded back{' '}
          {verification.readmeByteEqual
            ? 'is byte-identical to the prepared card'
            : 'differs from the prepared card'}
        </li>
      </ul>
      {failed.length > 0 && <p>Publish again to repair the files above.</p>}
      {unaccounted.length > 0 && (
        <div className="publish-unaccounted" data-testid="publish-unaccounted">
          <h4 className="publish-subhead">On the Hub but not from this publish</h4>
          <ul aria-label="On the Hub but not from this publish">
            {unaccounted.map((f) => (
              <li key={f.path} className="publish-verify--bad">
                <code>{f.path}</code> <span className="muted">— {formatBytes(f.bytes)}</span>
              </li>
            ))}
          </ul>
          <p className="publish-small">
            They belong to an earlier publish (another checkpoint or workspace, say). Publish again with
            “Delete them in the same commit” to remove them, or keep them on purpose.
          </p>
        </div>
      )}
      {kept.length > 0 && (
        <p className="publish-small muted" data-testid="publish-kept">
          Kept on the Hub as you chose: {kept.join(', ')}
        </p>
      )}
      {verification.receiptPath && (
        <p className="publish-small">
          Receipt:{' '}
          <code className="publish-path" data-testid="publish-receipt">
            {verification.receiptPath}
          </code>
        </p>
      )}
    </section>
  );
}
