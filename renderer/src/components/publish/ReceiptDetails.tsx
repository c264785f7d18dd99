import { useEffect } from 'react';
import type { StoredReceipt } from '../../../../shared/ipc/contract';
import { formatScore } from '../../../../shared/format';
import { formatBytes } from '../../../../shared/units';
import { refreshHistory, workspaceStore } from '../../state/workspace';

/** When, where and what: one line for a past publish. */
export function receiptSummary(receipt: StoredReceipt): string {
  const at = new Date(receipt.at);
  const when = Number.isNaN(at.getTime()) ? receipt.at : at.toLocaleString();
  return `${when}: ${receipt.checkpoint} to ${receipt.repoId}${receipt.verified ? ', verified' : ', not verified'}`;
}

/** A receipt as the data folder holds it: the commit, every file with its size and SHA-256, and where it is kept. */
export function ReceiptView({ receipt }: { receipt: StoredReceipt }) {
  return (
    <div className="receipt" data-testid="receipt">
      <dl className="publish-facts">
        <dt>Repository</dt>
        <dd>
          <code>{receipt.repoId}</code>
          {receipt.visibility ? ` (${receipt.visibility})` : ''}
        </dd>
        <dt>Checkpoint</dt>
        <dd>
          {receipt.checkpoint}
          {receipt.evalAccuracy !== null && <> · eval_accuracy {formatScore(receipt.evalAccuracy)}</>}
        </dd>
        <dt>Commit</dt>
        <dd>
          <code>{receipt.commit ?? 'none (nothing new to send)'}</code>
        </dd>
        <dt>Verified</dt>
        <dd>{receipt.verified ? 'yes: every file matched' : 'no'}</dd>
        <dt>Kept in</dt>
        <dd>
          <code className="publish-path">{receipt.receiptPath}</code>
        </dd>
      </dl>
      <div className="publish-table-wrap">
        <table className="table" aria-label={`Files of the publish to ${receipt.repoId}`}>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {receipt.files.map((f) => (
              <tr key={f.path}>
                <td className="publish-path">{f.path}</td>
                <td className="num">{formatBytes(f.bytes)}</td>
                <td>
                  <code title={f.sha256}>{f.sha256.slice(0, 12)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The receipt a publish has just written, read back from the main process's list. */
export function ReceiptDetails({ receiptPath }: { receiptPath: string }) {
  const receipt = workspaceStore.use(
    (s) => s.history?.flatMap((h) => h.publishes).find((r) => r.receiptPath === receiptPath) ?? null,
  );
  useEffect(() => {
    void refreshHistory();
  }, [receiptPath]);
  return (
    <div id="publish-receipt-details">
      {receipt ? <ReceiptView receipt={receipt} /> : <p className="muted">Reading the receipt…</p>}
    </div>
  );
}
