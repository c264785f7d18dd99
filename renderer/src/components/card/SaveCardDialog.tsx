/**
 * Ctrl+S on the Model card screen: first what would change in the README on disk, then the write
 * (`card:save`), which keeps the previous README in the app's data folder and refuses when the file changed
 * on disk meanwhile.
 */
import { useEffect, useRef, useState } from 'react';
import type { AppErrorData } from '../../../../shared/result';
import { ErrorMessage } from '../ErrorMessage';
import { cardStore, saveCardToWorkspace } from '../../state/card';
import { CardDiff } from './CardDiff';

export type SaveOutcome = { path: string; backup: string | null };

export function SaveCardDialog({
  onClose,
  onSaved,
}: {
  onClose: () => void;
  onSaved: (saved: SaveOutcome) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppErrorData | null>(null);
  // The text as it was when Ctrl+S was pressed: what the diff shows is what is written.
  const [snapshot] = useState(() => {
    const s = cardStore.get();
    return {
      before: s.original ?? '',
      after: s.text ?? '',
      path: s.readmePath ?? 'README.md',
      isNew: s.original === null,
    };
  });
  const saveRef = useRef<HTMLButtonElement>(null);
  useEffect(() => saveRef.current?.focus(), []);
  const unchanged = snapshot.before === snapshot.after && !snapshot.isNew;
  const save = async () => {
    setBusy(true);
    setError(null);
    const result = await saveCardToWorkspace();
    setBusy(false);
    if (result.ok) onSaved({ path: result.path, backup: result.backup });
    else setError(result.error);
  };
  return (
    <div className="card-save-backdrop">
      <div
        className="card-save"
        role="dialog"
        aria-modal="true"
        aria-labelledby="card-save-title"
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
        }}
      >
        <h3 id="card-save-title" className="card-save__title">
          Save the card as {snapshot.isNew ? 'README.md in the workspace' : snapshot.path}?
        </h3>
        <p className="muted card-save__note">
          {snapshot.isNew
            ? 'The workspace has no README at its root yet: this creates one, which the CLI and other tools then use.'
            : 'The README on disk is replaced; a copy of it is kept in the app’s data folder.'}
        </p>
        <div className="card-save__diff">
          {unchanged ? (
            <p className="muted">The card is the same as the README on disk.</p>
          ) : (
            <CardDiff before={snapshot.before} after={snapshot.after} label="the README on disk" />
          )}
        </div>
        {error && <ErrorMessage error={error} />}
        <div className="card-save__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            ref={saveRef}
            type="button"
            className="button button--primary"
            disabled={busy || unchanged}
            onClick={() => void save()}
          >
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </div>
    </div>
  );
}
