// @vitest-environment happy-dom
/** The one place where answers for a workspace no longer open are dropped. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Result } from '../../../shared/result';
import { createFakeApi, sessionIdFor, settle, type FakeApi } from '../testing/fake-api';
import type * as SessionModule from './session';

let fake: FakeApi;
let session: typeof SessionModule;

const info = (n: number) => ({
  sessionId: sessionIdFor(n),
  root: `/runs/r${n}`,
  name: `r${n}`,
  target: { repo: `r${n}`, source: 'folder' as const },
});

beforeEach(async () => {
  vi.resetModules();
  fake = createFakeApi();
  window.api = fake.api;
  session = await import('./session');
});

describe('the session model', () => {
  it('hands an answer on only while its session is open', async () => {
    session.replaceSession(info(1));
    const first = session.currentSessionId()!;
    let resolve!: (value: string) => void;
    const seen: string[] = [];
    void session.answer(first, new Promise<string>((r) => (resolve = r))).then((v) => seen.push(v));
    session.replaceSession(info(2));
    resolve('late');
    await settle();
    expect(seen).toEqual([]);
    void session.answer(session.currentSessionId()!, Promise.resolve('current')).then((v) => seen.push(v));
    await settle();
    expect(seen).toEqual(['current']);
  });

  it('drops a replaced session’s job progress and end, and cancels the job', async () => {
    session.replaceSession(info(1));
    const jobs: string[] = [];
    fake.job('evaluation:run', (_args, jobId) => jobs.push(jobId));
    fake.answer('job:cancel', () => ({ ok: true, value: true }));
    const progress: number[] = [];
    const ended: Result<unknown>[] = [];
    const job = session.sessionJob(
      sessionIdFor(1),
      () => fake.api.evaluation.run({ sessionId: sessionIdFor(1) }),
      (p) => progress.push(p.done),
    );
    void job.done.then((r) => ended.push(r));
    await settle();
    const jobId = jobs[0]!;
    fake.emit('job:progress', {
      jobId,
      sessionId: sessionIdFor(1),
      progress: { phase: 'evaluate', done: 1, total: 2, unit: 'items' },
    });
    session.replaceSession(info(2));
    expect(fake.callsTo('job:cancel')).toEqual([{ jobId }]);
    fake.emit('job:progress', {
      jobId,
      sessionId: sessionIdFor(1),
      progress: { phase: 'evaluate', done: 2, total: 2, unit: 'items' },
    });
    fake.finish(jobId, { ok: false, error: { code: 'CANCELLED', message: 'Cancelled.' } });
    await settle();
    expect(progress).toEqual([1]);
    expect(ended).toEqual([]);
  });

  it('is replaced whole: a slice written for one session is fresh in the next, and its listeners hear of it', () => {
    const evaluation = session.sessionSlice('evaluation');
    session.replaceSession(info(1));
    evaluation.set({ picked: 'step_100' });
    let heard = 0;
    evaluation.subscribe(() => heard++);
    session.sessionStore.set({ scanning: null });
    expect(heard).toBe(0);
    session.replaceSession(info(2));
    expect(heard).toBe(1);
    expect(evaluation.get().picked).toBeNull();
  });

  it('ends when the main process closes it, and says so', async () => {
    const { workspaceStore } = await import('./workspace');
    session.replaceSession(info(1));
    fake.emit('workspace:closed', { sessionId: sessionIdFor(2), reason: 'closed' });
    expect(session.currentSessionId()).toBe(sessionIdFor(1));
    fake.emit('workspace:closed', { sessionId: sessionIdFor(1), reason: 'closed' });
    expect(session.currentSessionId()).toBeNull();
    expect(workspaceStore.get()).toMatchObject({ screen: 'workspace', error: { code: 'SESSION_CLOSED' } });
    expect(workspaceStore.get().error?.message).toContain('/runs/r1');
  });

  it('ends when a request for it is answered SESSION_CLOSED', async () => {
    const { workspaceStore } = await import('./workspace');
    session.replaceSession(info(1));
    const closed = { ok: false as const, error: { code: 'SESSION_CLOSED' as const, message: 'closed' } };
    const answered = await session.answer(sessionIdFor(1), Promise.resolve(closed));
    expect(answered).toEqual(closed);
    expect(session.currentSessionId()).toBeNull();
    expect(workspaceStore.get().error?.message).toContain('Open it again');
  });
});
