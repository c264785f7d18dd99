import { useEffect, useState } from 'react';
import type { StoredReceipt } from '../../../shared/ipc/contract';
import { ErrorMessage } from '../components/ErrorMessage';
import { ProgressBar } from '../components/ProgressBar';
import { ReceiptView, receiptSummary } from '../components/publish/ReceiptDetails';
import { chooseWorkspace, openWorkspace } from '../state/open-workspace';
import { sessionStore } from '../state/session';
import { folderName, publishesOf, refreshHistory, workspaceStore } from '../state/workspace';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function when(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleString();
}

/** One past publish, its receipt shown on request. */
function PublishEntry({ receipt }: { receipt: StoredReceipt }) {
  const [open, setOpen] = useState(false);
  const id = `receipt-${receipt.receiptPath.replace(/[^A-Za-z0-9]/g, '-')}`;
  return (
    <li className="workspace-publish" data-testid="workspace-publish">
      <div className="publish-row">
        <span>{receiptSummary(receipt)}</span>
        <button
          type="button"
          className="link"
          aria-expanded={open}
          aria-controls={id}
          onClick={() => setOpen((v) => !v)}
        >
          {open ? 'Hide receipt' : 'Show receipt'}
        </button>
      </div>
      {open && (
        <div id={id}>
          <ReceiptView receipt={receipt} />
        </div>
      )}
    </li>
  );
}

/** The open workspace: what it holds and what was published from it. */
function OpenWorkspace() {
  const info = sessionStore.use((m) => m.info);
  const scan = sessionStore.use((m) => m.scan);
  const history = workspaceStore.use((s) => s.history);
  const publishes = info && history ? publishesOf(info.root) : [];
  if (!info || !scan) return null;
  const valid = scan.checkpoints.filter((c) => c.valid).length;
  return (
    <section className="workspace-open" aria-labelledby="workspace-open-title" data-testid="workspace-open">
      <h3 id="workspace-open-title">{info.name}</h3>
      <p className="muted publish-small">
        <code>{info.root}</code>
      </p>
      <p>
        {plural(scan.checkpoints.length, 'checkpoint')}
        {valid !== scan.checkpoints.length ? ` (${valid} publishable)` : ''}
      </p>
      <h4 className="publish-subhead">Published from this workspace</h4>
      {publishes.length === 0 ? (
        <p className="muted" data-testid="workspace-no-publishes">
          Nothing yet: receipts of publishes from this folder are listed here.
        </p>
      ) : (
        <ul className="workspace-publishes" aria-label="Published from this workspace">
          {publishes.map((r) => (
            <PublishEntry key={r.receiptPath} receipt={r} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function WorkspaceScreen() {
  const scanning = sessionStore.use((m) => m.scanning);
  const open = sessionStore.use((m) => m.info !== null && m.scan !== null);
  const error = workspaceStore.use((s) => s.error);
  const recent = workspaceStore.use((s) => s.recent);
  const facts = workspaceStore.use((s) => s.facts);
  const history = workspaceStore.use((s) => s.history);

  // Receipts are written by the CLI too: the list is asked for each time the screen is shown.
  useEffect(() => {
    void refreshHistory();
  }, []);

  return (
    <section className="workspace" aria-labelledby="workspace-title">
      <div className="dropzone">
        <h2 id="workspace-title">Drop a folder of training output</h2>
        <p className="muted">
          Hub Publisher finds every checkpoint in it, evaluates them, and publishes the best one to the
          Hugging Face Hub with a model card.
        </p>
        {/* With a workspace open, Continue (in the action bar) is the screen's primary action. */}
        <button
          type="button"
          className={`button ${open ? '' : 'button--primary'}`}
          onClick={() => void chooseWorkspace()}
        >
          Choose folder…
        </button>
        <p className="muted publish-small">Ctrl+O opens a folder from any screen.</p>
      </div>
      {scanning && (
        <div className="workspace__scanning">
          <ProgressBar progress={scanning.progress} label="Scanning the workspace" />
          <button type="button" className="button" onClick={scanning.cancel}>
            Cancel
          </button>
        </div>
      )}
      {error && <ErrorMessage error={error} onDismiss={() => workspaceStore.set({ error: null })} />}
      <OpenWorkspace />
      {recent.length > 0 && (
        <div className="recent">
          <h3>Recent workspaces</h3>
          <ul className="recent__list">
            {recent.map((root) => {
              const count = facts[root]?.checkpoints;
              const last = history ? (publishesOf(root)[0] ?? null) : undefined;
              return (
                <li key={root} className="recent__item" data-testid="recent-workspace">
                  <button
                    type="button"
                    className="link recent__open"
                    title={root}
                    onClick={() => void openWorkspace(root)}
                  >
                    <span className="recent__name">{folderName(root)}</span>
                    <span className="muted publish-small recent__path">{root}</span>
                  </button>
                  <span className="publish-small" data-testid="recent-checkpoints">
                    {count === undefined ? 'not scanned yet' : plural(count, 'checkpoint')}
                  </span>
                  <span className="publish-small" data-testid="recent-last-publish">
                    {last === undefined
                      ? ''
                      : last === null
                        ? 'never published'
                        : `last published ${when(last.at)} to ${last.repoId}`}
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </section>
  );
}
