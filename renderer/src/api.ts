/**
 * The renderer's only way to the main process: `window.api`, given by the preload (or by the browser
 * test bridge). Also a helper that runs a job to completion while reporting its progress.
 */
import type { Api, ChannelValue, JobChannel, JobStarted } from '../../shared/ipc/contract';
import type { Result } from '../../shared/result';
import type { JobProgress } from '../../shared/types';

declare global {
  interface Window {
    api: Api;
  }
}

export const api: Api = window.api;

export interface RunningJob<T> {
  jobId: string | null;
  done: Promise<Result<T>>;
  cancel(): void;
}

/**
 * Starts a job and resolves when its `job:done` arrives. Listeners are attached before the job starts
 * so no event is missed.
 */
export function runJob<C extends JobChannel>(
  start: () => Promise<Result<JobStarted>>,
  onProgress?: (progress: JobProgress) => void,
  onLog?: (line: string) => void,
): RunningJob<ChannelValue<C>> {
  let jobId: string | null = null;
  // Events can overtake the answer that names the job (the bridge's SSE stream races its HTTP reply):
  // keep them until the id is known.
  const early: { progress: { jobId: string; progress: JobProgress }[]; logs: { jobId: string; line: string }[] } = {
    progress: [],
    logs: [],
  };
  const running: RunningJob<ChannelValue<C>> = {
    jobId: null,
    cancel: () => {
      if (jobId) void api.job.cancel({ jobId });
    },
    done: new Promise((resolve) => {
      const offProgress = api.events.on('job:progress', (p) => {
        if (jobId === null) early.progress.push(p);
        else if (p.jobId === jobId) onProgress?.(p.progress);
      });
      const offLog = api.events.on('job:log', (p) => {
        if (jobId === null) early.logs.push(p);
        else if (p.jobId === jobId) onLog?.(p.line);
      });
      const pendingDone = new Map<string, Result<unknown>>();
      const finish = (result: Result<unknown>) => {
        offProgress();
        offLog();
        offDone();
        resolve(result as Result<ChannelValue<C>>);
      };
      const offDone = api.events.on('job:done', (p) => {
        if (jobId === null) pendingDone.set(p.jobId, p.result);
        else if (p.jobId === jobId) finish(p.result);
      });
      start().then(
        (started) => {
          if (!started.ok) return finish(started);
          jobId = started.value.jobId;
          running.jobId = jobId;
          for (const p of early.progress) if (p.jobId === jobId) onProgress?.(p.progress);
          for (const l of early.logs) if (l.jobId === jobId) onLog?.(l.line);
          const already = pendingDone.get(jobId);
          if (already) finish(already);
        },
        (err: unknown) => finish({ ok: false, error: { code: 'INTERNAL', message: String(err) } }),
      );
    }),
  };
  return running;
}
