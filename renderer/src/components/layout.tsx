/**
 * Layout pieces for a small window (900×600 and below): what sits side by side on a wide window becomes
 * tabs, and what is secondary collapses, so the screen's main content and its action bar stay in view.
 */
import { Children, useId, useState, useSyncExternalStore, type ReactNode } from 'react';

/** Below this width the window is "narrow". */
export const NARROW_QUERY = '(max-width: 1000px)';

function subscribeTo(query: string) {
  return (listener: () => void) => {
    const list = window.matchMedia(query);
    list.addEventListener('change', listener);
    return () => list.removeEventListener('change', listener);
  };
}

/** Whether the window is narrow now; follows resizes. */
export function useNarrow(query: string = NARROW_QUERY): boolean {
  return useSyncExternalStore(subscribeTo(query), () => window.matchMedia(query).matches);
}

/**
 * Two or more panes shown side by side (by `className`'s own layout) on a wide window, and as tabs on a
 * narrow one. Every pane stays mounted (an editor keeps its cursor and undo history); the others are hidden.
 */
export function NarrowTabs({
  className,
  labels,
  label,
  children,
}: {
  className: string;
  labels: readonly string[];
  /** What the tabs switch between, for assistive technology. */
  label: string;
  children: ReactNode;
}) {
  const narrow = useNarrow();
  const [active, setActive] = useState(0);
  const base = useId();
  const panes = Children.toArray(children);
  const move = (delta: number) => {
    const next = (active + delta + panes.length) % panes.length;
    setActive(next);
    document.getElementById(`${base}-tab-${next}`)?.focus();
  };
  return (
    <>
      {narrow && (
        <div
          className="narrow-tabs__list"
          role="tablist"
          aria-label={label}
          onKeyDown={(e) => {
            if (e.key === 'ArrowRight') move(1);
            else if (e.key === 'ArrowLeft') move(-1);
          }}
        >
          {labels.map((text, i) => (
            <button
              key={text}
              id={`${base}-tab-${i}`}
              type="button"
              role="tab"
              className="narrow-tabs__tab"
              aria-selected={active === i}
              aria-controls={`${base}-panel-${i}`}
              tabIndex={active === i ? 0 : -1}
              onClick={() => setActive(i)}
            >
              {text}
            </button>
          ))}
        </div>
      )}
      <div className={`${className}${narrow ? ' narrow-tabs--narrow' : ''}`}>
        {panes.map((pane, i) => (
          <div
            key={i}
            id={`${base}-panel-${i}`}
            className="narrow-tabs__panel"
            role={narrow ? 'tabpanel' : undefined}
            aria-labelledby={narrow ? `${base}-tab-${i}` : undefined}
            hidden={narrow && active !== i}
          >
            {pane}
          </div>
        ))}
      </div>
    </>
  );
}

/** Shown as is on a wide window; on a narrow one folded behind its summary, closed until asked for. */
export function NarrowCollapse({ summary, children }: { summary: string; children: ReactNode }) {
  const narrow = useNarrow();
  if (!narrow) return <>{children}</>;
  return (
    <details className="narrow-collapse" data-testid="narrow-collapse">
      <summary>{summary}</summary>
      {children}
    </details>
  );
}
