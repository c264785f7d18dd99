import type { AppErrorData } from '../../../shared/result';

/** An error from the main process: its message, which already says what to do. Never a stack trace. */
export function ErrorMessage({ error, onDismiss }: { error: AppErrorData; onDismiss?: () => void }) {
  return (
    <div className="error" role="alert" data-code={error.code}>
      <p className="error__message">{error.message}</p>
      {onDismiss && (
        <button type="button" className="button button--quiet" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
