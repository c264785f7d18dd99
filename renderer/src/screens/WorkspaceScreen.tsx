import { ErrorMessage } from '../components/ErrorMessage';
import { ProgressBar } from '../components/ProgressBar';
import { chooseWorkspace, openWorkspace } from '../state/open-workspace';
import { sessionStore } from '../state/session';
import { workspaceStore } from '../state/workspace';

export function WorkspaceScreen() {
  const scanning = sessionStore.use((m) => m.scanning);
  const error = workspaceStore.use((s) => s.error);
  const recent = workspaceStore.use((s) => s.recent);

  return (
    <section className="workspace" aria-labelledby="workspace-title">
      <div className="dropzone">
        <h2 id="workspace-title">Drop a folder of training output</h2>
        <p className="muted">
          Hub Publisher finds every checkpoint in it, evaluates them, and publishes the best one to the
          Hugging Face Hub with a model card.
        </p>
        <button type="button" className="button button--primary" onClick={() => void chooseWorkspace()}>
          Choose folder…
        </button>
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
      {recent.length > 0 && (
        <div className="recent">
          <h3>Recent workspaces</h3>
          <ul className="recent__list">
            {recent.map((root) => (
              <li key={root}>
                <button type="button" className="link" onClick={() => void openWorkspace(root)}>
                  {root}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
