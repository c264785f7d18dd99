/**
 * What sits between the uploads (ours in commit.ts/lfs.ts, and `@huggingface/hub`'s calls) and the network.
 *
 * - `FileSliceBlob`: a lazy Blob over a byte range of a file. Multipart parts are slices of it, read as a
 *   stream; nothing holds a whole file in memory. Reads are large (the client's own FileBlob reads 64 KiB
 *   at a time).
 * - `createHubFetch`: the `fetch` every Hub request goes through. `@huggingface/hub` never retries and
 *   counts upload bytes only through XMLHttpRequest, so this wrapper does both: it counts request-body
 *   bytes per file as they are pulled by the socket, and retries 5xx, 408 and network failures with backoff
 *   and 429s as long as `Retry-After`/`RateLimit` say. Bodies are replayable because they are Blobs (file
 *   slices) or strings, so each attempt gets a fresh stream of the same bytes.
 * - `sendFileSlice`: how a file body (an LFS PUT or part) is sent when the requests go through Node's own
 *   fetch (the CLI): with undici's dispatcher API on the same dispatcher that fetch uses (so the same proxy
 *   settings), reading the file into a few recycled 1 MiB blocks that go straight to the socket. Through
 *   fetch, a file body is a web ReadableStream that undici's fetch pulls and re-wraps block by block: the
 *   client spent 2.1 CPU-seconds per GiB of LFS parts that way and 1.4-1.5 this way (bench/local-hub-upload.ts,
 *   loaded 2-core machine), and on a loopback publish the client's CPU is taken from the local Hub. Any other fetch (the
 *   app's Electron `net.fetch`, with the system proxy and certificates; a fetch given for embedding) gets the
 *   file as a FileSliceBlob, as before. Either way the retries, the byte counting and abort are this wrapper's.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { redactSecrets } from '../../../shared/redact';

/** Whole files are read in large blocks: the client hashes them again through `stream()`. */
const FILE_READ_CHUNK = 1024 * 1024;
/**
 * Slices are multipart parts, up to 25 in flight (5 files x 5 parts): smaller blocks keep the memory of all
 * those streams well under the RSS budget while still being large enough for the socket.
 */
const SLICE_READ_CHUNK = 256 * 1024;
/** Blocks recycled per stream; see `stream()`. */
const RING_DEPTH = 6;

export class FileSliceBlob extends Blob {
  readonly filePath: string;
  readonly start: number;
  readonly end: number;
  readonly readChunk: number;

  constructor(filePath: string, start: number, end: number, readChunk = FILE_READ_CHUNK) {
    super([]);
    this.filePath = filePath;
    this.start = start;
    this.end = end;
    this.readChunk = readChunk;
  }

  // @ts-expect-error Node's types declare Blob's size and type as properties; at runtime they are accessors.
  override get size(): number {
    return this.end - this.start;
  }

  // @ts-expect-error Node's types declare Blob's size and type as properties; at runtime they are accessors.
  override get type(): string {
    return '';
  }

  override slice(start = 0, end = this.size): FileSliceBlob {
    const clamp = (n: number) => Math.max(0, Math.min(this.size, n < 0 ? this.size + n : n));
    const s = clamp(start);
    const e = Math.max(s, clamp(end));
    return new FileSliceBlob(this.filePath, this.start + s, this.start + e, SLICE_READ_CHUNK);
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const fh = await open(this.filePath, 'r');
    try {
      const buf = Buffer.allocUnsafe(this.size);
      let off = 0;
      while (off < buf.length) {
        const { bytesRead } = await fh.read(buf, off, buf.length - off, this.start + off);
        if (bytesRead === 0)
          throw new Error(`${this.filePath} is shorter than expected (it changed while publishing).`);
        off += bytesRead;
      }
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
    } finally {
      await fh.close();
    }
  }

  override async text(): Promise<string> {
    return Buffer.from(await this.arrayBuffer()).toString('utf8');
  }

  override stream(): ReadableStream<Uint8Array> {
    const { filePath, start, end, readChunk } = this;
    let pos = start;
    let fh: Awaited<ReturnType<typeof open>> | null = null;
    const ring: Buffer[] = [];
    let turn = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          fh ??= await open(filePath, 'r');
          if (pos >= end) {
            await fh.close();
            fh = null;
            controller.close();
            return;
          }
          const want = Math.min(readChunk, end - pos);
          // Blocks are recycled: a fresh buffer per block turns into hundreds of MB of garbage that V8
          // collects late (it is external memory). Reuse is safe because a block is only handed out
          // again RING_DEPTH pulls later, and both consumers (undici, which waits for the socket to drain
          // before pulling again, and the client's hashing, which digests each block synchronously and
          // buffers at most two more) are done with a block long before that. Consumers must not keep
          // blocks: copy them if needed.
          const slot =
            ring.length < RING_DEPTH
              ? ring[ring.push(Buffer.allocUnsafe(readChunk)) - 1]!
              : ring[turn % RING_DEPTH]!;
          turn++;
          const buf = slot.subarray(0, want);
          const { bytesRead } = await fh.read(buf, 0, want, pos);
          if (bytesRead === 0)
            throw new Error(`${filePath} is shorter than expected (it changed while publishing).`);
          pos += bytesRead;
          controller.enqueue(bytesRead === want ? buf : buf.subarray(0, bytesRead));
        } catch (err) {
          await fh?.close().catch(() => undefined);
          fh = null;
          controller.error(err);
        }
      },
      async cancel() {
        await fh?.close().catch(() => undefined);
        fh = null;
      },
    }) as ReadableStream<Uint8Array>;
  }
}

/** Counts bytes as the socket pulls them; one instance per attempt so a retry starts from zero. */
class CountingBlob extends Blob {
  constructor(
    private readonly inner: Blob,
    private readonly onBytes: (n: number) => void,
  ) {
    super([]);
  }
  // @ts-expect-error Node's types declare Blob's size and type as properties; at runtime they are accessors.
  override get size(): number {
    return this.inner.size;
  }
  // @ts-expect-error Node's types declare Blob's size and type as properties; at runtime they are accessors.
  override get type(): string {
    return this.inner.type;
  }
  override stream(): ReadableStream<Uint8Array> {
    const reader = (this.inner.stream() as ReadableStream<Uint8Array>).getReader();
    const onBytes = this.onBytes;
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            return;
          }
          onBytes(value.byteLength);
          controller.enqueue(value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
        // Pull only when the socket asks: the inner stream already reads one block ahead.
      },
      { highWaterMark: 0 },
    ) as ReadableStream<Uint8Array>;
  }
}

/** Read size and blocks per request of `sendFileSlice`; see there. */
const SEND_BLOCK = 1024 * 1024;
const SEND_BLOCKS = 3;

/**
 * PUTs or POSTs the bytes of `blob` (a file range) with undici's `request` on the global dispatcher (the one
 * Node's fetch uses, and the CLI's proxy agent when HTTPS_PROXY is set), and answers a `Response` like fetch's.
 * The file is read in SEND_BLOCK reads, each one ahead of the socket; `onBytes` is told as undici takes each
 * block for the socket. Blocks are recycled: undici writes one block and waits for the socket to drain (the
 * block is then in the kernel) before it asks for the next, so with one block read ahead the third one is
 * always free again.
 */
export async function sendFileSlice(
  url: string,
  init: { method: string; headers?: RequestInit['headers']; signal?: AbortSignal | null },
  blob: FileSliceBlob,
  onBytes: (n: number) => void,
): Promise<Response> {
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => {
    headers[key] = value;
  });
  headers['content-length'] = String(blob.size);
  const res = await request(url, {
    method: init.method as Dispatcher.HttpMethod,
    headers,
    // undici takes an async iterable body (docs/api/Dispatcher.md, `body`); its types list only Readable. An
    // empty one must not be an iterator (undici refuses those on a connection that is still busy).
    body: blob.size === 0 ? '' : (fileBlocks(blob, onBytes) as unknown as Readable),
    signal: init.signal ?? undefined,
  });
  // Upload answers are small (an ETag, an error message): read whole, so the caller gets a plain Response.
  const body = await res.body.arrayBuffer();
  const answer = new Headers();
  for (const [key, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) answer.append(key, v);
    else if (value !== undefined) answer.set(key, value);
  }
  const response = new Response(res.statusCode === 204 || res.statusCode === 304 ? null : body, {
    status: res.statusCode,
    headers: answer,
  });
  // fetch's Response knows its URL (error messages name it); a constructed one does not.
  Object.defineProperty(response, 'url', { value: url });
  return response;
}

async function* fileBlocks(blob: FileSliceBlob, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  const { filePath, start, end } = blob;
  if (start >= end) return;
  const fh = await open(filePath, 'r');
  try {
    const blocks = Array.from({ length: SEND_BLOCKS }, () =>
      Buffer.allocUnsafeSlow(Math.min(SEND_BLOCK, end - start)),
    );
    let turn = 0;
    const readAt = async (pos: number): Promise<Buffer> => {
      const block = blocks[turn++ % SEND_BLOCKS]!;
      const want = Math.min(block.length, end - pos);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(block, got, want - got, pos + got);
        if (bytesRead === 0)
          throw new Error(`${filePath} is shorter than expected (it changed while publishing).`);
        got += bytesRead;
      }
      return block.subarray(0, want);
    };
    let pos = start;
    let next: Promise<Buffer> | null = readAt(pos);
    while (next) {
      const block = await next;
      pos += block.length;
      next = pos < end ? readAt(pos) : null;
      // A read ahead that fails while this block is being sent must not go unobserved.
      next?.catch(() => undefined);
      onBytes(block.length);
      yield block;
    }
  } finally {
    await fh.close();
  }
}

export type RequestKind =
  'preupload' | 'lfs-batch' | 'lfs-put' | 'lfs-part' | 'lfs-complete' | 'commit' | 'xet' | 'other';

export interface BodyProgress {
  kind: RequestKind;
  /** The repo path the bytes belong to, when the client says (LFS uploads). */
  path: string | null;
  part: number | null;
  /** Bytes since the last event; negative when a failed attempt's bytes are taken back. */
  delta: number;
}

export interface RetryEvent {
  kind: RequestKind;
  attempt: number;
  waitMs: number;
  reason: string;
}

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A 429 asking to wait longer than this fails with RATE_LIMITED instead of waiting. */
  maxRateLimitWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 6,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  maxRateLimitWaitMs: 10 * 60_000,
};

export interface HubFetchOptions {
  retry?: Partial<RetryPolicy>;
  onBodyProgress?: (p: BodyProgress) => void;
  onRetry?: (e: RetryEvent) => void;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal | null) => Promise<void>;
}

export function requestKind(url: string, method: string): RequestKind {
  const p = new URL(url).pathname;
  if (p.includes('/preupload/')) return 'preupload';
  if (p.endsWith('/info/lfs/objects/batch')) return 'lfs-batch';
  if (/\/api\/(models|datasets|spaces)\/.+\/commit\//.test(p)) return 'commit';
  // The Xet CAS (xorbs, shards, dedup queries): its own kind, so a retry says what it retried.
  if (/\/v[12]\/(xorbs|shards|chunks)(\/|$)/.test(p)) return 'xet';
  if (method === 'PUT') return 'lfs-put';
  if (method === 'POST' && /lfs|complete/i.test(p)) return 'lfs-complete';
  return 'other';
}

const RETRY_STATUS = new Set([408, 500, 502, 503, 504]);

/** Seconds to wait from `Retry-After` (seconds or an HTTP date) or `RateLimit: ...;t=N`, whichever is longer. */
export function rateLimitWaitMs(headers: Headers, now = Date.now()): number | null {
  let wait: number | null = null;
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const secs = Number(retryAfter);
    if (Number.isFinite(secs)) wait = Math.max(0, secs * 1000);
    else {
      const at = Date.parse(retryAfter);
      if (Number.isFinite(at)) wait = Math.max(0, at - now);
    }
  }
  const rl = headers.get('ratelimit');
  const t = rl?.match(/(?:^|[;,\s])t=(\d+(?:\.\d+)?)/);
  if (t?.[1]) wait = Math.max(wait ?? 0, Number(t[1]) * 1000);
  return wait;
}

function defaultSleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new DOMException('Aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isAbort(err: unknown, signal?: AbortSignal | null): boolean {
  return Boolean(signal?.aborted) || (err as { name?: string })?.name === 'AbortError';
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return redactSecrets(cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)));
}

/** A `fetch` for the Hub client: byte counting, retries and backoff. */
export function createHubFetch(options: HubFetchOptions = {}): typeof fetch {
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const baseFetch = options.fetch ?? globalThis.fetch;
  // File bodies skip fetch only when fetch is Node's own (undici's), so they share its dispatcher; see above.
  const filesThroughDispatcher = baseFetch === globalThis.fetch;
  const sleep = options.sleep ?? defaultSleep;

  const hubFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    let kind = requestKind(url, method);
    const hint = (init as { progressHint?: { path?: string; part?: number } } | undefined)?.progressHint;
    if (kind === 'lfs-put' && hint?.part !== undefined) kind = 'lfs-part';
    const signal = init?.signal ?? null;
    const body = init?.body;

    for (let attempt = 0; ; attempt++) {
      let counted = 0;
      const report = (delta: number) => {
        counted += delta;
        options.onBodyProgress?.({ kind, path: hint?.path ?? null, part: hint?.part ?? null, delta });
      };
      const sendsFile = filesThroughDispatcher && body instanceof FileSliceBlob;
      let attemptBody: RequestInit['body'] = body;
      if (body instanceof Blob && !sendsFile) attemptBody = new CountingBlob(body, report);
      else if (typeof body === 'string') report(Buffer.byteLength(body));

      let res: Response | null = null;
      let failure: string;
      let waitMs: number;
      try {
        if (sendsFile) {
          res = await sendFileSlice(url, { method, headers: init?.headers, signal }, body, report);
        } else {
          const next: RequestInit = { ...init, body: attemptBody };
          delete (next as { progressHint?: unknown }).progressHint;
          res = await baseFetch(url, next);
        }
      } catch (err) {
        if (counted) report(-counted);
        if (isAbort(err, signal) || attempt >= policy.retries) throw err;
        failure = `network error (${describe(err)})`;
        waitMs = backoff(policy, attempt);
        options.onRetry?.({ kind, attempt: attempt + 1, waitMs, reason: failure });
        await sleep(waitMs, signal);
        continue;
      }

      if (res.status === 429) {
        const asked = rateLimitWaitMs(res.headers);
        waitMs = asked ?? backoff(policy, attempt);
        if (attempt >= policy.retries || waitMs > policy.maxRateLimitWaitMs) return res;
        failure = 'rate limited (429)';
      } else if (RETRY_STATUS.has(res.status) && attempt < policy.retries) {
        failure = `HTTP ${res.status}`;
        waitMs = backoff(policy, attempt);
      } else {
        return res;
      }
      if (counted) report(-counted);
      await res.body?.cancel().catch(() => undefined);
      options.onRetry?.({ kind, attempt: attempt + 1, waitMs, reason: failure });
      await sleep(waitMs, signal);
    }
  };
  return hubFetch as typeof fetch;
}

function backoff(policy: RetryPolicy, attempt: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  // Jitter so parallel parts that failed together do not retry in lockstep.
  return Math.round(exp * (0.75 + Math.random() * 0.5));
}
