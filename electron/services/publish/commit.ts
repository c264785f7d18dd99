/**
 * One commit of planned files, spoken directly in the Hub's upload protocol (e2e/local-hub/README.md): preupload
 * (which files go through LFS), the LFS objects the Hub does not have (`lfs.ts`), then the NDJSON commit.
 *
 * Why not `@huggingface/hub`'s `commitIter`: it hashes every LFS file again before it asks the Hub what
 * to send (there is no way to hand it a known digest), which doubled the CPU per byte of a publish, and it
 * holds each commit to 100-file preupload rounds. Every digest here comes from the plan (the Hasher), so
 * the bytes are read once to be sent, and what is committed is exactly what was checked: the Hub verifies
 * each LFS object's SHA-256 when it arrives, and regular files are checked against their planned digest as
 * they are read into the commit.
 */
import { HubApiError } from '@huggingface/hub';
import { open } from 'node:fs/promises';
import type { PlannedFile } from '../../../shared/publish';
import type { RepoName } from '../../../shared/repo-name';
import { AppError } from '../../../shared/result';
import { gitBlobOid, sha256Hex } from '../hash';
import { apiError, uploadLfsObjects, type LfsObject } from './lfs';
import type { XetChunkStore } from './xet/chunk-store';
import type { XetCounts, XetUploadResult } from './xet/upload';
import type { FileSource } from './plan';

/** Files per preupload request: huggingface_hub's PREUPLOAD_BATCH_SIZE (a server-side limit). */
const PREUPLOAD_BATCH = 256;
/**
 * Preupload requests of one commit in flight at once: a commit of 1,000 files is four of them, which need
 * not wait for each other (the Hub counts requests against its rate limit, not their overlap).
 */
const PREUPLOAD_CONCURRENCY = 2;
/** Bytes of each file the Hub looks at to decide LFS (a NUL byte in them means binary). */
const SAMPLE_BYTES = 512;
/** Small files read at once: thousands of them are mostly waiting on open/read/close round trips. */
const READ_CONCURRENCY = 16;

export interface CommitFile {
  planned: PlannedFile;
  source: FileSource;
}

export interface CommitArgs {
  endpoint: string;
  repo: RepoName;
  token: string;
  title: string;
  description: string;
  /**
   * The head the commit builds on; a commit landed meanwhile makes the Hub answer 412. The Hub's preupload
   * answer names the head (`commitOid`), so this is asked only when it does not (or nothing is preuploaded).
   */
  parent: () => Promise<string | null>;
  /**
   * The commit this one follows, made by the same publish: its parent, whatever a preupload made while that
   * commit was still on its way answered (someone else's commit in between makes the Hub answer 412).
   */
  follows?: string;
  /** This commit's preupload, made ahead (prepareCommit with the same files) while the one before it was sent. */
  prepared?: Promise<PreparedCommit>;
  files: CommitFile[];
  deletions: string[];
  /** The Hub fetch (retries, byte counting). */
  fetch: typeof fetch;
  signal?: AbortSignal;
  onPhase?: (phase: 'uploading' | 'committing') => void;
  /** LFS objects of this commit, once each is on the Hub (sent now or already there). */
  onLfsDone?: (
    paths: string[],
    result: { uploaded: Set<string>; alreadyThere: Set<string>; xet: XetUploadResult | null },
  ) => void;
  /** Offer Xet in the LFS batch (default true); the Hub picks the transfer. */
  xet?: boolean;
  onXetProgress?: (path: string, delta: XetCounts) => void;
  /** Chunks of files chunked before, so a Xet upload need not chunk them again. */
  xetChunks?: XetChunkStore;
  /** LFS objects the publish sends ahead of their commits (`sendLfsAhead`): this commit waits for them. */
  sentAhead?: LfsAhead;
}

/** LFS objects on their way ahead of their commits (by SHA-256), and when they are all on the Hub. */
export interface LfsAhead {
  oids: Set<string>;
  done: Promise<void>;
}

type LfsSendArgs = Pick<
  CommitArgs,
  'endpoint' | 'repo' | 'token' | 'fetch' | 'signal' | 'xet' | 'onXetProgress' | 'xetChunks' | 'onLfsDone'
>;

/** Sends the objects the Hub does not hold yet, then tells `onLfsDone`. */
async function sendLfs(args: LfsSendArgs, objects: LfsObject[]): Promise<void> {
  const result = await uploadLfsObjects({
    endpoint: args.endpoint,
    repo: args.repo,
    token: args.token,
    objects,
    fetch: args.fetch,
    signal: args.signal,
    xet: args.xet,
    onXetProgress: args.onXetProgress,
    xetChunks: args.xetChunks,
  });
  args.onLfsDone?.(
    objects.map((o) => o.path),
    result,
  );
}

/** The LFS objects of planned files (their SHA-256 is the plan's). */
function lfsObjectsOf(files: CommitFile[]): LfsObject[] {
  return files.map(({ planned, source }) => {
    if (!planned.sha256) throw new AppError('INTERNAL', `${planned.path} was never hashed.`);
    return {
      path: planned.path,
      oid: planned.sha256,
      size: planned.bytes,
      ...(source.kind === 'file'
        ? { absPath: source.absPath, ...(source.hashedAs ? { hashedAs: source.hashedAs } : {}) }
        : { content: new Blob([Buffer.from(source.bytes)]) }),
    };
  });
}

/**
 * Starts sending the LFS objects of `files` now, in the background, for commits that come later: the commits
 * before theirs (regular files, which travel inside the commit) are made meanwhile. `onLfsDone` is told when
 * they are on the Hub; a commit holding any of them waits for that (`CommitArgs.sentAhead`).
 */
export function sendLfsAhead(args: LfsSendArgs & Pick<CommitArgs, 'files'>): LfsAhead {
  const objects = lfsObjectsOf(args.files);
  const done = sendLfs(args, objects);
  // Awaited by the commit that needs it; a failure before then must not go unobserved.
  done.catch(() => undefined);
  return { oids: new Set(objects.map((o) => o.oid)), done };
}

async function readRange(absPath: string, length: number): Promise<Buffer> {
  const fh = await open(absPath, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    let off = 0;
    while (off < length) {
      const { bytesRead } = await fh.read(buf, off, length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === length ? buf : buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

function changedOnDisk(path: string): AppError {
  return new AppError(
    'UNREADABLE',
    `${path} changed on disk while publishing (its content is not what was checked). Nothing was committed; publish again.`,
  );
}

/** The whole content of a file the Hub keeps as a regular (git) file, checked against the plan. */
async function regularContent(file: CommitFile): Promise<Buffer> {
  const { planned, source } = file;
  // The plan hashed and scanned these very bytes (the card, or a small file read once): nothing to re-check.
  if (source.kind === 'memory')
    return Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
  const bytes = await readRange(source.absPath, planned.bytes + 1);
  if (bytes.length !== planned.bytes) throw changedOnDisk(planned.path);
  const same = planned.gitOid
    ? gitBlobOid(bytes) === planned.gitOid
    : planned.sha256 !== null && sha256Hex(bytes) === planned.sha256;
  if (!same) throw changedOnDisk(planned.path);
  return bytes;
}

/** Runs `task` over `items`, at most `limit` at once, keeping order. */
async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i]!);
      }
    }),
  );
  return out;
}

/** What a commit needs from the Hub before it is sent: which files go through LFS, and their content. */
export interface PreparedCommit {
  lfs: Set<string>;
  /** The head the Hub answered the first preupload against (`commitOid`), when it said. */
  head: string | null;
  /** Regular content of this commit, read once; bounded by the plan's regular-bytes budget per commit. */
  contents: Map<string, Buffer>;
}

/**
 * Asks the Hub which files go through LFS (preupload), PREUPLOAD_CONCURRENCY batches at once. Files the
 * plan expects to be regular are read whole (and checked) here, once: their sample comes from those bytes,
 * and the commit carries them. Sends nothing that changes the repo, so it can run while the commit before
 * it is still being sent.
 */
export async function prepareCommit(
  args: Pick<CommitArgs, 'endpoint' | 'repo' | 'token' | 'files' | 'fetch' | 'signal'>,
): Promise<PreparedCommit> {
  const lfs = new Set<string>();
  const contents = new Map<string, Buffer>();
  let head: string | null = null;
  const url = `${args.endpoint}/api/models/${args.repo.id}/preupload/main`;
  const batches: CommitFile[][] = [];
  for (let i = 0; i < args.files.length; i += PREUPLOAD_BATCH)
    batches.push(args.files.slice(i, i + PREUPLOAD_BATCH));
  await mapLimit(
    batches.map((batch, index) => ({ batch, index })),
    PREUPLOAD_CONCURRENCY,
    async ({ batch, index }) => {
      const entries = await mapLimit(batch, READ_CONCURRENCY, async (file) => {
        const { planned, source } = file;
        let sample: Buffer;
        if (!planned.lfs) {
          const bytes = await regularContent(file);
          contents.set(planned.path, bytes);
          sample = bytes.subarray(0, SAMPLE_BYTES);
        } else {
          sample =
            source.kind === 'memory'
              ? Buffer.from(source.bytes.subarray(0, SAMPLE_BYTES))
              : await readRange(source.absPath, Math.min(SAMPLE_BYTES, planned.bytes));
        }
        return { path: planned.path, size: planned.bytes, sample: sample.toString('base64') };
      });
      const res = await args.fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${args.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ files: entries }),
        signal: args.signal,
      });
      if (!res.ok) throw await apiError(res, 'Preupload');
      const json = (await res.json()) as {
        files?: { path: string; uploadMode?: string }[];
        commitOid?: unknown;
      };
      for (const f of json.files ?? []) if (f.uploadMode === 'lfs') lfs.add(f.path);
      // The head the first batch was answered against: what this commit builds on (a later one is the same
      // unless someone committed meanwhile, and then the commit is refused with 412 either way).
      if (index === 0 && typeof json.commitOid === 'string' && /^[0-9a-f]{40}$/.test(json.commitOid))
        head = json.commitOid;
    },
  );
  return { lfs, head, contents };
}

/** Sends one commit and resolves to its id and URL. Errors carry the Hub's status (`statusCode`). */
export async function commitFiles(args: CommitArgs): Promise<{ oid: string; url: string }> {
  const { signal } = args;
  args.onPhase?.('uploading');
  const prepared: PreparedCommit =
    args.files.length === 0
      ? { lfs: new Set(), head: null, contents: new Map() }
      : await (args.prepared ?? prepareCommit(args));
  const { contents } = prepared;
  const lfsPaths = prepared.lfs;

  const lfsObjects = lfsObjectsOf(args.files.filter((f) => lfsPaths.has(f.planned.path)));
  const ahead = args.sentAhead;
  const objects = ahead ? lfsObjects.filter((o) => !ahead.oids.has(o.oid)) : lfsObjects;
  if (objects.length < lfsObjects.length) await ahead!.done;
  if (objects.length > 0) await sendLfs(args, objects);

  signal?.throwIfAborted();
  args.onPhase?.('committing');
  const header: Record<string, string> = { summary: args.title, description: args.description };
  const parent = args.follows ?? prepared.head ?? (await args.parent());
  if (parent) header.parentCommit = parent;
  const lines = [JSON.stringify({ key: 'header', value: header })];
  // The Hub may keep as regular a file the plan expected in LFS: read those now.
  const unread = args.files.filter((f) => !lfsPaths.has(f.planned.path) && !contents.has(f.planned.path));
  await mapLimit(unread, READ_CONCURRENCY, async (f) =>
    contents.set(f.planned.path, await regularContent(f)),
  );
  for (const file of args.files) {
    const { planned } = file;
    if (lfsPaths.has(planned.path)) {
      lines.push(
        JSON.stringify({
          key: 'lfsFile',
          value: { path: planned.path, algo: 'sha256', size: planned.bytes, oid: planned.sha256 },
        }),
      );
    } else {
      const content = contents.get(planned.path)!.toString('base64');
      lines.push(JSON.stringify({ key: 'file', value: { path: planned.path, content, encoding: 'base64' } }));
    }
  }
  for (const path of args.deletions) lines.push(JSON.stringify({ key: 'deletedFile', value: { path } }));

  const res = await args.fetch(`${args.endpoint}/api/models/${args.repo.id}/commit/main`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${args.token}`, 'Content-Type': 'application/x-ndjson' },
    body: lines.join('\n'),
    signal,
  });
  if (!res.ok) throw await apiError(res, 'Commit');
  const json = (await res.json()) as { commitOid?: string; commitUrl?: string };
  if (!json.commitOid) {
    throw new HubApiError(
      res.url,
      res.status,
      res.headers.get('X-Request-Id') ?? undefined,
      'The Hub answered a commit without its id.',
    );
  }
  return { oid: json.commitOid, url: json.commitUrl ?? '' };
}
