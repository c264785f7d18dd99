// @vitest-environment happy-dom
/**
 * Opening another workspace (issue #12, cases 1 and 2): nothing of the previous one may reach the new one:
 * not its repository, not its evaluation, not its scores in the card.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RepoProposal } from '../../../shared/ipc/contract';
import { createFakeApi, sessionIdFor, settle, type FakeApi } from '../testing/fake-api';
import { reportOf, scanOf, signedIn } from '../testing/workspaces';
import type * as CardModule from './card';
import type * as EvaluationModule from './evaluation';
import type * as OpenModule from './open-workspace';
import type * as PublishModule from './publish';
import type * as RepositoryModule from './repository';

let fake: FakeApi;
let open: typeof OpenModule;
let evaluation: typeof EvaluationModule;
let card: typeof CardModule;
let publish: typeof PublishModule;
let repository: typeof RepositoryModule;
/** What the main process proposes as each workspace's repository. */
let proposals: Map<string, RepoProposal>;

const BERT = '/runs/bert-base';
const LLAMA = '/runs/llama-7b';

beforeEach(async () => {
  vi.resetModules();
  localStorage.clear();
  fake = createFakeApi();
  window.api = fake.api;
  proposals = new Map();
  let sessions = 0;
  fake.answer('workspace:open', (args) => {
    const { root } = args as { root: string };
    const name = root.split('/').pop()!;
    return {
      ok: true,
      value: {
        sessionId: sessionIdFor(++sessions),
        root,
        name,
        target: proposals.get(root) ?? { repo: name, source: 'folder' },
      },
    };
  });
  fake.answer('account:status', () => ({ ok: true, value: signedIn('alice') }));
  fake.answer('card:context', () => ({
    ok: true,
    value: { readme: null, readmePath: null, config: null, trainerState: null },
  }));
  fake.answer('card:prepare', () => ({
    ok: true,
    value: {
      text: '# generated\n',
      origin: 'generated',
      readmePath: null,
      column: undefined,
      modelName: '',
      warnings: [],
      assets: [],
    },
  }));
  fake.answer('publish:plan', () => ({
    ok: false,
    error: { code: 'INTERNAL', message: 'not planned in this test' },
  }));
  fake.job('publish:prepare', () => {});
  fake.job('workspace:scan', (args, jobId) => {
    const sessionId = (args as { sessionId: string }).sessionId;
    const root = (fake.callsTo('workspace:open') as { root: string }[])[
      Number.parseInt(sessionId.slice(3), 16) - 1
    ]!.root;
    fake.finish(jobId, { ok: true, value: scanOf(root, ['step_100', 'step_200']) });
  });
  open = await import('./open-workspace');
  evaluation = await import('./evaluation');
  card = await import('./card');
  publish = await import('./publish');
  repository = await import('./repository');
});

/** The repository the Publish button would publish to. */
const target = () => repository.repoTarget().repo;

describe('opening another workspace', () => {
  it('never keeps the previous workspace’s repository (case 1): the new one starts from its own proposal', async () => {
    fake.job('evaluation:run', (args, jobId) =>
      fake.finish(jobId, { ok: true, value: reportOf({ step_100: 0.5, step_200: 0.6 }) }),
    );
    await open.openWorkspace(BERT);
    await settle();
    expect(target()).toBe('alice/bert-base');
    publish.setRepoName('tr1');
    expect(target()).toBe('alice/tr1');

    await open.openWorkspace(LLAMA);
    await settle();
    expect(target()).toBe('alice/llama-7b');
    expect(repository.repoTarget().source).toBe('folder');

    // Once published, the main process remembers the first workspace's repository and proposes it again.
    proposals.set(BERT, { repo: 'alice/tr1', source: 'remembered' });
    await open.openWorkspace(BERT);
    await settle();
    expect(repository.repoTarget()).toMatchObject({
      repo: 'alice/tr1',
      namespace: 'alice',
      name: 'tr1',
      source: 'remembered',
    });
  });

  it('evaluates the new workspace and never shows the previous one’s scores (case 2)', async () => {
    const running = new Map<string, string[]>();
    fake.job('evaluation:run', (args, jobId) => {
      const { sessionId } = args as { sessionId: string };
      running.set(sessionId, [...(running.get(sessionId) ?? []), jobId]);
    });
    await open.openWorkspace(BERT);
    await settle();
    const bert = sessionIdFor(1);
    const llama = sessionIdFor(2);
    expect(running.get(bert)).toHaveLength(1);

    void open.openWorkspace(LLAMA);
    await settle();
    // The new workspace's evaluation starts although the previous one's is still running, which is cancelled.
    expect(running.get(llama)).toHaveLength(1);
    expect(fake.callsTo('job:cancel')).toContainEqual({ jobId: running.get(bert)![0] });

    // The previous workspace's evaluation answers late: its scores must not appear under the new one.
    for (const jobId of running.get(bert)!)
      fake.finish(jobId, { ok: true, value: reportOf({ step_100: 0.111, step_200: 0.222 }) });
    await settle();
    expect(evaluation.evaluationStore.get().report).toBeNull();
    expect(card.cardStore.get().text ?? '').not.toContain('0.222');

    // The cache-only pass, then the full run, of the new workspace.
    fake.finish(running.get(llama)![0]!, { ok: true, value: reportOf({ step_100: 0.777, step_200: 0.888 }) });
    await settle();
    expect(evaluation.evaluationStore.get().report?.best).toBe('step_200');
    expect(evaluation.chosenCheckpoint()?.evalAccuracy).toBe(0.888);
    expect(card.cardStore.get().text).toContain('0.888');
    expect(card.cardStore.get().text).not.toContain('0.222');
  });
});
