// @vitest-environment happy-dom
/** What the Publish screen sends: the user's keep/delete choice and their confirmation, for this session only. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PublishPlan } from '../../../shared/publish';
import { createFakeApi, sessionIdFor, settle, type FakeApi } from '../testing/fake-api';
import { reportOf, scanOf, signedIn } from '../testing/workspaces';
import type * as AccountModule from './account';
import type * as CardModule from './card';
import type * as EvaluationModule from './evaluation';
import type * as PublishModule from './publish';
import type * as SessionModule from './session';

let fake: FakeApi;
let session: typeof SessionModule;
let account: typeof AccountModule;
let evaluation: typeof EvaluationModule;
let card: typeof CardModule;
let publish: typeof PublishModule;

const SESSION = sessionIdFor(1);

function planWith(overrides: Partial<PublishPlan>): PublishPlan {
  return {
    checkpoint: 'step_200',
    evalAccuracy: 0.6,
    files: [],
    excluded: [],
    deletions: [],
    remoteOnly: [{ path: 'pytorch_model.bin', bytes: 10, action: 'keep' }],
    target: { repoId: 'alice/tr1', exists: true, visibility: 'public', lastPublishedFrom: null },
    totalBytes: 0,
    lfsBytes: 0,
    commits: [],
    commitTitle: 'Upload',
    ...overrides,
  };
}

beforeEach(async () => {
  vi.resetModules();
  localStorage.clear();
  fake = createFakeApi();
  window.api = fake.api;
  fake.job('publish:prepare', () => {});
  session = await import('./session');
  account = await import('./account');
  evaluation = await import('./evaluation');
  card = await import('./card');
  publish = await import('./publish');
  session.replaceSession({
    sessionId: SESSION,
    root: '/runs/llama',
    name: 'llama',
    target: { repo: 'tr1', source: 'folder' },
  });
  session.sessionStore.set({ scan: scanOf('/runs/llama', ['step_100', 'step_200']) });
  evaluation.evaluationStore.set({ report: reportOf({ step_100: 0.5, step_200: 0.6 }) });
  card.cardStore.set({ text: '# llama\n', original: '# llama\n' });
  account.accountStore.set({ status: signedIn('alice') });
});

describe('publishing into a repository that holds other files', () => {
  it('keeps the files on the Hub not in this upload unless told to delete them', async () => {
    publish.publishStore.set({ plan: planWith({}) });
    fake.job('publish:run', () => {});
    void publish.startPublish();
    await settle();
    expect(fake.callsTo('publish:run')[0]).toMatchObject({
      sessionId: SESSION,
      repo: 'alice/tr1',
      keepRemote: ['pytorch_model.bin'],
    });
    expect(fake.callsTo('publish:run')[0]).not.toHaveProperty('deleteRemote');
  });

  it('deletes them all when the user chooses delete', async () => {
    publish.publishStore.set({ plan: planWith({}), deleteRemote: true });
    fake.job('publish:run', () => {});
    void publish.startPublish();
    await settle();
    expect(fake.callsTo('publish:run')[0]).toMatchObject({ deleteRemote: true });
    expect(fake.callsTo('publish:run')[0]).not.toHaveProperty('keepRemote');
  });

  it('waits for the user’s confirmation when the repository was last published from another workspace', async () => {
    const other = {
      workspace: '/runs/bert',
      at: '2026-12-01T22:00:00Z',
      checkpoint: 'step_100',
      commit: 'abc',
    };
    publish.publishStore.set({
      plan: planWith({
        target: { repoId: 'alice/tr1', exists: true, visibility: 'public', lastPublishedFrom: other },
      }),
    });
    expect(publish.canPublish()).toBe(false);
    publish.confirmOtherWorkspace(true);
    expect(publish.canPublish()).toBe(true);
    fake.job('publish:run', () => {});
    void publish.startPublish();
    await settle();
    expect(fake.callsTo('publish:run')[0]).toMatchObject({ confirmOtherWorkspace: true });
    // A confirmation is for that repository: another target asks again.
    publish.publishStore.set({
      run: 'idle',
      plan: planWith({
        target: { repoId: 'alice/other', exists: true, visibility: 'public', lastPublishedFrom: other },
      }),
    });
    expect(publish.needsOtherWorkspaceConfirmation()).toBe(true);
  });

  it('a cancel after the commit is shown as what it is: committed', async () => {
    publish.publishStore.set({ plan: planWith({}) });
    fake.job('publish:run', (_args, jobId) =>
      fake.finish(jobId, {
        ok: false,
        error: {
          code: 'CANCELLED',
          message: 'Too late: committed 0123abc.',
          cancel: { repoId: 'alice/tr1', committed: '0123abc', createdRepo: null },
        },
      }),
    );
    await publish.startPublish();
    expect(publish.publishStore.get().run).toBe('cancelled');
    expect(publish.cancelOutcome()).toEqual({ repoId: 'alice/tr1', committed: '0123abc', createdRepo: null });
  });
});
