/**
 * What sits between the uploads (ours in commit.ts/lfs.ts, and `@huggingface/hub`'s calls) and the network.
 *
 * - `BlockBlob`: a request body that writes its bytes into blocks it is given. `FileSliceBlob` is a lazy one over
 *   a byte range of a file (multipart parts are slices of it; nothing holds a whole file in memory); Xet's xorbs
 *   are another (xet/upload.ts), read back from their file. Reads are large (the client's own FileBlob reads
 *   64 KiB at a time).
 * - `createHubFetch`: the `fetch` every Hub request goes through. `@huggingface/hub` never retries and
 *   counts upload bytes only through XMLHttpRequest, so this wrapper does both: it counts request-body
 *   bytes per file as they are pulled by the socket, and retries 5xx, 408 and network failures with backoff
 *   and 429s as long as `Retry-After`/`RateLimit` say. Bodies are replayable because they are Blobs (file
 *   slices, xorbs) or strings, so each attempt gets a fresh stream of the same bytes.
 * - `sendBlocks`: how a `BlockBlob` is sent when the requests go through Node's own fetch (the CLI): with
 *   undici's dispatcher API on the same dispatcher that fetch uses (so the same proxy settings), the body
 *   written into a few recycled 1 MiB blocks that go straight to the socket. Through fetch, a body is a web
 *   ReadableStream that undici's fetch pulls and re-wraps block by block: the client spent 2.1 CPU-seconds per
 *   GiB of LFS parts that way and 1.4-1.5 this way (bench/local-hub-upload.ts, loaded 2-core machine), and on a
 *   loopback publish the client's CPU is taken from the local Hub. Any other fetch (the app's Electron
 *   `net.fetch`, with the system proxy and certificates; a fetch given for embedding) gets the body as the Blob
 *   it is. Either way the retries, the byte counting and abort are this wrapper's.
 */
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { redactSecrets } from '../../../shared/redact';
import { AppError } from '../../../shared/result';
import { OPEN_FLAGS } from '../safe-read';

/** Whole files are read in large blocks: the client hashes them again through `stream()`. */
const FILE_READ_CHUNK = 1024 * 1024;
/**
 * Slices are multipart parts, up to 25 in flight (5 files x 5 parts): smaller blocks keep the memory of all
 * those streams well under the RSS budget while still being large enough for the socket.
 */
const SLICE_READ_CHUNK = 256 * 1024;
/** Blocks recycled per stream; see `stream()`. */
const RING_DEPTH = 6;

/** Reads a body's bytes into blocks its caller owns; one per attempt, read front to back. */
export interface BlockReader {
  /**
   * Fills `into` with the body's bytes from `position` on (positions follow each other); answers how many,
   * fewer than `into.length` only at the end of the body. Throws when the source is shorter than the body.
   */
  read(into: Buffer, position: number): Promise<number>;
  close(): Promise<void>;
}

/** Fills all of `into` from `position` of a body of `size` bytes; a body that ends first is an error. */
async function readBlock(reader: BlockReader, into: Buffer, position: number, size: number): Promise<void> {
  const got = await reader.read(into, position);
  if (got !== into.length) throw new Error(`The body ended at ${position + got} of ${size} bytes.`);
}

/**
 * A request body that writes its bytes into blocks it is given (`open`): a file range (`FileSliceBlob`), a xorb
 * read back from its file (Xet), bytes in memory. Sent through Node's fetch (the CLI), its bytes go from recycled
 * blocks straight to the socket (`sendBlocks`); any other fetch reads it as a Blob (`stream()`), as the app's
 * Electron `net.fetch` does. Replayable: each attempt opens it again.
 */
export abstract class BlockBlob extends Blob {
  constructor(readonly readChunk = FILE_READ_CHUNK) {
    super([]);
  }

  // @ts-expect-error Node's types declare Blob's size and type as properties; at runtime they are accessors.
  abstract override get size(): number;

  // @ts-expect-error Node's types declare Blob's size and type as properties; at runtime they are accessors.
  override get type(): string {
    return '';
  }

  abstract open(): Promise<BlockReader>;

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const reader = await this.open();
    try {
      const buf = Buffer.allocUnsafe(this.size);
      if (buf.length > 0) await readBlock(reader, buf, 0, buf.length);
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
    } finally {
      await reader.close();
    }
  }

  override async text(): Promise<string> {
    return Buffer.from(await this.arrayBuffer()).toString('utf8');
  }

  override stream(): ReadableStream<Uint8Array> {
    const size = this.size;
    const readChunk = this.readChunk;
    let pos = 0;
    let reader: BlockReader | null = null;
    const ring: Buffer[] = [];
    let turn = 0;
    const open = () => this.open();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          reader ??= await open();
          if (pos >= size) {
            await reader.close();
            reader = null;
            controller.close();
            return;
          }
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
          const block = slot.subarray(0, Math.min(readChunk, size - pos));
          await readBlock(reader, block, pos, size);
          pos += block.length;
          controller.enqueue(block);
        } catch (err) {
          await reader?.close().catch(() => undefined);
          reader = null;
          controller.error(err);
        }
      },
      async cancel() {
        await reader?.close().catch(() => undefined);
        reader = null;
      },
    }) as ReadableStream<Uint8Array>;
  }
}

/**
 * How files being sent are read. Synchronously while they come from memory (the page cache, where a checkpoint
 * just written by training is): a hand-off to libuv's thread pool per block costs more than the read itself
 * (the Xet client's CPU for 1 GiB in bench/publish-xet.ts: 5.5 -> 4.5 CPU-s, with the same change in the
 * Hasher's workers). Once a read of a file takes longer than `slowMs` (a disk), the rest of that file goes
 * through the thread pool, so the event loop is not held by the disk. Tests lower `slowMs` to take that path.
 */
export const fileReads = { slowMs: 8 };
const slowFiles = new WeakSet<FileHandle>();

/**
 * Opens a file of the checkpoint to send it: non-blocking, and it must (still) be a regular file, so a FIFO or
 * device swapped in for it since the plan is an error instead of an upload that waits forever.
 */
export async function openToSend(filePath: string): Promise<FileHandle> {
  const fh = await open(filePath, OPEN_FLAGS);
  if (!(await fh.stat()).isFile()) {
    await fh.close();
    throw new AppError(
      'UNREADABLE',
      `${filePath} is no longer a regular file: it was replaced while publishing. Put the file back, then publish again.`,
    );
  }
  return fh;
}

/** Up to `length` bytes of `fh` at `position` into `into` at `offset` (fewer only at the end of the file). */
export async function readSome(
  fh: FileHandle,
  into: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  if (slowFiles.has(fh)) return (await fh.read(into, offset, length, position)).bytesRead;
  const started = performance.now();
  const bytesRead = readSync(fh.fd, into, offset, length, position);
  if (performance.now() - started > fileReads.slowMs) slowFiles.add(fh);
  return bytesRead;
}

/** Reads `length` bytes of `fh` at `position` into `into` at `offset`; a file that ends first changed on disk. */
export async function readFully(
  fh: FileHandle,
  filePath: string,
  into: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<void> {
  for (let got = 0; got < length; ) {
    const bytesRead = await readSome(fh, into, offset + got, length - got, position + got);
    if (bytesRead === 0) throw new Error(`${filePath} is shorter than expected (it changed while publishing).`);
    got += bytesRead;
  }
}

/** A lazy Blob over a byte range of a file. Multipart parts are slices of it; nothing holds a whole file. */
export class FileSliceBlob extends BlockBlob {
  constructor(
    readonly filePath: string,
    readonly start: number,
    readonly end: number,
    readChunk = FILE_READ_CHUNK,
  ) {
    super(readChunk);
  }

  override get size(): number {
    return this.end - this.start;
  }

  override slice(start = 0, end = this.size): FileSliceBlob {
    const clamp = (n: number) => Math.max(0, Math.min(this.size, n < 0 ? this.size + n : n));
    const s = clamp(start);
    const e = Math.max(s, clamp(end));
    return new FileSliceBlob(this.filePath, this.start + s, this.start + e, SLICE_READ_CHUNK);
  }

  override async open(): Promise<BlockReader> {
    const { filePath, start, end } = this;
    const fh = await openToSend(filePath);
    return {
      async read(into, position) {
        const want = Math.min(into.length, end - start - position);
        await readFully(fh, filePath, into, 0, want, start + position);
        return want;
      },
      close: () => fh.close(),
    };
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

/** Read size and blocks per request of `sendBlocks`; see there. */
const SEND_BLOCK = 1024 * 1024;
const SEND_BLOCKS = 3;
/**
 * Send blocks outlive their request: memory this machine has not touched yet costs a page fault per 4 KiB the
 * first time (~4 ms per MiB on these VMs, more than copying it), so blocks are kept for the next request instead
 * of being allocated per part or xorb. At most this many are kept.
 */
const POOLED_BLOCKS = 24;
const sendBlockPool: Buffer[] = [];

/**
 * PUTs or POSTs the bytes of `blob` with undici's `request` on the global dispatcher (the one Node's fetch uses,
 * and the CLI's proxy agent when HTTPS_PROXY is set), and answers a `Response` like fetch's. The body is read in
 * SEND_BLOCK blocks, each one ahead of the socket; `onBytes` is told as undici takes each block for the socket.
 * Blocks are recycled: undici writes one block and waits for the socket to drain (the block is then in the
 * kernel) before it asks for the next, so with one block read ahead the third one is always free again.
 */
export async function sendBlocks(
  url: string,
  init: { method: string; headers?: RequestInit['headers']; signal?: AbortSignal | null },
  blob: BlockBlob,
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
    body: blob.size === 0 ? '' : (bodyBlocks(blob, onBytes) as unknown as Readable),
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

async function* bodyBlocks(blob: BlockBlob, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  const size = blob.size;
  const blocks = Array.from({ length: SEND_BLOCKS }, () => sendBlockPool.pop() ?? Buffer.allocUnsafeSlow(SEND_BLOCK));
  let reader: BlockReader | null = null;
  let next: Promise<Buffer> | null = null;
  let sent = false;
  try {
    const source = (reader = await blob.open());
    let turn = 0;
    const readAt = async (pos: number): Promise<Buffer> => {
      const block = blocks[turn++ % SEND_BLOCKS]!.subarray(0, Math.min(SEND_BLOCK, size - pos));
      await readBlock(source, block, pos, size);
      return block;
    };
    let pos = 0;
    next = readAt(pos);
    while (next) {
      const block = await next;
      pos += block.length;
      next = pos < size ? readAt(pos) : null;
      // A read ahead that fails while this block is being sent must not go unobserved.
      next?.catch(() => undefined);
      onBytes(block.length);
      yield block;
    }
    sent = true;
  } finally {
    await next?.catch(() => undefined);
    await reader?.close();
    // Only a body sent to its end gives its blocks back: undici asked for the end after the socket took the
    // last block. One given up (abort, error) may still have a block in a socket's write queue.
    if (sent) for (const block of blocks) if (sendBlockPool.length < POOLED_BLOCKS) sendBlockPool.push(block);
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
  // Block bodies skip fetch only when fetch is Node's own (undici's), so they share its dispatcher; see above.
  const blocksThroughDispatcher = baseFetch === globalThis.fetch;
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
      const sendsBlocks = blocksThroughDispatcher && body instanceof BlockBlob;
      let attemptBody: RequestInit['body'] = body;
      if (body instanceof Blob && !sendsBlocks) attemptBody = new CountingBlob(body, report);
      else if (typeof body === 'string') report(Buffer.byteLength(body));

      let res: Response | null = null;
      let failure: string;
      let waitMs: number;
      try {
        if (sendsBlocks) {
          res = await sendBlocks(url, { method, headers: init?.headers, signal }, body, report);
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
