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

async function showCancelled(cancel: PublishCancelOutcome | undefined, message: string): Promise<string> {
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
    runError: { code: 'CANCELLED', message, ...(cancel ? { cancel } : {}) },
  });
  act(() => root.render(<ProgressPanel />));
  return container.querySelector('[data-testid="publish-status"]')?.textContent ?? '';
}

describe('a cancelled publish says what the Hub holds', () => {
  it('before the commit: the main process’s words, which say nothing was committed and what became of the repository', async () => {
    const message =
      'Cancelled. Nothing was committed to alice/x. alice/x was created by this run and is left empty: publish again to resume.';
    expect(
      await showCancelled({ repoId: 'alice/x', committed: null, createdRepo: 'left-empty' }, message),
    ).toBe(message);
    expect(container.querySelector('[data-testid="publish-cancelled-commit"]')).toBeNull();
  });

  it('after the commit: too late, with a link to the commit that landed', async () => {
    const { accountStore } = await import('../../state/account');
    const { signedIn } = await import('../../testing/workspaces');
    accountStore.set({ status: { ...signedIn('alice'), hubEndpoint: 'https://hub.example' } });
    const text = await showCancelled(
      { repoId: 'alice/x', committed: '0123456789abcdef0123', createdRepo: null },
      'Too late: committed 0123456789abcdef0123 to alice/x.',
    );
    expect(text).toBe('Too late: committed 0123456789abcdef0123 to alice/x.');
    expect(container.querySelector('[data-testid="publish-cancelled-commit"]')?.textContent).toBe(
      'https://hub.example/alice/x/commit/0123456789abcdef0123',
    );
  });

  it('without a message, what the outcome says', async () => {
    expect(await showCancelled({ repoId: 'alice/x', committed: 'abc', createdRepo: null }, '')).toBe(
      'Too late: committed abc to alice/x.',
    );
  });
});
