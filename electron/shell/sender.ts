/**
 * Which IPC requests the main process answers: only those from the app's own page, in the main frame of
 * one of our windows. Plain Node (no `electron` import) so it is unit-tested with the values Electron gives.
 */

/** Chromium's serialisation of the app page's origin (`app` is registered as a standard scheme). */
export const APP_ORIGIN = 'app://renderer';

/** The parts of Electron's `WebFrameMain` the decision reads. */
export interface SenderFrame {
  /** Chromium's `GetLastCommittedOrigin().Serialize()`: `"null"` for opaque origins; throws once disposed. */
  readonly origin: string;
  /** Null for the top frame of its page. */
  readonly parent: unknown;
  /** True while the page runs unload listeners. */
  readonly detached?: boolean;
  isDestroyed(): boolean;
}

export interface SenderContents {
  readonly id: number;
  isDestroyed(): boolean;
}

export interface SenderEvent {
  readonly sender: SenderContents;
  /** Null once the frame navigated or was destroyed. */
  readonly senderFrame: SenderFrame | null;
}

/**
 * Trusted only when the frame is alive, is a top frame, its origin is exactly the app's, and its
 * webContents is one of `ourContents`. The origin is Chromium's own (`senderFrame.origin`): Node's
 * `new URL('app://renderer/…').origin` is `"null"` because Node knows nothing of Chromium's scheme registry.
 */
export function isTrustedSender(event: SenderEvent, ourContents: ReadonlySet<number>): boolean {
  const { sender, senderFrame: frame } = event;
  if (sender.isDestroyed() || !ourContents.has(sender.id)) return false;
  if (!frame || frame.isDestroyed() || frame.detached) return false;
  try {
    return frame.parent === null && frame.origin === APP_ORIGIN;
  } catch {
    // A frame disposed between the checks throws on property access: refuse it.
    return false;
  }
}
