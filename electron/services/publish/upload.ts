/**
 * The upload itself: repo create-or-reuse, a listing of what the repo holds, then one commit per planned
 * group (`commit.ts`), with our fetch wrapper counting bytes and retrying. Commit sizes adapt as they go
 * (CommitPacer): a commit that took longer than TARGET_COMMIT_SECONDS makes the rest smaller.
 *
 * Commits carry `parentCommit`, so a commit retried after a lost answer cannot land twice: the Hub answers
 * 412, and we look at the repo to see whether our commit is the head.
 */
import { createRepo, listFiles } from '@huggingface/hub';
import type {
  AccountInfo,
  PublishOutcome,
  PlannedFile,
  PublishPlan,
  PublishedFile,
  TransferProgress,
} from '../../../shared/publish';
import { redactSecrets } from '../../../shared/redact';
import { AppError, isAbortError } from '../../../shared/result';
import type { JobItemProgress, JobProgress, PublishPhase } from '../../../shared/types';
import { hubErrorToAppError, requireWriteAccess, WRITE_TOKEN_HINT } from '../token';
import {
  applyRemote,
  CommitPacer,
  DEFAULT_COMMIT_LIMITS,
  groupCommits,
  sameContent,
  type CommitLimits,
  type LocalPlan,
  type RemoteEntry,
} from './plan';
import { parseRepoName, type RepoName } from '../../../shared/repo-name';
import { measuredRate, plural, remainingSeconds } from '../../../shared/units';
import {
  commitFiles,
  prepareCommit,
  sendLfsAhead,
  type CommitArgs,
  type CommitFile,
  type PreparedCommit,
} from './commit';
import { createHubFetch, type RetryPolicy } from './transport';
import type { XetChunkStore } from './xet/chunk-store';

export interface PublishInput {
  local: LocalPlan;
  /** `NAME` or `namespace/NAME`. */
  repo: string;
  endpoint: string;
  token: string;
  account: AccountInfo;
  private?: boolean;
  /** Delete remote files that are not in the plan (opt-in). */
  deleteRemote?: boolean;
  limits?: Partial<CommitLimits>;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  /** Human-readable lines, already redacted. */
  onLog?: (line: string) => void;
  /** For tests and embedding: the network below the retry layer. */
  fetch?: typeof fetch;
  /** Awaited once the repository exists, before anything is sent: a cancel is measured against that state. */
  onRepoReady?: (ready: { created: boolean }) => Promise<void> | void;
  /**
   * Offer the Xet transfer (default true): a Hub that offers it gets chunks, deduplicated against what it holds;
   * one that does not (a mirror without Xet) gets classic LFS whatever this says.
   */
  xet?: boolean;
  /** Chunks of files chunked before (the app's data folder): a Xet upload of such a file does not chunk it again. */
  xetChunks?: XetChunkStore;
  progressIntervalMs?: number;
}

export interface PublishResult {
  outcome: PublishOutcome;
  /** The plan after comparing with the repo (unchanged files marked). */
  plan: PublishPlan;
  repo: RepoName;
}

interface FileState {
  bytes: number;
  sent: number;
  /** Xet: bytes chunked so far (a deduplicated file is done without sending much). */
  processed: number;
  xet: boolean;
  state: JobItemProgress['state'];
}

/**
 * A commit whose regular files add up to more than this is not prepared ahead: its content would sit in
 * memory next to the commit being sent (each can carry up to maxRegularBytes).
 */
const PREPARE_AHEAD_MAX_REGULAR_BYTES = 16 * 1024 * 1024;

function regularBytes(group: string[], planned: Map<string, PlannedFile>): number {
  let n = 0;
  for (const path of group) {
    const f = planned.get(path);
    if (f && !f.lfs) n += f.bytes;
  }
  return n;
}

export function modelUrl(endpoint: string, repo: RepoName): string {
  return `${endpoint.replace(/\/+$/, '')}/${repo.namespace}/${repo.name}`;
}

/** Lists every file of the repo's main branch. An empty or missing repo is an empty map. */
export async function listRemote(
  repo: RepoName,
  endpoint: string,
  token: string | null,
  fetchImpl: typeof fetch,
): Promise<Map<string, RemoteEntry>> {
  const map = new Map<string, RemoteEntry>();
  try {
    for await (const e of listFiles({
      repo: { type: 'model', name: repo.id },
      recursive: true,
      hubUrl: endpoint,
      accessToken: token ?? undefined,
      fetch: fetchImpl,
    })) {
      if (e.type !== 'file') continue;
      map.set(e.path, {
        path: e.path,
        size: e.size,
        oid: e.oid ?? '',
        lfs: e.lfs ? { oid: e.lfs.oid, size: e.lfs.size } : null,
        ...(e.xetHash ? { xetHash: e.xetHash } : {}),
      });
    }
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return map;
    throw hubErrorToAppError(err, endpoint, `listing ${repo.id}`);
  }
  return map;
}

async function headCommit(
  repo: RepoName,
  endpoint: string,
  token: string,
  fetchImpl: typeof fetch,
): Promise<string | null> {
  const res = await fetchImpl(`${endpoint}/api/models/${repo.id}/revision/main`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (res.status === 404) return null;
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new AppError(
      'HUB_REJECTED',
      `The Hub answered ${res.status} when asked for the head of ${repo.id}.`,
    );
  }
  const json = (await res.json()) as { sha?: string };
  return json.sha ?? null;
}

/** Creates the repo, or reuses it when it exists (409); a namespace the user cannot write to is REPO_FORBIDDEN. */
async function ensureRepo(
  repo: RepoName,
  input: PublishInput,
  fetchImpl: typeof fetch,
): Promise<{ created: boolean }> {
  const { account, endpoint } = input;
  if (repo.namespace !== account.user && !account.orgs.includes(repo.namespace)) {
    throw new AppError(
      'REPO_FORBIDDEN',
      `You are signed in as ${account.user}, who cannot publish to "${repo.namespace}": it is another user or an ` +
        `organisation you are not a member of${account.orgs.length ? ` (your organisations: ${account.orgs.join(', ')})` : ''}. ` +
        `Use ${account.user}/${repo.name}, or ask an admin of ${repo.namespace} to add you.`,
    );
  }
  try {
    await createRepo({
      repo: { type: 'model', name: repo.id },
      accessToken: input.token,
      hubUrl: endpoint,
      visibility: input.private ? 'private' : 'public',
      fetch: fetchImpl,
    });
    return { created: true };
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 409) return { created: false };
    if (status === 403) {
      throw new AppError(
        'REPO_FORBIDDEN',
        `The Hub refused to create or write ${repo.id} with the token ${account.masked} (403). Check that the token ` +
          `has write access to "${repo.namespace}". ${WRITE_TOKEN_HINT}`,
      );
    }
    throw hubErrorToAppError(err, endpoint, `creating ${repo.id}`);
  }
}

export async function publish(input: PublishInput): Promise<PublishResult> {
  const { endpoint, token, signal } = input;
  requireWriteAccess(input.account);
  const repo = parseRepoName(input.repo, input.account.user);
  const log = (line: string) => input.onLog?.(redactSecrets(line));

  const files = new Map<string, FileState>();
  let phase: PublishPhase = 'repo';
  let sendTotal = 0;
  const samples: { t: number; done: number }[] = [];
  let bytesSent = 0;
  const transfer: TransferProgress = { processedBytes: 0, sentBytes: 0, alreadyOnHubBytes: 0 };
  let xetSummary: NonNullable<PublishOutcome['xet']> | undefined;

  // Progress is built at most once per interval, with a trailing update so the latest state always gets out;
  // `force` sends at once (phase changes, the end). The list of every file goes with it at most once per
  // interval for up to a thousand files and proportionally less often above: ten thousand entries every
  // 100 ms were ~0.3 CPU-s of a 10,000-file publish in building alone (and a megabyte to the window each
  // time). Byte counts and the rate keep their pace; without `items` the window keeps the last list.
  const interval = input.progressIntervalMs ?? 100;
  let lastBuilt = -Infinity;
  let itemsBuilt = -Infinity;
  let trailing: NodeJS.Timeout | null = null;
  let lastMessage: string | undefined;
  const emit = (message?: string, force = false, withAllItems = force) => {
    if (message !== undefined) lastMessage = message;
    const now = Date.now();
    if (!force && now - lastBuilt < interval) {
      trailing ??= setTimeout(
        () => {
          trailing = null;
          emit(undefined, true, false);
        },
        interval - (now - lastBuilt),
      );
      return;
    }
    if (trailing) {
      clearTimeout(trailing);
      trailing = null;
    }
    lastBuilt = now;
    const itemDone = (f: FileState) =>
      f.state === 'done'
        ? f.bytes
        : f.state === 'skipped'
          ? 0
          : Math.min(f.xet ? f.processed : f.sent, f.bytes);
    let done = 0;
    for (const f of files.values()) done += itemDone(f);
    samples.push({ t: now, done });
    while (samples.length > 2 && now - samples[0]!.t > 5000) samples.shift();
    const first = samples[0]!;
    // Over a sliding window of up to 5 s; no rate (and no ETA) until that window spans a second.
    const rate = measuredRate(done - first.done, (now - first.t) / 1000);
    const withItems = withAllItems || now - itemsBuilt >= interval * Math.max(1, files.size / 1000);
    if (withItems) itemsBuilt = now;
    input.onProgress?.({
      phase,
      done,
      total: sendTotal,
      unit: 'bytes',
      rate,
      eta: remainingSeconds(done, sendTotal, rate),
      message: lastMessage,
      transfer: { ...transfer },
      ...(withItems
        ? {
            items: [...files.entries()].map(([id, f]) => ({
              id,
              label: id,
              done: f.state === 'skipped' ? f.bytes : itemDone(f),
              total: f.bytes,
              state: f.state,
            })),
          }
        : {}),
    });
  };
  const stopProgress = () => {
    if (trailing) clearTimeout(trailing);
    trailing = null;
  };

  let pendingCommitFiles: string[] = [];
  const reusedOids = new Set<string>();
  const hubFetch = createHubFetch({
    fetch: input.fetch,
    retry: input.retry,
    onBodyProgress: (p) => {
      bytesSent += p.delta;
      if (p.path) {
        const f = files.get(p.path);
        if (f) {
          f.sent = Math.max(0, f.sent + p.delta);
          if (f.state === 'pending') f.state = 'running';
        }
        // Classic LFS: every byte of the file is read to be sent.
        transfer.processedBytes += p.delta;
        transfer.sentBytes += p.delta;
        emit();
      } else if (p.kind === 'commit') {
        // Regular files travel inside the commit body.
        for (const path of pendingCommitFiles) {
          const f = files.get(path);
          if (f && f.state !== 'done' && f.state !== 'skipped') f.state = 'running';
        }
        emit();
      }
    },
    onRetry: (e) =>
      log(`Retrying ${e.kind} in ${(e.waitMs / 1000).toFixed(1)} s (attempt ${e.attempt}): ${e.reason}`),
  });

  signal?.throwIfAborted();
  phase = 'repo';
  emit(`Preparing ${repo.id}`);
  const { created } = await ensureRepo(repo, input, hubFetch);
  await input.onRepoReady?.({ created });
  if (!created && input.private) log(`${repo.id} already exists; its visibility is left as it is.`);
  log(created ? `Created ${repo.id}` : `Reusing the existing repository ${repo.id}`);

  const remote = created ? new Map<string, RemoteEntry>() : await listRemote(repo, endpoint, token, hubFetch);
  const plan = applyRemote(input.local.plan, remote, {
    deleteRemote: input.deleteRemote,
    limits: input.limits,
  });

  for (const f of plan.files) {
    files.set(f.path, {
      bytes: f.bytes,
      sent: 0,
      processed: 0,
      xet: false,
      state: f.unchanged ? 'skipped' : 'pending',
    });
    if (!f.unchanged) sendTotal += f.bytes;
    else transfer.alreadyOnHubBytes += f.bytes;
  }
  const skipped = plan.files.filter((f) => f.unchanged).length;
  if (skipped) log(`${plural(skipped, 'file')} already on the Hub with the same content: not sent again.`);

  const commits: PublishOutcome['commits'] = [];
  const limits = { ...DEFAULT_COMMIT_LIMITS, ...input.limits };
  const planned = new Map(plan.files.map((f) => [f.path, f]));
  // The planned groups hold as long as commits are fast (the plan predicts that); a slow one regroups the rest.
  const queue = plan.commits.length > 0 ? [...plan.commits] : plan.deletions.length > 0 ? [[]] : [];
  const pacer = new CommitPacer(limits);
  const filesOf = (group: string[]): CommitFile[] =>
    group.map((path) => {
      const source = input.local.sources.get(path);
      const file = planned.get(path);
      if (!source || !file) throw new AppError('INTERNAL', `No source for ${path}.`);
      return { planned: file, source };
    });
  const lfsDone: NonNullable<CommitArgs['onLfsDone']> = (paths, r) => {
    for (const oid of r.alreadyThere) reusedOids.add(oid);
    for (const path of paths) {
      const f = files.get(path);
      const p = planned.get(path);
      if (p?.sha256 && r.alreadyThere.has(p.sha256)) {
        transfer.processedBytes += p.bytes;
        transfer.alreadyOnHubBytes += p.bytes;
      }
      const xetHash = p?.sha256 ? r.xet?.xetHashes.get(p.sha256) : undefined;
      if (p && xetHash) p.xetHash = xetHash;
      if (f) f.state = 'done';
    }
    if (r.xet) {
      xetSummary = {
        files: (xetSummary?.files ?? 0) + r.xet.xetHashes.size,
        xorbsSent: (xetSummary?.xorbsSent ?? 0) + r.xet.xorbsSent,
        xorbsAlreadyStored: (xetSummary?.xorbsAlreadyStored ?? 0) + r.xet.xorbsAlreadyStored,
      };
    }
    emit();
  };
  const xetProgress: NonNullable<CommitArgs['onXetProgress']> = (path, delta) => {
    const f = files.get(path);
    if (f) {
      f.xet = true;
      f.processed += delta.processedBytes;
      if (f.state === 'pending') f.state = 'running';
    }
    transfer.processedBytes += delta.processedBytes;
    transfer.sentBytes += delta.sentBytes;
    transfer.alreadyOnHubBytes += delta.dedupedBytes;
    emit();
  };
  // With more than one commit, the LFS files go in the last ones (groupCommits) and are all sent from the start,
  // in the background: the commits of regular files before theirs are made meanwhile.
  const lfsFiles = queue.length > 1 ? filesOf(queue.flat()).filter((f) => f.planned.lfs) : [];
  let sentAhead: CommitArgs['sentAhead'];
  // The next commit's preupload, made while this one is sent (the Hub is busy storing it meanwhile).
  let ahead: { group: string[]; prepared: Promise<PreparedCommit> } | null = null;
  phase = 'upload';
  emit();
  // Stops the objects sent ahead when a commit fails: nothing of this publish goes on after it returns.
  const aheadAbort = new AbortController();
  const stopAhead = () => aheadAbort.abort(signal?.reason);
  signal?.addEventListener('abort', stopAhead, { once: true });
  try {
    if (lfsFiles.length > 0) {
      sentAhead = sendLfsAhead({
        endpoint,
        repo,
        token,
        files: lfsFiles,
        fetch: hubFetch,
        signal: aheadAbort.signal,
        xet: input.xet,
        onXetProgress: xetProgress,
        xetChunks: input.xetChunks,
        onLfsDone: lfsDone,
      });
    }
    for (let i = 0; queue.length > 0; i++) {
      signal?.throwIfAborted();
      const group = queue.shift()!;
      const last = queue.length === 0;
      const commitFilesOf = filesOf(group);
      // A regrouped queue (after a slow commit) leaves the preupload made ahead unused.
      const prepared = ahead?.group === group ? ahead.prepared : undefined;
      ahead = null;
      const following = queue[0];
      if (following && regularBytes(following, planned) <= PREPARE_AHEAD_MAX_REGULAR_BYTES) {
        const next = prepareCommit({
          endpoint,
          repo,
          token,
          files: filesOf(following),
          fetch: hubFetch,
          signal,
        });
        // Awaited when its commit is sent; a failure meanwhile must not go unobserved.
        next.catch(() => undefined);
        ahead = { group: following, prepared: next };
      }
      const total = i + 1 + queue.length;
      const title = total > 1 ? `${plan.commitTitle} (part ${i + 1}/${total})` : plan.commitTitle;
      pendingCommitFiles = group;
      const started = Date.now();
      const result = await runCommit({
        repo,
        input,
        title,
        files: commitFilesOf,
        deletions: last ? plan.deletions : [],
        parent: () => headCommit(repo, endpoint, token, hubFetch),
        follows: commits.at(-1)?.oid,
        prepared,
        sentAhead,
        hubFetch,
        onPhase: (p) => {
          phase = p === 'committing' ? 'commit' : 'upload';
          emit(p === 'committing' ? 'Committing' : 'Uploading', true);
        },
        onLfsDone: lfsDone,
        onXetProgress: xetProgress,
        remoteCheck: async () => {
          const after = await listRemote(repo, endpoint, token, hubFetch);
          return group.every((p) => sameContent(planned.get(p)!, after.get(p)));
        },
      });
      for (const path of group) {
        const f = files.get(path);
        if (f && f.state !== 'done') {
          // Regular files went inside the commit body.
          transfer.processedBytes += f.bytes;
          transfer.sentBytes += f.bytes;
        }
        if (f) f.state = 'done';
      }
      commits.push({ oid: result.oid, url: result.url, title, files: group });
      log(`Committed ${plural(group.length, 'file')}: ${result.oid.slice(0, 10)}`);
      emit();
      const seconds = (Date.now() - started) / 1000;
      const predicted = pacer.target;
      pacer.record(seconds, group.length);
      if (pacer.target < predicted && queue.length > 0) {
        const rest = queue.flat().map((p) => planned.get(p)!);
        queue.splice(0, queue.length, ...groupCommits(rest, limits, pacer.target));
        log(`That commit took ${Math.round(seconds)} s: the next ones carry at most ${pacer.target} files.`);
      }
    }
    // Objects the Hub then took as regular files were committed without them; they are still waited for.
    await sentAhead?.done;
  } catch (err) {
    aheadAbort.abort();
    await sentAhead?.done.catch(() => undefined);
    for (const f of files.values()) if (f.state === 'running') f.state = 'failed';
    emit(undefined, true);
    stopProgress();
    if (isAbortError(err) || signal?.aborted)
      throw new AppError(
        'CANCELLED',
        'Publishing was cancelled. Nothing partial was committed; publish again to resume.',
      );
    throw uploadError(err, endpoint, repo);
  } finally {
    signal?.removeEventListener('abort', stopAhead);
  }
  emit(undefined, true);
  stopProgress();

  const head = commits.at(-1)?.oid ?? (await headCommit(repo, endpoint, token, hubFetch));
  const published: PublishedFile[] = plan.files.map((f) => ({
    path: f.path,
    bytes: f.bytes,
    lfs: f.lfs,
    sha256: f.sha256 ?? '',
    skipped: Boolean(f.unchanged),
  }));
  return {
    plan,
    repo,
    outcome: {
      repoId: repo.id,
      url: modelUrl(endpoint, repo),
      endpoint,
      private: Boolean(input.private),
      createdRepo: created,
      commits,
      commit: head,
      files: published,
      bytesSent: Math.max(0, bytesSent),
      lfsObjectsReused: reusedOids.size,
      transfer,
      ...(xetSummary ? { xet: xetSummary } : {}),
    },
  };
}

async function runCommit(args: {
  repo: RepoName;
  input: PublishInput;
  title: string;
  files: CommitFile[];
  deletions: string[];
  parent: () => Promise<string | null>;
  follows: string | undefined;
  prepared: Promise<PreparedCommit> | undefined;
  sentAhead: CommitArgs['sentAhead'];
  hubFetch: typeof fetch;
  onPhase: (phase: 'uploading' | 'committing') => void;
  onLfsDone: NonNullable<CommitArgs['onLfsDone']>;
  onXetProgress: NonNullable<CommitArgs['onXetProgress']>;
  remoteCheck: () => Promise<boolean>;
}): Promise<{ oid: string; url: string }> {
  const { input } = args;
  try {
    return await commitFiles({
      endpoint: input.endpoint,
      repo: args.repo,
      token: input.token,
      title: args.title,
      description: 'Published with Hub Publisher.',
      parent: args.parent,
      follows: args.follows,
      prepared: args.prepared,
      sentAhead: args.sentAhead,
      files: args.files,
      deletions: args.deletions,
      fetch: args.hubFetch,
      signal: input.signal,
      onPhase: args.onPhase,
      onLfsDone: args.onLfsDone,
      xet: input.xet,
      onXetProgress: args.onXetProgress,
      xetChunks: input.xetChunks,
    });
  } catch (err) {
    // 412 after a retried commit: the first attempt may have landed. If the repo now has exactly our
    // files, it did, and committing again would make a second commit.
    if ((err as { statusCode?: number }).statusCode === 412 && (await args.remoteCheck())) {
      const head = await headCommit(args.repo, input.endpoint, input.token, args.hubFetch);
      if (head) return { oid: head, url: `${modelUrl(input.endpoint, args.repo)}/commit/${head}` };
    }
    throw err;
  }
}

function uploadError(err: unknown, endpoint: string, repo: RepoName): AppError {
  if (err instanceof AppError) return err;
  const status = (err as { statusCode?: number }).statusCode;
  const message = redactSecrets(err instanceof Error ? err.message : String(err));
  if (status === 403) {
    return new AppError(
      'REPO_FORBIDDEN',
      `The Hub refused the upload to ${repo.id} (403): ${message}. ${WRITE_TOKEN_HINT}`,
    );
  }
  if (status === 412) {
    return new AppError(
      'HUB_REJECTED',
      `Someone else committed to ${repo.id} while publishing (412). Nothing of this commit was applied; publish again.`,
    );
  }
  if (status === 400 || status === 413 || status === 422) {
    return new AppError(
      'HUB_REJECTED',
      `The Hub refused a file (${status}): ${message}. Exclude the file or fix it, then publish again.`,
    );
  }
  if (status === 429) {
    return new AppError(
      'RATE_LIMITED',
      `The Hub kept rate limiting the upload: ${message}. Wait a few minutes, then publish again; files already sent are not sent twice.`,
    );
  }
  if (typeof status === 'number' && status >= 500) {
    return new AppError(
      'NETWORK',
      `The Hub kept failing (${status}) after several retries: ${message}. Publish again later; files already sent are not sent twice.`,
    );
  }
  return hubErrorToAppError(err, endpoint, `uploading to ${repo.id}`);
}
