/**
 * The account behind the token: `account:status`, `account:setToken`, `account:forget`.
 *
 * The token stays in this process. What the renderer gets is an `AccountStatus`: the account, its masked
 * token and where it came from, or an error that says what to do. The publish handlers resolve the token
 * through the same `AccountSession`, so a token typed on the Publish screen is the one that publishes.
 */
import type { AccountStatus } from '../../../shared/ipc/contract';
import type { TokenSource } from '../../../shared/publish';
import { AppError, toErrorData } from '../../../shared/result';
import {
  createKeychain,
  describeAccount,
  forgetToken,
  requireWriteAccess,
  resolveToken,
  saveToken,
  SessionTokenStore,
  type Keychain,
  type ResolvedToken,
} from '../../services/token';
import type { HubClient } from '../../services/hub';
import type { AccountSource, SignedIn } from '../../services/session';
import type { SettingsStore } from '../../services/settings';
import type { HandlerRegistry } from '../registry';
import type { HandlerContext } from './index';

export type { SignedIn } from '../../services/session';

export interface AccountSessionOptions {
  /** The OS keychain; tests pass their own so real credentials are never touched. */
  keychain?: Keychain;
}

/** What the account session needs: the settings (endpoint, which endpoint a token is tied to), the Hub. */
export interface AccountDeps {
  settings: SettingsStore;
  env: NodeJS.ProcessEnv;
  hub: HubClient;
}

export class AccountSession implements AccountSource {
  /** Typed in without "keep in keychain": lives as long as the app, never written anywhere. */
  #typed: string | null = null;
  /** Asked to be remembered while no keychain was available. */
  readonly #session = new SessionTokenStore();
  readonly #keychain: Keychain;
  /** The workspace last asked about, so `forget` can say which token is used next. */
  #lastRoot: string | null = null;
  #generation = 0;

  constructor(
    private readonly context: AccountDeps,
    options: AccountSessionOptions = {},
  ) {
    // A separate service name keeps scripted runs (CI, the browser specs) away from the user's real entry.
    this.#keychain =
      options.keychain ??
      createKeychain({ service: context.env.HUB_PUBLISHER_KEYCHAIN_SERVICE || undefined });
  }

  /** Changes on every sign-in and forget: workspace sessions ask for the account again. */
  get generation(): number {
    return this.#generation;
  }

  async keychainAvailable(): Promise<boolean> {
    try {
      await this.#keychain.load();
      return true;
    } catch (err) {
      if (err instanceof AppError && err.code === 'KEYCHAIN_UNAVAILABLE') return false;
      throw err;
    }
  }

  /** The token in the documented order (typed, keychain or session, HF_TOKEN, token file, workspace). */
  async resolve(root?: string | null): Promise<ResolvedToken> {
    if (root !== undefined) this.#lastRoot = root;
    return resolveToken({
      explicit: this.#typed,
      workspaceRoot: root ?? this.#lastRoot,
      env: this.context.env,
      keychain: this.#keychain,
      session: this.#session,
    });
  }

  /** The token and its account; publishing refuses read-only tokens before anything is sent. */
  async signIn(
    root: string | null | undefined,
    options: { requireWrite?: boolean; signal?: AbortSignal } = {},
  ): Promise<SignedIn> {
    const { token, source } = await this.resolve(root);
    const endpoint = await this.context.settings.hubEndpoint();
    await this.#requireTokenEndpoint(source, endpoint);
    const account = await describeAccount(token, endpoint, {
      source,
      fetch: this.context.hub.fetch,
      signal: options.signal,
    });
    if (options.requireWrite) requireWriteAccess(account);
    return { token, account };
  }

  /**
   * A token the app keeps (typed in, keychain, session) is sent only to the endpoint it was checked
   * against: re-pointing the endpoint must never be a way to collect it. Tokens from the environment or
   * token files are the user's own configuration and go with the endpoint they configured.
   */
  async #requireTokenEndpoint(source: TokenSource, endpoint: string): Promise<void> {
    if (source !== 'explicit' && source !== 'keychain' && source !== 'session') return;
    const tied = (await this.context.settings.read()).tokenEndpoint;
    if (!tied) {
      // Saved before tokens were tied to an endpoint: tied to the one it is first used with.
      await this.context.settings.update({ tokenEndpoint: endpoint });
      return;
    }
    if (tied !== endpoint) {
      throw new AppError(
        'TOKEN_INVALID',
        `The saved token was checked against ${tied}, so it is not sent to ${endpoint}. Sign in again with a token for ${endpoint}, or switch the endpoint back.`,
      );
    }
  }

  async status(root?: string | null, notice: AppError | null = null): Promise<AccountStatus> {
    const hubEndpoint = await this.context.settings.hubEndpoint();
    const keychainAvailable = await this.keychainAvailable();
    const keychain = keychainAvailable ? ((await this.#keychain.storage?.()) ?? null) : null;
    try {
      const { account } = await this.signIn(root);
      let error = notice?.toData() ?? null;
      if (!account.canWrite) {
        try {
          requireWriteAccess(account);
        } catch (err) {
          error = toErrorData(err);
        }
      }
      return { account, error, keychainAvailable, keychain, hubEndpoint };
    } catch (err) {
      return { account: null, error: toErrorData(err), keychainAvailable, keychain, hubEndpoint };
    }
  }

  /** Checks a typed token with whoami before keeping it; a token the Hub refuses is not kept anywhere. */
  async setToken(token: string, remember: boolean): Promise<AccountStatus> {
    const trimmed = token.trim();
    const endpoint = await this.context.settings.hubEndpoint();
    await describeAccount(trimmed, endpoint, {
      source: remember ? 'keychain' : 'explicit',
      fetch: this.context.hub.fetch,
    });
    await this.context.settings.update({ tokenEndpoint: endpoint });
    let notice: AppError | null = null;
    if (remember) {
      const saved = await saveToken(trimmed, { keychain: this.#keychain, session: this.#session });
      this.#typed = null;
      if (saved.storedIn === 'session' && saved.message)
        notice = new AppError('KEYCHAIN_UNAVAILABLE', saved.message);
    } else {
      this.#typed = trimmed;
    }
    this.#generation++;
    return this.status(undefined, notice);
  }

  async forget(): Promise<AccountStatus> {
    this.#typed = null;
    await this.context.settings.update({ tokenEndpoint: null });
    try {
      await forgetToken({ keychain: this.#keychain, session: this.#session });
    } catch (err) {
      // Nothing can be in a keychain that does not exist; the session copy is already gone.
      if (!(err instanceof AppError && err.code === 'KEYCHAIN_UNAVAILABLE')) throw err;
    } finally {
      this.#generation++;
    }
    return this.status();
  }
}

export function registerAccountHandlers(registry: HandlerRegistry, context: HandlerContext): void {
  const session = context.account;
  registry.handle('account:status', ({ sessionId }) =>
    session.status(sessionId ? context.sessions.require(sessionId).root : undefined),
  );
  registry.handle('account:setToken', ({ token, remember }) => session.setToken(token, remember));
  registry.handle('account:forget', () => session.forget());
}
