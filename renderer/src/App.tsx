import { useState, type DragEvent } from 'react';
import { api } from './api';
import { CardScreen } from './screens/CardScreen';
import { CheckpointsScreen } from './screens/CheckpointsScreen';
import { PublishScreen } from './screens/PublishScreen';
import { WorkspaceScreen } from './screens/WorkspaceScreen';
import { openWorkspace } from './state/open-workspace';
import { sessionStore } from './state/session';
import { workspaceStore, type Screen } from './state/workspace';

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'workspace', label: 'Workspace' },
  { id: 'checkpoints', label: 'Checkpoints' },
  { id: 'card', label: 'Model card' },
  { id: 'publish', label: 'Publish' },
];

export function App() {
  const screen = workspaceStore.use((s) => s.screen);
  const root = sessionStore.use((m) => m.info?.root ?? null);
  const [dragging, setDragging] = useState(false);

  // A folder dropped anywhere on the window opens it as the workspace.
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (!file) return;
    // The main process learns the path from the File itself and remembers the folder as opened by the user.
    void api.files.openDropped(file).then((opened) => {
      if (opened.ok) void openWorkspace(opened.value);
      else workspaceStore.set({ error: opened.error });
    });
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
              onClick={() => workspaceStore.set({ screen: s.id })}
            >
              {s.label}
            </button>
          ))}
        </nav>
      </header>
      <main className="app__main">
        {screen === 'workspace' && <WorkspaceScreen />}
        {screen === 'checkpoints' && <CheckpointsScreen />}
        {screen === 'card' && <CardScreen />}
        {screen === 'publish' && <PublishScreen />}
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop the folder of training output
        </div>
      )}
    </div>
  );
}
