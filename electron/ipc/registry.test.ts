import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../shared/result';
import type { EventChannel, EventPayloads } from '../../shared/ipc/contract';
import { HandlerRegistry } from './registry';

type Sent = { senderId: string; event: EventChannel; payload: EventPayloads[EventChannel] };

function setup(intervalMs = 50) {
  const sent: Sent[] = [];
  const registry = new HandlerRegistry(
    (senderId, event, payload) => sent.push({ senderId, event, payload }),
    intervalMs,
  );
  const done = (jobId: string) =>
    new Promise<EventPayloads['job:done']>((resolve) => {
      const timer = setInterval(() => {
        const hit = sent.find(
          (s) => s.event === 'job:done' && (s.payload as { jobId?: string }).jobId === jobId,
        );
        if (hit) {
          clearInterval(timer);
          resolve(hit.payload as EventPayloads['job:done']);
        }
      }, 2);
    });
  return { registry, sent, done };
}

const app = { id: 'window-1', trusted: true };

describe('HandlerRegistry', () => {
  it('answers invalid arguments with INVALID_ARGUMENT and never runs the handler', async () => {
    const { registry } = setup();
    const scan = vi.fn(async () => {
      throw new Error('must not run');
    });
    registry.handleJob('workspace:scan', scan);
    for (const bad of [
      undefined,
      {},
      { sessionId: 42 },
      { sessionId: 'ws-../../etc' },
      { sessionId: '' },
      { root: '/w' },
    ]) {
      const result = await registry.dispatch(app, 'workspace:scan', bad);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('INVALID_ARGUMENT');
    }
    expect(scan).not.toHaveBeenCalled();
  });

  it('refuses unknown channels and untrusted senders', async () => {
    const { registry } = setup();
    const info = vi.fn(async () => ({ version: '1', hubEndpoint: 'x', platform: 'linux' }));
    registry.handle('app:info', info);
    const unknown = await registry.dispatch(app, 'fs:deleteEverything', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    const foreign = await registry.dispatch({ id: 'x', trusted: false }, 'app:info', undefined);
    expect(foreign).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    expect(info).not.toHaveBeenCalled();
    expect(await registry.dispatch(app, 'app:info', undefined)).toMatchObject({
      ok: true,
      value: { version: '1' },
    });
  });

  it('keeps error codes across the boundary and hides stacks', async () => {
    const { registry, done } = setup();
    registry.handleJob('workspace:scan', async () => {
      throw new AppError('NOT_A_DIRECTORY', '/x is a file.');
    });
    const started = await registry.dispatch(app, 'workspace:scan', { sessionId: 'ws-0000000000000001' });
    if (!started.ok) throw new Error('expected a job');
    const { jobId } = started.value as { jobId: string };
    const { result } = await done(jobId);
    expect(result).toEqual({ ok: false, error: { code: 'NOT_A_DIRECTORY', message: '/x is a file.' } });

    registry.handle('app:info', async () => {
      throw new TypeError('boom');
    });
    const failed = await registry.dispatch(app, 'app:info', undefined);
    expect(failed).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
    expect(JSON.stringify(failed)).not.toContain('at ');
  });

  it('masks anything token-like in errors, logs and progress before it reaches the renderer', async () => {
    const token = 'hf_' + 'SecretSecretSecretSecretSecret1234';
    const { registry, sent, done } = setup();
    registry.handleJob('workspace:scan', async (_args, job) => {
      job.log(`using ${token}`);
      job.progress({ phase: 'scan', done: 1, total: 1, unit: 'items', message: `token ${token}` });
      throw new AppError('TOKEN_INVALID', `The Hub refused ${token}.`);
    });
    const started = await registry.dispatch(app, 'workspace:scan', { sessionId: 'ws-0000000000000002' });
    if (!started.ok) throw new Error('expected a job');
    await done((started.value as { jobId: string }).jobId);
    const everything = JSON.stringify(sent);
    expect(everything).not.toContain(token);
    expect(everything).toContain('hf_…1234');
    registry.handle('app:info', async () => {
      throw new Error(`boom ${token}`);
    });
    expect(JSON.stringify(await registry.dispatch(app, 'app:info', undefined))).not.toContain(token);
  });

  it('delivers job:cancel to the handler AbortSignal and ends the job as CANCELLED', async () => {
    const { registry, done } = setup();
    let sawAbort = false;
    registry.handleJob(
      'workspace:scan',
      (_args, job) =>
        new Promise((_resolve, reject) => {
          job.signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(job.signal.reason);
          });
        }),
    );
    const started = await registry.dispatch(app, 'workspace:scan', { sessionId: 'ws-0000000000000002' });
    if (!started.ok) throw new Error('expected a job');
    const { jobId } = started.value as { jobId: string };
    await new Promise((r) => setTimeout(r, 5));
    // Another window cannot cancel it.
    expect(await registry.dispatch({ id: 'window-2', trusted: true }, 'job:cancel', { jobId })).toEqual({
      ok: true,
      value: false,
    });
    expect(await registry.dispatch(app, 'job:cancel', { jobId })).toEqual({ ok: true, value: true });
    const { result } = await done(jobId);
    expect(sawAbort).toBe(true);
    expect(result).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('cancels every job of a sender when its window closes', async () => {
    const { registry, done } = setup();
    registry.handleJob(
      'workspace:scan',
      (_args, job) =>
        new Promise((_resolve, reject) =>
          job.signal.addEventListener('abort', () => reject(job.signal.reason)),
        ),
    );
    const a = await registry.dispatch(app, 'workspace:scan', { sessionId: 'ws-0000000000000003' });
    const b = await registry.dispatch(app, 'workspace:scan', { sessionId: 'ws-0000000000000004' });
    if (!a.ok || !b.ok) throw new Error('expected jobs');
    await new Promise((r) => setTimeout(r, 5));
    registry.cancelAllFrom(app.id);
    for (const started of [a, b]) {
      const { result } = await done((started.value as { jobId: string }).jobId);
      expect(result).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    }
  });

  it('dispose cancels running jobs and runs the disposers once', async () => {
    const { registry, done } = setup();
    let disposed = 0;
    registry.onDispose(() => {
      disposed++;
    });
    registry.handleJob(
      'workspace:scan',
      (_args, job) =>
        new Promise((_resolve, reject) =>
          job.signal.addEventListener('abort', () => reject(job.signal.reason)),
        ),
    );
    const started = await registry.dispatch(app, 'workspace:scan', { sessionId: 'ws-0000000000000003' });
    if (!started.ok) throw new Error('expected a job');
    await new Promise((r) => setTimeout(r, 5));
    await registry.dispose();
    await registry.dispose();
    expect(disposed).toBe(1);
    const { result } = await done((started.value as { jobId: string }).jobId);
    expect(result).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('throttles progress events and always delivers the last one before job:done', async () => {
    const { registry, sent, done } = setup(1_000);
    registry.handleJob('workspace:scan', async (_args, job) => {
      for (let i = 1; i <= 500; i++) job.progress({ phase: 'scan', done: i, total: 500, unit: 'items' });
      return {
        root: '/w',
        checkpoints: [],
        readme: null,
        readmeAssets: [],
        tokenFile: null,
        evaluation: { benchmarks: [], sources: [], configFile: null },
        warnings: [],
      };
    });
    const started = await registry.dispatch(app, 'workspace:scan', { sessionId: 'ws-0000000000000002' });
    if (!started.ok) throw new Error('expected a job');
    const { jobId } = started.value as { jobId: string };
    await done(jobId);
    const events = sent.filter((s) => (s.payload as { jobId?: string }).jobId === jobId).map((s) => s.event);
    const progress = sent.filter((s) => s.event === 'job:progress') as {
      payload: EventPayloads['job:progress'];
    }[];
    expect(progress.length).toBeLessThanOrEqual(2);
    expect(progress.at(-1)?.payload.progress.done).toBe(500);
    expect(events.at(-1)).toBe('job:done');
  });

  it('delivers the last progress of each phase even when the next phase follows at once', async () => {
    const { registry, sent, done } = setup(1_000);
    registry.handleJob('workspace:scan', async (_args, job) => {
      for (let i = 1; i <= 50; i++) job.progress({ phase: 'upload', done: i, total: 50, unit: 'items' });
      job.progress({ phase: 'verify', done: 0, total: 1, unit: 'items' });
      job.progress({ phase: 'verify', done: 1, total: 1, unit: 'items' });
      return {
        root: '/w',
        checkpoints: [],
        readme: null,
        readmeAssets: [],
        tokenFile: null,
        evaluation: { benchmarks: [], sources: [], configFile: null },
        warnings: [],
      };
    });
    const started = await registry.dispatch(app, 'workspace:scan', { sessionId: 'ws-0000000000000002' });
    if (!started.ok) throw new Error('expected a job');
    await done((started.value as { jobId: string }).jobId);
    const progress = sent
      .filter((s) => s.event === 'job:progress')
      .map((s) => (s.payload as EventPayloads['job:progress']).progress);
    expect(progress.filter((p) => p.phase === 'upload').at(-1)?.done).toBe(50);
    expect(progress.at(-1)).toMatchObject({ phase: 'verify', done: 1 });
    expect(progress.length).toBeLessThanOrEqual(4);
  });

  it('sends the job id before any event of the job', async () => {
    const { registry, sent } = setup();
    registry.handleJob('workspace:scan', async (_args, job) => {
      job.progress({ phase: 'scan', done: 0, total: 1, unit: 'items' });
      throw new AppError('NOT_FOUND', 'gone');
    });
    await registry.dispatch(app, 'workspace:scan', { sessionId: 'ws-0000000000000002' });
    expect(sent).toHaveLength(0);
  });
});
