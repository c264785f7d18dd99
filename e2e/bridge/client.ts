/**
 * The browser side of the test bridge: gives the page the same `window.api` the preload gives it in
 * Electron, over HTTP (requests) and Server-Sent Events (job events) instead of Electron IPC.
 */
import { buildApi, type Api, type EventChannel } from '../../shared/ipc/contract';

const connection = crypto.randomUUID();
const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();

const events = new EventSource(`/__bridge/events?connection=${connection}`);
events.onmessage = (message: MessageEvent<string>) => {
  const { event, payload } = JSON.parse(message.data) as { event: EventChannel; payload: unknown };
  for (const listener of listeners.get(event) ?? []) listener(payload);
};

(window as unknown as { api: Api }).api = buildApi({
  async invoke(channel, args) {
    const response = await fetch(`/__bridge/invoke/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Bridge-Connection': connection },
      body: JSON.stringify({ args: args ?? null }),
    });
    return response.json();
  },
  on(event, listener) {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
  // Chromium hides real paths of dropped files; specs give the File a `path` as Electron's webUtils would.
  pathFor: (file) => (file as { path?: string }).path ?? '',
});
