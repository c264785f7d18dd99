/**
 * The typed handler registry: the only way the main process answers the renderer. It is transport-free,
 * so Electron's ipcMain, the browser test bridge and unit tests all drive the same code.
 *
 * Every argument is validated with the contract's schema before a handler runs; every outcome crosses as
 * a `Result`; long work becomes a job with an AbortSignal and throttled progress.
 */
import {
  jobs,
  requests,
  type Channel,
  type ChannelValue,
  type EventChannel,
  type EventPayloads,
  type JobChannel,
  type JobStarted,
  type RequestChannel,
} from '../../shared/ipc/contract';
import { redactSecrets, redactValue } from '../../shared/redact';
import { fail, ok, toErrorData, type AppErrorData, type Result } from '../../shared/result';
import { throttleLatest } from '../../shared/throttle';
import type { JobProgress } from '../../shared/types';
import type { z } from 'zod';

/** Who sent a request: a window (or bridge connection) id, and whether it is the app's own page. */
export interface Sender {
  id: string;
  trusted: boolean;
}

export interface JobContext {
  jobId: string;
  signal: AbortSignal;
  progress(progress: JobProgress): void;
  log(line: string): void;
}

type Parsed<C extends Channel> = z.output<(typeof requests & typeof jobs)[C]['args']>;
type RequestHandler<C extends RequestChannel> = (args: Parsed<C>, sender: Sender) => Promise<ChannelValue<C>>;
type JobHandler<C extends JobChannel> = (args: Parsed<C>, job: JobContext) => Promise<ChannelValue<C>>;

export type Emit = <E extends EventChannel>(senderId: string, event: E, payload: EventPayloads[E]) => void;

interface RunningJob {
  senderId: string;
  /** The workspace session the job works for (every job channel names one). */
  sessionId: string;
  controller: AbortController;
}

export const PROGRESS_INTERVAL_MS = 100;

export class HandlerRegistry {
  private readonly requestHandlers = new Map<string, RequestHandler<RequestChannel>>();
  private readonly jobHandlers = new Map<string, JobHandler<JobChannel>>();
  private readonly running = new Map<string, RunningJob>();
  private readonly disposers: (() => Promise<void> | void)[] = [];
  private readonly senderGoneListeners: ((senderId: string) => void)[] = [];
  private guard: ((channel: string, args: unknown, sender: Sender) => Promise<void>) | null = null;
  private nextJob = 1;

  constructor(
    private readonly emit: Emit,
    private readonly progressIntervalMs = PROGRESS_INTERVAL_MS,
  ) {
    this.handle('job:cancel', async ({ jobId }, sender) => this.cancel(jobId, sender.id));
  }

  handle<C extends RequestChannel>(channel: C, handler: RequestHandler<C>): this {
    this.requestHandlers.set(channel, handler as unknown as RequestHandler<RequestChannel>);
    return this;
  }

  handleJob<C extends JobChannel>(channel: C, handler: JobHandler<C>): this {
    this.jobHandlers.set(channel, handler as unknown as JobHandler<JobChannel>);
    return this;
  }

  /** A check every validated request passes before its handler runs (what the user opened or chose). */
  setGuard(guard: (channel: string, args: unknown, sender: Sender) => Promise<void>): this {
    this.guard = guard;
    return this;
  }

  /** Answers one call from a sender. Never throws. */
  async dispatch(sender: Sender, channel: string, rawArgs: unknown): Promise<Result<unknown>> {
    if (!sender.trusted) return fail('FORBIDDEN_SENDER', 'Requests are only accepted from the app window.');
    const isJob = Object.hasOwn(jobs, channel);
    if (!isJob && !Object.hasOwn(requests, channel)) {
      return fail('UNKNOWN_CHANNEL', `There is no channel named "${channel}".`);
    }
    const schema = (isJob ? jobs[channel as JobChannel] : requests[channel as RequestChannel]).args;
    const parsed = schema.safeParse(rawArgs);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message,
      );
      return fail('INVALID_ARGUMENT', `Invalid arguments for ${channel}: ${issues.join('; ')}`);
    }
    if (this.guard) {
      try {
        await this.guard(channel, parsed.data, sender);
      } catch (err) {
        return { ok: false, error: safeError(err) };
      }
    }
    if (isJob) return ok(this.start(sender.id, channel as JobChannel, parsed.data));
    const handler = this.requestHandlers.get(channel);
    if (!handler) return fail('UNKNOWN_CHANNEL', `Nothing answers "${channel}" in this build.`);
    try {
      return ok(redactValue(await handler(parsed.data as never, sender)));
    } catch (err) {
      return { ok: false, error: safeError(err) };
    }
  }

  /** Aborts a job; only the sender that started it may cancel it. */
  cancel(jobId: string, senderId: string): boolean {
    const job = this.running.get(jobId);
    if (!job || job.senderId !== senderId) return false;
    job.controller.abort();
    return true;
  }

  /** Work to finish when the app quits (stopping workers, flushing caches). */
  onDispose(dispose: () => Promise<void> | void): void {
    this.disposers.push(dispose);
  }

  /** Cancels every job and runs the disposers; called once, when the app quits or the bridge closes. */
  async dispose(): Promise<void> {
    for (const job of this.running.values()) job.controller.abort();
    await Promise.allSettled(this.disposers.splice(0).map((d) => d()));
  }

  /** Called when a window closes or a bridge connection drops. */
  cancelAllFrom(senderId: string): void {
    for (const job of this.running.values()) if (job.senderId === senderId) job.controller.abort();
    for (const listener of this.senderGoneListeners) listener(senderId);
  }

  /** Work to do when a window closes or a bridge connection drops (its workspace session ends). */
  onSenderGone(listener: (senderId: string) => void): void {
    this.senderGoneListeners.push(listener);
  }

  /** Cancels the jobs of a workspace session (closed, or replaced by another workspace). */
  cancelSession(sessionId: string): void {
    for (const job of this.running.values()) if (job.sessionId === sessionId) job.controller.abort();
  }

  /** Sends an event that is not about one job (a session closing) to a sender. */
  notify<E extends EventChannel>(senderId: string, event: E, payload: EventPayloads[E]): void {
    this.emit(senderId, event, payload);
  }

  private start(senderId: string, channel: JobChannel, args: unknown): JobStarted {
    const jobId = `job-${this.nextJob++}`;
    const controller = new AbortController();
    const sessionId = String((args as { sessionId?: unknown }).sessionId ?? '');
    this.running.set(jobId, { senderId, sessionId, controller });
    const progress = throttleLatest<JobProgress>(
      (p) => this.emit(senderId, 'job:progress', { jobId, sessionId, progress: p }),
      this.progressIntervalMs,
    );
    const handler = this.jobHandlers.get(channel);
    let phase: JobProgress['phase'] | null = null;
    const context: JobContext = {
      jobId,
      signal: controller.signal,
      progress: (p) => {
        // Throttled, but the last state of a phase is never coalesced away by the next phase's first.
        if (phase !== null && p.phase !== phase) progress.flush();
        phase = p.phase;
        progress.push(p.message ? { ...p, message: redactSecrets(p.message) } : p);
      },
      log: (line) => this.emit(senderId, 'job:log', { jobId, sessionId, line: redactSecrets(line) }),
    };
    // Started on the next tick so the caller receives the job id before any event of the job.
    setImmediate(async () => {
      let result: Result<unknown>;
      try {
        if (!handler) throw new Error(`Nothing answers "${channel}" in this build.`);
        const value = await handler(args as never, context);
        controller.signal.throwIfAborted();
        // Job values carry script output and file names: token-like strings never cross as they are.
        result = ok(redactValue(value));
      } catch (err) {
        // A cancelled job that says what it left behind (a publish) keeps its own message.
        const error = safeError(err);
        result =
          controller.signal.aborted && error.code !== 'CANCELLED'
            ? fail('CANCELLED', 'Cancelled.')
            : { ok: false, error };
      }
      progress.flush();
      this.running.delete(jobId);
      this.emit(senderId, 'job:done', { jobId, sessionId, result });
    });
    return { jobId };
  }
}

/** Error data for the renderer: the code and message only, with anything token-like masked. */
function safeError(err: unknown): AppErrorData {
  const data = toErrorData(err);
  return {
    code: data.code,
    message: redactSecrets(data.message),
    ...(data.cancel ? { cancel: data.cancel } : {}),
  };
}
