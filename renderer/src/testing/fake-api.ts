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
  return {
    api,
    answer: (channel, handler) => handlers.set(channel, handler),
    calls,
    callsTo: (channel) => calls.filter((c) => c.channel === channel).map((c) => c.args),
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
  };
}

/** Lets pending promise callbacks run (answers already resolved reach their stores). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
