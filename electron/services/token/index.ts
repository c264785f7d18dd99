/**
 * Where the Hugging Face token comes from, which account it belongs to, and where it is kept.
 *
 * The token itself never leaves this module except to the Hub client: what callers that feed the renderer
 * get is an `AccountInfo` (user, orgs, role, masked token, source).
 */
import { whoAmI } from '@huggingface/hub';
import os from 'node:os';
import path from 'node:path';
import {
  TOKEN_SOURCE_LABELS,
  type AccountInfo,
  type TokenRole,
  type TokenSource,
} from '../../../shared/publish';
import { maskToken, redactSecrets, tokenCharacterProblem } from '../../../shared/redact';
import { AppError } from '../../../shared/result';
import { readBoundedText } from '../safe-read';
import { createKeychain, type Keychain } from './keychain';

export {
  createKeychain,
  keychainUnavailable,
  KEYCHAIN_ACCOUNT,
  KEYCHAIN_SERVICE,
  type Keychain,
  type KeychainOptions,
} from './keychain';

export interface ResolvedToken {
  token: string;
  source: TokenSource;
  /** Things worth telling the user (e.g. the keychain could not be read), already free of secrets. */
  notes: string[];
}

export interface ResolveTokenOptions {
  /** Typed in by the user. */
  explicit?: string | null;
  /** `--token-file`. */
  tokenFile?: string | null;
  workspaceRoot?: string | null;
  env?: NodeJS.ProcessEnv;
  /** null skips the keychain (e.g. `--no-keychain`); undefined uses the default one. */
  keychain?: Keychain | null;
  /** A token kept in memory because no keychain was available when it was saved. */
  session?: SessionTokenStore | null;
}

export const WRITE_TOKEN_HINT =
  'Create a token with the "Write" role at https://huggingface.co/settings/tokens (or a fine-grained token ' +
  'with write access to the repository), then sign in with it.';

const MISSING_HINT =
  'Sign in with a Hugging Face token: type it in, pass --token-file, set HF_TOKEN, run `hf auth login`, or ' +
  'put it in hf_token.txt in the workspace. ' +
  WRITE_TOKEN_HINT;

/** A token file holds one short line; anything bigger is not a token file. */
const MAX_TOKEN_FILE_BYTES = 4096;

async function readTokenFile(file: string): Promise<string | null> {
  const text = await readBoundedText(file, {
    maxBytes: MAX_TOKEN_FILE_BYTES,
    label: `The token file ${file}`,
  });
  return text?.trim() || null;
}

/**
 * Refuses a token with anything outside printable ASCII before it reaches an HTTP header: the header
 * error would quote it whole, and it is never a valid token anyway. The message names the source only.
 */
export function checkTokenCharacters(token: string, source: TokenSource): string {
  const problem = tokenCharacterProblem(token);
  if (problem) {
    throw new AppError(
      'TOKEN_INVALID',
      `The token from ${TOKEN_SOURCE_LABELS[source] ?? source} is not usable: ${problem}. A token is one line of letters, ` +
        `digits and underscores: keep only that line (no second line, no trailing NUL), then try again.`,
    );
  }
  return token;
}

/** `$HF_TOKEN_PATH`, else `$HF_HOME/token`, else `~/.cache/huggingface/token`, as huggingface_hub reads it. */
export function huggingFaceTokenPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_TOKEN_PATH) return env.HF_TOKEN_PATH;
  if (env.HF_HOME) return path.join(env.HF_HOME, 'token');
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'huggingface', 'token');
}

/**
 * The first token found, in this order: typed in or `--token-file`, the keychain (or the session store
 * when the keychain is unavailable), `HF_TOKEN`, the Hugging Face token file, the workspace's
 * `hf_token.txt`.
 */
export async function resolveToken(options: ResolveTokenOptions = {}): Promise<ResolvedToken> {
  const env = options.env ?? process.env;
  const notes: string[] = [];
  const explicit = options.explicit?.trim();
  const found = (token: string, source: TokenSource): ResolvedToken => ({
    token: checkTokenCharacters(token, source),
    source,
    notes,
  });
  if (explicit) return found(explicit, 'explicit');
  if (options.tokenFile) {
    const token = await readTokenFile(options.tokenFile);
    if (!token) {
      throw new AppError(
        'TOKEN_MISSING',
        `The token file ${options.tokenFile} is missing or empty. ${MISSING_HINT}`,
      );
    }
    return found(token, 'token-file');
  }
  const sessionToken = options.session?.get();
  if (sessionToken) return found(sessionToken, 'session');
  const keychain = options.keychain === undefined ? createKeychain() : options.keychain;
  if (keychain) {
    try {
      const stored = (await keychain.load())?.trim();
      if (stored) return found(stored, 'keychain');
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'KEYCHAIN_UNAVAILABLE') throw err;
      notes.push(`The system keychain was skipped: ${err.message.split('. ')[0]}.`);
    }
  }
  const fromEnv = env.HF_TOKEN?.trim();
  if (fromEnv) {
    // With HF_TOKEN set the keychain is not needed: no note about it on every command.
    notes.length = 0;
    return found(fromEnv, 'env');
  }
  const hfFile = await readTokenFile(huggingFaceTokenPath(env));
  if (hfFile) return found(hfFile, 'hf-token-file');
  if (options.workspaceRoot) {
    const ws = await readTokenFile(path.join(options.workspaceRoot, 'hf_token.txt'));
    if (ws) return found(ws, 'workspace');
  }
  throw new AppError('TOKEN_MISSING', `No Hugging Face token found. ${MISSING_HINT}`);
}

/**
 * Keeps a token for the life of the process when the keychain cannot: the app says so and asks again next
 * time. Never written to disk.
 */
export class SessionTokenStore {
  #token: string | null = null;
  get(): string | null {
    return this.#token;
  }
  set(token: string): void {
    this.#token = token;
  }
  clear(): boolean {
    const had = this.#token !== null;
    this.#token = null;
    return had;
  }
}

export interface SaveTokenResult {
  storedIn: 'keychain' | 'session';
  /** Set when the keychain was unavailable: what happened and what to do. */
  message: string | null;
}

/** Saves to the keychain, or keeps the token for this session when there is no keychain. */
export async function saveToken(
  token: string,
  stores: { keychain?: Keychain; session: SessionTokenStore },
): Promise<SaveTokenResult> {
  const keychain = stores.keychain ?? createKeychain();
  try {
    await keychain.save(token.trim());
    stores.session.clear();
    return { storedIn: 'keychain', message: null };
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'KEYCHAIN_UNAVAILABLE') throw err;
    stores.session.set(token.trim());
    return { storedIn: 'session', message: err.message };
  }
}

/** Removes the token from the keychain and the session; true when one was removed. */
export async function forgetToken(stores: {
  keychain?: Keychain;
  session: SessionTokenStore;
}): Promise<boolean> {
  const hadSession = stores.session.clear();
  const keychain = stores.keychain ?? createKeychain();
  try {
    return (await keychain.forget()) || hadSession;
  } catch (err) {
    if (err instanceof AppError && err.code === 'KEYCHAIN_UNAVAILABLE' && hadSession) return true;
    throw err;
  }
}

const WHOAMI_ATTEMPTS = 4;

function retryDelayMs(err: unknown, attempt: number): number {
  // Retry-After (seconds) when the Hub says; otherwise 0.5 s, 1 s, 2 s. Never more than 10 s per wait.
  const headers = (err as { headers?: Headers | Record<string, string> }).headers;
  const raw = headers instanceof Headers ? headers.get('retry-after') : headers?.['retry-after'];
  const seconds = raw ? Number(raw) : NaN;
  return Math.min(
    10_000,
    Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 500 * 2 ** (attempt - 1),
  );
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

interface WhoAmIAuth {
  type?: string;
  accessToken?: {
    role?: string;
    fineGrained?: { scoped?: { permissions?: string[] }[]; global?: string[] };
  };
}

/**
 * whoami: the user, their organisations and the token's role. 401 → TOKEN_INVALID; unreachable →
 * NETWORK. The result holds the masked token only.
 */
export async function describeAccount(
  token: string,
  endpoint: string,
  options: { source: TokenSource; fetch?: typeof fetch; signal?: AbortSignal },
): Promise<AccountInfo> {
  checkTokenCharacters(token, options.source);
  if (!token.startsWith('hf_')) {
    throw new AppError(
      'TOKEN_INVALID',
      `The token from ${options.source} is not a Hugging Face token (they start with "hf_"). ${WRITE_TOKEN_HINT}`,
    );
  }
  let info: Awaited<ReturnType<typeof whoAmI>> | undefined;
  // 429 and 5xx are the Hub being busy, not an answer about the token: asked again a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      info = await whoAmI({ accessToken: token, hubUrl: endpoint, fetch: options.fetch });
      break;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode ?? 0;
      const retriable = status === 429 || (status >= 500 && status <= 599);
      if (!retriable || attempt >= WHOAMI_ATTEMPTS || options.signal?.aborted) {
        throw hubErrorToAppError(err, endpoint, 'whoami');
      }
      await sleep(retryDelayMs(err, attempt), options.signal);
    }
  }
  if (!info) throw new AppError('NETWORK', `No answer from the Hub at ${endpoint} to whoami.`);
  if (info.type !== 'user') {
    throw new AppError(
      'TOKEN_INVALID',
      `This token belongs to ${info.type === 'org' ? 'an organisation' : 'an app'} (${info.name}), not a user. ${WRITE_TOKEN_HINT}`,
    );
  }
  const auth = (info as { auth?: WhoAmIAuth }).auth;
  const rawRole = auth?.accessToken?.role;
  const role: TokenRole =
    rawRole === 'read' ||
    rawRole === 'write' ||
    rawRole === 'admin' ||
    rawRole === 'contributor' ||
    rawRole === 'fineGrained'
      ? rawRole
      : 'unknown';
  let canWrite = role === 'write' || role === 'admin' || role === 'contributor';
  if (role === 'fineGrained') {
    const fg = auth?.accessToken?.fineGrained;
    const perms = [...(fg?.global ?? []), ...(fg?.scoped ?? []).flatMap((s) => s.permissions ?? [])];
    canWrite = perms.some((p) => /write|repo\.content\.write/.test(p));
  }
  // OAuth/app tokens carry no role: the Hub decides at upload time.
  if (role === 'unknown') canWrite = true;
  return {
    user: info.name,
    fullname: (info as { fullname?: string }).fullname ?? null,
    orgs: (info.orgs ?? []).map((o) => o.name),
    role,
    canWrite,
    masked: maskToken(token),
    source: options.source,
  };
}

/** A read-only token is refused before anything is uploaded. */
export function requireWriteAccess(account: AccountInfo): void {
  if (account.canWrite) return;
  throw new AppError(
    'TOKEN_READ_ONLY',
    `The token ${account.masked} of ${account.user} can only read (role: ${account.role}); publishing needs write ` +
      `access. ${WRITE_TOKEN_HINT}`,
  );
}

/** Turns a client or network error into one the user can act on. */
export function hubErrorToAppError(err: unknown, endpoint: string, what: string): AppError {
  if (err instanceof AppError) return err;
  if (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'AbortError') {
    return new AppError('CANCELLED', 'Cancelled.');
  }
  const status = (err as { statusCode?: number }).statusCode;
  // Client and header errors can quote the request, token included.
  const message = redactSecrets(err instanceof Error ? err.message : String(err));
  if (status === 401) {
    return new AppError(
      'TOKEN_INVALID',
      `The Hub at ${endpoint} did not accept the token (401 on ${what}): it is wrong, expired or revoked. ${WRITE_TOKEN_HINT}`,
    );
  }
  if (status === 403) {
    return new AppError('REPO_FORBIDDEN', `The Hub refused ${what} (403): ${message}`);
  }
  if (status === 429) {
    return new AppError(
      'RATE_LIMITED',
      `The Hub is rate limiting requests (${what}). Wait a few minutes and try again.`,
    );
  }
  if (typeof status === 'number') {
    return new AppError('HUB_REJECTED', `The Hub answered ${status} to ${what}: ${message}`);
  }
  if (err instanceof TypeError && /token|credentials/i.test(message)) {
    return new AppError('TOKEN_INVALID', `${message} ${WRITE_TOKEN_HINT}`);
  }
  return new AppError(
    'NETWORK',
    `Cannot reach the Hub at ${endpoint} (${what}): ${describeNetworkError(err)}. Check your connection or the endpoint setting, then try again.`,
  );
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return redactSecrets(cause.message);
  return redactSecrets(err instanceof Error ? err.message : String(err));
}
