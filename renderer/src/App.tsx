import { useState, type DragEvent } from 'react';
import { api } from './api';
import { CheckpointsScreen } from './screens/CheckpointsScreen';
import { WorkspaceScreen } from './screens/WorkspaceScreen';
import { setState, useAppState, type Screen } from './state/store';
import { openWorkspace } from './state/workspace';

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'workspace', label: 'Workspace' },
  { id: 'checkpoints', label: 'Checkpoints' },
];

export function App() {
  const screen = useAppState((s) => s.screen);
  const root = useAppState((s) => s.root);
  const [dragging, setDragging] = useState(false);

  // A folder dropped anywhere on the window opens it as the workspace.
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (!file) return;
    const path = api.files.pathFor(file);
    if (!path) {
      setState({ error: { code: 'NOT_A_DIRECTORY', message: 'That item has no path on disk. Drop a folder from your file manager.' } });
      return;
    }
    void openWorkspace(path);
  };

  return (
    <div
      className={`app ${dragging ? 'app--dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <header className="app__header">
        <h1 className="app__title">Hub Publisher</h1>
        {root && (
          <span className="app__root" title={root}>
            {root}
          </span>
        )}
        <nav className="app__nav" aria-label="Steps">
          {SCREENS.map((s) => (
            <button
              key={s.id}
              type="button"
              className="app__nav-item"
              aria-current={screen === s.id ? 'page' : undefined}
              onClick={() => setState({ screen: s.id })}
            >
              {s.label}
            </button>
          ))}
        </nav>
      </header>
      <main className="app__main">
        {screen === 'workspace' && <WorkspaceScreen />}
        {screen === 'checkpoints' && <CheckpointsScreen />}
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop the folder of training output
        </div>
      )}
    </div>
  );
}
