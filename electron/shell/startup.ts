/** How the main process starts: any failure exits 1 with a message free of secrets, never a hang. */
import { redactSecrets } from '../../shared/redact';

export interface StartupHooks {
  /** `app.whenReady()`. */
  ready: Promise<unknown>;
  start(): unknown;
  /** `app.exit`. */
  exit(code: number): void;
  log?(message: string): void;
}

/** `ready.then(start).catch(...)`: a throw or rejection from `start` ends the app with exit code 1. */
export function startApp(hooks: StartupHooks): Promise<void> {
  const log = hooks.log ?? ((message: string) => console.error(message));
  return hooks.ready
    .then(() => hooks.start())
    .then(
      () => undefined,
      (err: unknown) => {
        log(`Hub Publisher could not start: ${describeStartupError(err)}`);
        hooks.exit(1);
      },
    );
}

export function describeStartupError(err: unknown): string {
  return redactSecrets(err instanceof Error ? (err.stack ?? err.message) : String(err));
}
