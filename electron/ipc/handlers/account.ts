/**
 * The account behind the token: `account:status`, `account:setToken`, `account:forget`.
 *
 * The token stays in this process. What the renderer gets is an `AccountStatus`: the account, its masked
 * token and where it came from, or an error that says what to do. The publish handlers resolve the token
 * through the same `AccountSession`, so a token typed on the Publish screen is the one that publishes.
 */
import type { AccountStatus } from '../../../shared/ipc/contract';
import type { AccountInfo, TokenSource } from '../../../shared/publish';
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
import type { HandlerRegistry } from '../registry';
import type { HandlerContext } from './index';

export interface AccountSessionOptions {
  /** The OS keychain; tests pass their own so real credentials are never touched. */
  keychain?: Keychain;
  /** Given to the Hub client (tests count or fail requests with it). */
  fetch?: typeof fetch;
}

/** A resolved token with its account; only main-process code ever sees `token`. */
export interface SignedIn {
  token: string;
  account: AccountInfo;
}

export class AccountSession {
  /** Typed in without "keep in keychain": lives as long as the app, never written anywhere. */
  #typed: string | null = null;
  /** Asked to be remembered while no keychain was available. */
  readonly #session = new SessionTokenStore();
  readonly #keychain: Keychain;
  readonly #fetch: typeof fetch | undefined;
  /** The workspace last asked about, so `forget` can say which token is used next. */
  #lastRoot: string | null = null;

  constructor(
    private readonly context: HandlerContext,
    options: AccountSessionOptions = {},
  ) {
    // A separate service name keeps scripted runs (CI, the browser specs) away from the user's real entry.
    this.#keychain =
      options.keychain ?? createKeychain({ service: context.env.HUB_PUBLISHER_KEYCHAIN_SERVICE || undefined });
    this.#fetch = options.fetch ?? context.fetch;
  }

  get fetch(): typeof fetch | undefined {
    return this.#fetch;
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
      fetch: this.#fetch,
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
      fetch: this.#fetch,
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
    }
    return this.status();
  }
}

const sessions = new WeakMap<HandlerContext, AccountSession>();

/** The one session of a handler context, shared by the account and publish handlers. */
export function accountSession(context: HandlerContext, options?: AccountSessionOptions): AccountSession {
  let session = sessions.get(context);
  if (!session) {
    session = new AccountSession(context, options);
    sessions.set(context, session);
  }
  return session;
}

export function registerAccountHandlers(registry: HandlerRegistry, context: HandlerContext): void {
  const session = accountSession(context);
  registry.handle('account:status', ({ root }) => session.status(root));
  registry.handle('account:setToken', ({ token, remember }) => session.setToken(token, remember));
  registry.handle('account:forget', () => session.forget());
}
