/**
 * How every outcome crosses a process boundary: as data, never as a thrown Error, so the renderer can
 * switch on a stable code and show a message that says what to do.
 */
import type { PublishCancelOutcome } from './publish';

export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'UNKNOWN_CHANNEL',
  'FORBIDDEN_SENDER',
  'NOT_FOUND',
  'NOT_A_DIRECTORY',
  'UNREADABLE',
  'NO_CHECKPOINTS',
  'CANCELLED',
  'TOKEN_MISSING',
  'TOKEN_INVALID',
  'TOKEN_READ_ONLY',
  'KEYCHAIN_UNAVAILABLE',
  'REPO_NAME_INVALID',
  'REPO_FORBIDDEN',
  'NETWORK',
  'RATE_LIMITED',
  'HUB_REJECTED',
  'SECRET_IN_UPLOAD',
  'CARD_INVALID',
  'VERIFICATION_FAILED',
  /** The user declined a confirmation (or none could be asked). */
  'NOT_CONFIRMED',
  /** A path or interpreter the user never opened or chose. */
  'NOT_ALLOWED',
  /** The workspace session was closed or replaced by another `workspace:open`; open the workspace again. */
  'SESSION_CLOSED',
  /** A file changed on disk since the app read it; nothing was written. */
  'CONFLICT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorData {
  code: ErrorCode;
  message: string;
  /** With `CANCELLED` from a publish: what the run left on the Hub. */
  cancel?: PublishCancelOutcome;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorData };

/** An error that knows its code; services throw it, the IPC layer turns it into `{ ok: false }`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly cancel?: PublishCancelOutcome,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toData(): AppErrorData {
    return { code: this.code, message: this.message, ...(this.cancel ? { cancel: this.cancel } : {}) };
  }
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string): Result<never> => ({
  ok: false,
  error: { code, message },
});

/** Turns anything thrown into error data; unknown errors keep their message but lose their stack. */
export function toErrorData(err: unknown): AppErrorData {
  if (err instanceof AppError) return err.toData();
  if (isAbortError(err)) return { code: 'CANCELLED', message: 'Cancelled.' };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

export function isAbortError(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    'name' in err &&
    ((err as { name: unknown }).name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR')
  );
}
