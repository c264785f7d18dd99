// @vitest-environment happy-dom
/** What a cancelled publish tells the user, from the outcome the main process reports (issue #12). */
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PublishCancelOutcome } from '../../../../shared/publish';
import { createFakeApi, sessionIdFor } from '../../testing/fake-api';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let root: Root;
let container: HTMLElement;

beforeEach(() => {
  vi.resetModules();
  window.api = createFakeApi().api;
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

async function showCancelled(cancel: PublishCancelOutcome | undefined): Promise<string> {
  const { ProgressPanel } = await import('./ProgressPanel');
  const { replaceSession } = await import('../../state/session');
  const { publishStore } = await import('../../state/publish');
  replaceSession({
    sessionId: sessionIdFor(1),
    root: '/runs/a',
    name: 'a',
    target: { repo: 'a', source: 'folder' },
  });
  publishStore.set({
    run: 'cancelled',
    phases: ['token', 'hash', 'upload'],
    runError: { code: 'CANCELLED', message: 'Cancelled by the main process.', ...(cancel ? { cancel } : {}) },
  });
  act(() => root.render(<ProgressPanel />));
  return container.querySelector('[data-testid="publish-status"]')?.textContent ?? '';
}

describe('a cancelled publish says what the Hub holds', () => {
  it('before the commit: nothing was committed, and what became of a repository the run created', async () => {
    expect(await showCancelled({ repoId: 'alice/x', committed: null, createdRepo: 'removed' })).toBe(
      'Cancelled. Nothing was committed. The repository this run created was removed again. Publish again resumes without re-sending what the Hub already has.',
    );
    act(() => root.unmount());
    root = createRoot(container);
    expect(await showCancelled({ repoId: 'alice/x', committed: null, createdRepo: 'left-empty' })).toContain(
      'alice/x, was left empty',
    );
  });

  it('after the commit: too late, with the commit', async () => {
    const text = await showCancelled({
      repoId: 'alice/x',
      committed: '0123456789abcdef0123',
      createdRepo: null,
    });
    expect(text).toContain('Too late: committed 0123456789');
    expect(text).not.toContain('Nothing was committed');
  });

  it('without an outcome, the main process’s own message', async () => {
    expect(await showCancelled(undefined)).toBe('Cancelled by the main process.');
  });
});
