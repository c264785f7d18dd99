import { useEffect, useState, type DragEvent } from 'react';
import { api } from './api';
import { OverallProgress } from './components/publish/ProgressPanel';
import { CardScreen } from './screens/CardScreen';
import { CheckpointsScreen } from './screens/CheckpointsScreen';
import { PublishAction, PublishScreen } from './screens/PublishScreen';
import { WorkspaceScreen } from './screens/WorkspaceScreen';
import { cardStore } from './state/card';
import { evaluationStore } from './state/evaluation';
import { chooseWorkspace, openWorkspace } from './state/open-workspace';
import { sessionStore } from './state/session';
import { nextStep, stepBlocked, STEPS } from './state/steps';
import { workspaceStore, type Screen } from './state/workspace';
import './styles/window.css';

/** Re-renders on whatever decides which steps are open: the session, its evaluation and its card. */
function useStepInputs(): void {
  sessionStore.use((m) => m.scan);
  sessionStore.use((m) => m.info);
  evaluationStore.use((s) => s.report);
  evaluationStore.use((s) => s.picked);
  cardStore.use((s) => s.text !== null || s.original !== null);
}

function Stepper({ screen }: { screen: Screen }) {
  useStepInputs();
  return (
    <nav className="app__nav" aria-label="Steps">
      <ol className="stepper">
        {STEPS.map((step, i) => {
          const blocked = stepBlocked(step.id);
          return (
            <li key={step.id}>
              <button
                type="button"
                className="app__nav-item stepper__step"
                aria-current={screen === step.id ? 'step' : undefined}
                // Not yet possible, but still reachable: the step then says why and offers the way there.
                aria-disabled={blocked !== null ? true : undefined}
                title={blocked ?? undefined}
                onClick={() => workspaceStore.set({ screen: step.id })}
              >
                <span className="stepper__number" aria-hidden="true">
                  {i + 1}
                </span>
                {step.label}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/**
 * The bar along the bottom of the window: the screen's one primary action (Continue, or Publish with its
 * progress), always in view however small the window or long the screen.
 */
function ActionBar({ screen }: { screen: Screen }) {
  useStepInputs();
  const hasWorkspace = sessionStore.use((m) => m.info !== null);
  // A step that cannot be used yet has its own way on (the open action), and nothing to continue from.
  if (stepBlocked(screen)) return null;
  if (screen === 'publish') {
    return (
      <div className="action-bar action-bar--publish" role="region" aria-label="Actions">
        <PublishAction />
        <OverallProgress compact />
      </div>
    );
  }
  if (screen === 'workspace' && !hasWorkspace) return null;
  const next = nextStep(screen);
  if (!next) return null;
  const blocked = stepBlocked(next.id);
  return (
    <div className="action-bar" role="region" aria-label="Actions">
      <button
        type="button"
        className="button button--primary"
        disabled={blocked !== null}
        aria-describedby={blocked ? 'action-bar-blocked' : 'action-bar-next'}
        onClick={() => workspaceStore.set({ screen: next.id })}
      >
        Continue
      </button>
      {!blocked && (
        <span id="action-bar-next" className="muted publish-small" data-testid="action-bar-next">
          Next: {next.label}
        </span>
      )}
      {blocked && (
        <span id="action-bar-blocked" className="muted publish-small">
          {blocked}
        </span>
      )}
    </div>
  );
}

/** A step that needs a workspace (or a checkpoint) says so, and offers the way there. */
function StepPrompt({ screen }: { screen: Screen }) {
  useStepInputs();
  const hasWorkspace = sessionStore.use((m) => m.info !== null && m.scan !== null);
  const reason = stepBlocked(screen);
  if (!reason) return null;
  const step = STEPS.find((s) => s.id === screen);
  return (
    <section className="step-prompt" aria-labelledby="step-prompt-title">
      <h2 id="step-prompt-title">{step?.label}</h2>
      <p>{reason}</p>
      {hasWorkspace ? (
        <button
          type="button"
          className="button button--primary"
          onClick={() => workspaceStore.set({ screen: 'checkpoints' })}
        >
          Back to Checkpoints
        </button>
      ) : (
        <>
          <button type="button" className="button button--primary" onClick={() => void chooseWorkspace()}>
            Open a workspace…
          </button>
          <p className="muted publish-small">
            Or drop a folder of training output anywhere on the window (Ctrl+O opens one too).
          </p>
        </>
      )}
    </section>
  );
}

function CurrentScreen({ screen }: { screen: Screen }) {
  useStepInputs();
  if (stepBlocked(screen)) return <StepPrompt screen={screen} />;
  if (screen === 'checkpoints') return <CheckpointsScreen />;
  if (screen === 'card') return <CardScreen />;
  if (screen === 'publish') return <PublishScreen />;
  return <WorkspaceScreen />;
}

export function App() {
  const screen = workspaceStore.use((s) => s.screen);
  const root = sessionStore.use((m) => m.info?.root ?? null);
  const [dragging, setDragging] = useState(false);

  // Ctrl+O (Cmd+O on macOS) opens a folder from any screen, as in any desktop app.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (
        (event.ctrlKey || event.metaKey) &&
        !event.altKey &&
        !event.shiftKey &&
        event.key.toLowerCase() === 'o'
      ) {
        event.preventDefault();
        void chooseWorkspace();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

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
        <Stepper screen={screen} />
      </header>
      <main className="app__main">
        <div className="app__screen">
          <CurrentScreen screen={screen} />
        </div>
        <ActionBar screen={screen} />
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop the folder of training output
        </div>
      )}
    </div>
  );
}
