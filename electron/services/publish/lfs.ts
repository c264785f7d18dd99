/**
 * Sends large objects whose SHA-256 we already know (from the plan), with the protocol the Hub clients
 * use: the LFS batch, then Xet (`xet/upload.ts`) when the Hub answers `transfer: "xet"` to our offer, or else a
 * basic PUT or HF multipart parts + completion. Objects the Hub already holds (no `actions`) are not sent
 * again, which is what makes a resumed publish send only what is missing.
 */
import { HubApiError } from '@huggingface/hub';
import type { RepoName } from '../../../shared/repo-name';
import type { FileIdentity } from '../hash';
import { FileSliceBlob } from './transport';
import type { XetChunkStore } from './xet/chunk-store';
import { uploadThroughXet, type XetCounts, type XetObject, type XetUploadResult } from './xet/upload';

export interface LfsObject {
  path: string;
  oid: string;
  size: number;
  /** Where the bytes are: a file on disk, or (for content kept in memory) a Blob. */
  absPath?: string;
  content?: Blob;
  /** The file as it was when `oid` was computed (see `FileSource`). */
  hashedAs?: FileIdentity;
}

interface BatchObject {
  oid: string;
  size: number;
  error?: { code: number; message: string };
  actions?: { upload?: { href: string; header?: Record<string, string> } };
}

const BATCH_SIZE = 100;

export async function apiError(res: Response, what: string): Promise<HubApiError> {
  let message = `${what}: HTTP ${res.status}`;
  try {
    const text = await res.text();
    const json = JSON.parse(text) as { error?: string; message?: string };
    message = `${what}: ${json.error ?? json.message ?? text}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return new HubApiError(res.url, res.status, res.headers.get('X-Request-Id') ?? undefined, message);
}

/** Runs tasks with at most `limit` at once; the first failure stops new ones and is thrown. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number, signal?: AbortSignal): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  let failed: unknown = null;
  const runners = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (failed === null && next < tasks.length) {
      signal?.throwIfAborted();
      const i = next++;
      try {
        results[i] = await tasks[i]!();
      } catch (err) {
        failed ??= err;
      }
    }
  });
  await Promise.all(runners);
  if (failed !== null) throw failed;
  return results;
}

/**
 * Uploads the objects the Hub does not have yet. Returns the oids that were already there. Each request
 * carries a `progressHint` naming the file, so the fetch wrapper counts its bytes.
 */
export async function uploadLfsObjects(args: {
  endpoint: string;
  repo: RepoName;
  token: string;
  objects: LfsObject[];
  fetch: typeof fetch;
  signal?: AbortSignal;
  /** Parts or files in flight at once. */
  concurrency?: number;
  /** Offer the Xet transfer (the Hub decides; one without Xet answers basic/multipart). Default true. */
  xet?: boolean;
  /** Xet only: bytes chunked, sent as new chunks, found on the Hub, per file. */
  onXetProgress?: (path: string, delta: XetCounts) => void;
  /** Xet only: chunks of files chunked before (see chunk-store.ts). */
  xetChunks?: XetChunkStore;
}): Promise<{ alreadyThere: Set<string>; uploaded: Set<string>; xet: XetUploadResult | null }> {
  const { endpoint, repo, token, signal } = args;
  const alreadyThere = new Set<string>();
  const uploaded = new Set<string>();
  const byOid = new Map(args.objects.map((o) => [o.oid, o]));
  let xet: XetUploadResult | null = null;
  const offerXet = args.xet !== false;
  const tasks: (() => Promise<void>)[] = [];
  const completions = new Map<
    string,
    { href: string; parts: { partNumber: number; etag: string }[]; left: number }
  >();

  for (let i = 0; i < args.objects.length; i += BATCH_SIZE) {
    const batch = args.objects.slice(i, i + BATCH_SIZE);
    const res = await args.fetch(`${endpoint}/${repo.id}.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/vnd.git-lfs+json',
        'Content-Type': 'application/vnd.git-lfs+json',
      },
      body: JSON.stringify({
        operation: 'upload',
        transfers: offerXet ? ['basic', 'multipart', 'xet'] : ['basic', 'multipart'],
        hash_algo: 'sha_256',
        ref: { name: 'main' },
        objects: batch.map((o) => ({ oid: o.oid, size: o.size })),
      }),
      signal,
    });
    if (!res.ok) throw await apiError(res, 'LFS batch');
    const requestId = res.headers.get('X-Request-Id') ?? undefined;
    const json = (await res.json()) as { transfer?: string; objects: BatchObject[] };
    if (json.transfer === 'xet' && offerXet) {
      const answer = { url: res.url, requestId };
      const sent = await uploadBatchThroughXet(json.objects, answer, byOid, alreadyThere, uploaded, args);
      if (sent) xet = xet ? mergeXet(xet, sent) : sent;
      continue;
    }
    if (json.transfer && json.transfer !== 'basic' && json.transfer !== 'multipart') {
      throw new Error(
        `The Hub asked for the "${json.transfer}" transfer, which was not offered. Check the Hub endpoint.`,
      );
    }
    for (const obj of json.objects) {
      const o = byOid.get(obj.oid);
      if (!o) throw new Error('The Hub answered for an object that was not asked for.');
      if (obj.error)
        throw new HubApiError(res.url, obj.error.code, requestId, `${o.path}: ${obj.error.message}`);
      const upload = obj.actions?.upload;
      if (!upload) {
        alreadyThere.add(o.oid);
        continue;
      }
      const blob = o.content ?? new FileSliceBlob(o.absPath!, 0, o.size);
      const chunkSize = upload.header?.chunk_size ? Number.parseInt(upload.header.chunk_size, 10) : 0;
      if (!chunkSize) {
        tasks.push(async () => {
          const put = await args.fetch(upload.href, {
            method: 'PUT',
            headers: requestId ? { 'X-Request-Id': requestId } : {},
            body: blob,
            signal,
            progressHint: { path: o.path },
          } as RequestInit);
          if (!put.ok) throw await apiError(put, `Uploading ${o.path}`);
          await put.body?.cancel().catch(() => undefined);
          uploaded.add(o.oid);
        });
        continue;
      }
      const partKeys = Object.keys(upload.header ?? {})
        .filter((k) => /^\d+$/.test(k))
        .sort((a, b) => Number(a) - Number(b));
      if (partKeys.length !== Math.ceil(o.size / chunkSize)) {
        throw new Error(
          `The Hub offered ${partKeys.length} parts for ${o.path}; expected ${Math.ceil(o.size / chunkSize)}.`,
        );
      }
      const done = {
        href: upload.href,
        parts: [] as { partNumber: number; etag: string }[],
        left: partKeys.length,
      };
      completions.set(o.oid, done);
      for (const key of partKeys) {
        const n = Number(key);
        tasks.push(async () => {
          const put = await args.fetch(upload.header![key]!, {
            method: 'PUT',
            body: blob.slice((n - 1) * chunkSize, n * chunkSize),
            signal,
            progressHint: { path: o.path, part: n - 1 },
          } as RequestInit);
          if (!put.ok) throw await apiError(put, `Uploading part ${n} of ${o.path}`);
          const etag = put.headers.get('ETag');
          await put.body?.cancel().catch(() => undefined);
          if (!etag) throw new Error(`No ETag for part ${n} of ${o.path}.`);
          done.parts.push({ partNumber: n, etag });
          if (--done.left > 0) return;
          done.parts.sort((a, b) => a.partNumber - b.partNumber);
          const complete = await args.fetch(done.href, {
            method: 'POST',
            headers: {
              Accept: 'application/vnd.git-lfs+json',
              'Content-Type': 'application/vnd.git-lfs+json',
            },
            body: JSON.stringify({ oid: o.oid, parts: done.parts }),
            signal,
          });
          if (!complete.ok) throw await apiError(complete, `Completing ${o.path}`);
          await complete.body?.cancel().catch(() => undefined);
          uploaded.add(o.oid);
        });
      }
    }
  }
  await pool(tasks, args.concurrency ?? 8, signal);
  return { alreadyThere, uploaded, xet };
}

function mergeXet(a: XetUploadResult, b: XetUploadResult): XetUploadResult {
  return {
    xetHashes: new Map([...a.xetHashes, ...b.xetHashes]),
    sha256Bytes: a.sha256Bytes + b.sha256Bytes,
    storedChunkListBytes: a.storedChunkListBytes + b.storedChunkListBytes,
    processedBytes: a.processedBytes + b.processedBytes,
    sentBytes: a.sentBytes + b.sentBytes,
    dedupedBytes: a.dedupedBytes + b.dedupedBytes,
    xorbsSent: a.xorbsSent + b.xorbsSent,
    xorbsAlreadyStored: a.xorbsAlreadyStored + b.xorbsAlreadyStored,
  };
}

/**
 * One batch answered with `transfer: "xet"`: the objects to send carry the CAS URL and a write token in their
 * upload action's headers, and `href` is where a fresh token comes from (hub-protocol §4.8, as
 * `@huggingface/hub` reads them).
 */
async function uploadBatchThroughXet(
  answered: BatchObject[],
  answer: { url: string; requestId: string | undefined },
  byOid: Map<string, LfsObject>,
  alreadyThere: Set<string>,
  uploaded: Set<string>,
  args: Parameters<typeof uploadLfsObjects>[0],
): Promise<XetUploadResult | null> {
  const objects: XetObject[] = [];
  let action: { href: string; header?: Record<string, string> } | undefined;
  for (const obj of answered) {
    const o = byOid.get(obj.oid);
    if (!o) throw new Error('The Hub answered for an object that was not asked for.');
    if (obj.error)
      throw new HubApiError(answer.url, obj.error.code, answer.requestId, `${o.path}: ${obj.error.message}`);
    if (!obj.actions?.upload) {
      alreadyThere.add(o.oid);
      continue;
    }
    action ??= obj.actions.upload;
    objects.push({
      path: o.path,
      sha256: o.oid,
      size: o.size,
      ...(o.absPath
        ? { absPath: o.absPath, ...(o.hashedAs ? { hashedAs: o.hashedAs } : {}) }
        : { content: new Uint8Array(await o.content!.arrayBuffer()) }),
    });
  }
  if (objects.length === 0 || !action) return null;
  const header = new Map(Object.entries(action.header ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const casUrl = header.get('x-xet-cas-url');
  const accessToken = header.get('x-xet-access-token');
  const expiration = Number(header.get('x-xet-token-expiration'));
  if (!casUrl || !accessToken || !Number.isFinite(expiration))
    throw new Error('The Hub chose the Xet transfer but sent no CAS address or token.');
  const sessionId = header.get('x-xet-session-id');
  const result = await uploadThroughXet({
    objects,
    access: {
      casUrl: casUrl.replace(/\/+$/, ''),
      accessToken,
      expiresAt: expiration * 1000,
      refreshUrl: action.href,
      ...(sessionId ? { sessionId } : {}),
    },
    hubToken: args.token,
    fetch: args.fetch,
    signal: args.signal,
    onProgress: args.onXetProgress,
    chunkStore: args.xetChunks,
  });
  for (const o of objects) uploaded.add(o.sha256);
  return result;
}
