/**
 * The open workspace sessions of the app: one per window (or bridge connection). Opening another folder
 * replaces the window's session; a replaced or closed session cancels its jobs and answers no more.
 */
import { AppError } from '../../../shared/result';
import { WorkspaceSession, type SessionServices } from './index';

export type CloseReason = 'replaced' | 'closed';

export class WorkspaceSessions {
  readonly #byId = new Map<string, WorkspaceSession>();
  readonly #byOwner = new Map<string, WorkspaceSession>();

  constructor(
    private readonly services: SessionServices,
    /** Told after a session closed (its jobs are being cancelled), to tell the window. */
    private readonly onClosed: (session: WorkspaceSession, reason: CloseReason) => void = () => undefined,
  ) {}

  /** A new session for `root` (already checked to be a folder the user opened), replacing the owner's. */
  open(root: string, ownerId: string): WorkspaceSession {
    const previous = this.#byOwner.get(ownerId);
    if (previous) this.#end(previous, 'replaced');
    const session = new WorkspaceSession(root, this.services, ownerId);
    this.#byId.set(session.id, session);
    this.#byOwner.set(ownerId, session);
    return session;
  }

  /** The open session with this id, for its owner; SESSION_CLOSED when it was closed or replaced. */
  require(id: string, ownerId?: string): WorkspaceSession {
    const session = this.#byId.get(id);
    if (!session || (ownerId !== undefined && session.ownerId !== ownerId)) {
      throw new AppError(
        'SESSION_CLOSED',
        'That workspace is no longer open in this window (another one was opened, or it was closed). Open it again.',
      );
    }
    return session;
  }

  close(id: string, ownerId?: string): boolean {
    const session = this.#byId.get(id);
    if (!session || (ownerId !== undefined && session.ownerId !== ownerId)) return false;
    this.#end(session, 'closed');
    return true;
  }

  /** A window closed or a bridge connection dropped. */
  closeAllOf(ownerId: string): void {
    const session = this.#byOwner.get(ownerId);
    if (session) this.#end(session, 'closed');
  }

  closeAll(): void {
    for (const session of [...this.#byId.values()]) this.#end(session, 'closed');
  }

  #end(session: WorkspaceSession, reason: CloseReason): void {
    this.#byId.delete(session.id);
    if (session.ownerId !== null && this.#byOwner.get(session.ownerId) === session)
      this.#byOwner.delete(session.ownerId);
    session.close();
    this.onClosed(session, reason);
  }
}
