/**
 * A stand-in for `window.api` in the renderer's unit tests: each channel answers what the test set, calls
 * are recorded, and events are emitted by the test, so a store's handling of late, stale or overlapping
 * answers can be driven step by step. Browser specs use the real handlers through the test bridge.
 */
import type { Api, EventChannel, EventPayloads } from '../../../shared/ipc/contract';
import type { Result } from '../../../shared/result';

type Handler = (args: unknown) => Promise<Result<unknown>> | Result<unknown>;

export interface FakeApi {
  api: Api;
  /** What a channel answers (`domain:verb`); unset channels answer an error naming the channel. */
  answer(channel: string, handler: Handler): void;
  calls: { channel: string; args: unknown }[];
  callsTo(channel: string): unknown[];
  emit<E extends EventChannel>(event: E, payload: EventPayloads[E]): void;
  /**
   * Answers a job channel with a new job id; `started` learns of it (with the arguments) and may end it at
   * once or keep it for the test to end later with `finish`.
   */
  job(channel: string, started: (args: unknown, jobId: string) => void): void;
  /** Ends a job as the main process would: one `job:done` with its result. */
  finish(jobId: string, result: Result<unknown>): void;
}

export function createFakeApi(): FakeApi {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const calls: FakeApi['calls'] = [];
  const invoke = async (channel: string, args: unknown): Promise<Result<unknown>> => {
    calls.push({ channel, args });
    const handler = handlers.get(channel);
    if (!handler)
      return {
        ok: false,
        error: { code: 'INTERNAL', message: `The fake api has no answer for ${channel}.` },
      };
    return handler(args);
  };
  const api = new Proxy(
    {},
    {
      get(_target, domain: string) {
        if (domain === 'events') {
          return {
            on(event: string, listener: (payload: unknown) => void) {
              let set = listeners.get(event);
              if (!set) listeners.set(event, (set = new Set()));
              set.add(listener);
              return () => set.delete(listener);
            },
          };
        }
        if (domain === 'files')
          return { pathFor: () => '', openDropped: () => invoke('workspace:dropped', {}) };
        return new Proxy(
          {},
          { get: (_t, verb: string) => (args?: unknown) => invoke(`${domain}:${verb}`, args) },
        );
      },
    },
  ) as Api;
  let nextJob = 1;
  const jobSessions = new Map<string, string>();
  const emit: FakeApi['emit'] = (event, payload) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  return {
    api,
    emit,
    job(channel, started) {
      handlers.set(channel, (args) => {
        const jobId = `job-${nextJob++}`;
        jobSessions.set(jobId, (args as { sessionId?: string } | undefined)?.sessionId ?? '');
        // After the answer that names the job, as the main process's events follow its reply.
        setTimeout(() => started(args, jobId), 0);
        return { ok: true, value: { jobId } };
      });
    },
    finish: (jobId, result) => emit('job:done', { jobId, sessionId: jobSessions.get(jobId) ?? '', result }),
    answer: (channel, handler) => handlers.set(channel, handler),
    calls,
    callsTo: (channel) => calls.filter((c) => c.channel === channel).map((c) => c.args),
  };
}

/** A session id as the main process makes them (`ws-` and 16 hex digits). */
export function sessionIdFor(n: number): string {
  return `ws-${n.toString(16).padStart(16, '0')}`;
}

/** Lets pending promise callbacks run (answers already resolved reach their stores). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
