/**
 * The one Hub client of the main process and the CLI: every request a workspace session makes to the Hub
 * (whoami, repository state and head, text files on the Hub, listings)
 * goes through here, with one HTTP-status → error-code map and one test for "this was cancelled".
 *
 * The byte transfer (`publish/upload.ts`, `commit.ts`, `lfs.ts`, `transport.ts`) keeps its own retrying
 * fetch; it gets this client's `fetch` so both use the same network stack (Electron's `net.fetch` in the app).
 */
import type { AccountInfo, RepoVisibility, TokenSource } from '../../../shared/publish';
import type { RepoName } from '../../../shared/repo-name';
import { AppError, isAbortError } from '../../../shared/result';
import type { RemoteEntry } from '../publish/plan';
import { listRemote } from '../publish/upload';
import { describeAccount, hubErrorToAppError } from '../token';
import { formatBytes } from '../../../shared/units';

/** The app's limit for a model card on the Hub (the same as the Card screen's and the IPC contract's). */
export const MAX_HUB_TEXT_BYTES = 8 * 1024 * 1024;

/** True when `err` (or the signal) says the request was cancelled, whichever layer threw it. */
export function isCancelled(err: unknown, signal?: AbortSignal): boolean {
  return (
    Boolean(signal?.aborted) || isAbortError(err) || (err instanceof AppError && err.code === 'CANCELLED')
  );
}

/**
 * The one map from an HTTP status of the Hub to the app's error codes. 404 and 401 are answered by the
 * callers that treat them as "not there" before they get here.
 */
export function hubStatusError(status: number, endpoint: string, what: string): AppError {
  return hubErrorToAppError(
    Object.assign(new Error(`HTTP ${status}`), { statusCode: status }),
    endpoint,
    what,
  );
}

export interface RepoState {
  exists: boolean;
  visibility: RepoVisibility | null;
  /** The head commit of `main`; null for a repository without commits or one that does not exist. */
  head: string | null;
}

export class HubClient {
  constructor(
    /** The endpoint as the settings say now (it can change while the app runs). */
    private readonly endpointOf: () => Promise<string>,
    /** Electron's `net.fetch` in the app (system proxy and certificates); global fetch elsewhere. */
    readonly fetch: typeof globalThis.fetch = globalThis.fetch,
  ) {}

  endpoint(): Promise<string> {
    return this.endpointOf();
  }

  async whoami(token: string, source: TokenSource, signal?: AbortSignal): Promise<AccountInfo> {
    return describeAccount(token, await this.endpoint(), { source, fetch: this.fetch, signal });
  }

  /** Whether the repository exists, who can see it and its head; a repository this token cannot see is "not there". */
  async repoState(repoId: string, token: string | null, signal?: AbortSignal): Promise<RepoState> {
    const endpoint = await this.endpoint();
    const res = await this.#get(
      `${endpoint}/api/models/${repoId}/revision/main`,
      token,
      signal,
      endpoint,
      `looking up ${repoId}`,
    );
    if (res.status === 404 || res.status === 401) {
      await res.body?.cancel().catch(() => undefined);
      return { exists: false, visibility: null, head: null };
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw hubStatusError(res.status, endpoint, `looking up ${repoId}`);
    }
    const info = (await res.json()) as { private?: unknown; sha?: unknown };
    return {
      exists: true,
      visibility: info.private === true ? 'private' : 'public',
      head: typeof info.sha === 'string' ? info.sha : null,
    };
  }

  /** A text file of the repository's `main`, or null when the repository or the file is not there. */
  async text(
    repoId: string,
    repoPath: string,
    token: string | null,
    options: { signal?: AbortSignal; maxBytes?: number } = {},
  ): Promise<string | null> {
    const endpoint = await this.endpoint();
    const url = `${endpoint}/${repoId}/resolve/main/${repoPath.split('/').map(encodeURIComponent).join('/')}`;
    const res = await this.#get(url, token, options.signal, endpoint, `reading ${repoPath} of ${repoId}`);
    // Anonymous requests get 401 for a repo that does not exist as well as for a private one.
    if (res.status === 404 || res.status === 401) {
      await res.body?.cancel().catch(() => undefined);
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw hubStatusError(res.status, endpoint, `reading ${repoPath} of ${repoId}`);
    }
    const text = await res.text();
    if (Buffer.byteLength(text, 'utf8') > (options.maxBytes ?? MAX_HUB_TEXT_BYTES)) {
      throw new AppError(
        'HUB_REJECTED',
        `${repoPath} of ${repoId} on the Hub is larger than ${formatBytes(options.maxBytes ?? MAX_HUB_TEXT_BYTES)}; it is not compared or merged.`,
      );
    }
    return text;
  }

  /** Every file of the repository's `main` (empty when it does not exist); anonymous without a token. */
  async files(repo: RepoName, token: string | null): Promise<Map<string, RemoteEntry>> {
    return listRemote(repo, await this.endpoint(), token, this.fetch);
  }

  async #get(
    url: string,
    token: string | null,
    signal: AbortSignal | undefined,
    endpoint: string,
    what: string,
  ): Promise<Response> {
    try {
      return await this.fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal });
    } catch (err) {
      if (isCancelled(err, signal)) throw new AppError('CANCELLED', 'Cancelled.');
      throw hubErrorToAppError(err, endpoint, what);
    }
  }
}
