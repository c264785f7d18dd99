/** Events to a window that may have closed while a job was still reporting. */
export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, payload: unknown): void;
}

/** Sends unless the contents is gone (sending to a destroyed webContents throws); true when sent. */
export function sendIfAlive(contents: EventTarget | undefined, channel: string, payload: unknown): boolean {
  if (!contents || contents.isDestroyed()) return false;
  contents.send(channel, payload);
  return true;
}
