/**
 * Uploads files through Xet (huggingface/hub-docs `docs/xet/upload-protocol.md`) when the Hub's LFS batch
 * answers `transfer: "xet"`: each file is read once, split into content-defined chunks whose BLAKE3 hashes and
 * the file's SHA-256 are computed in that one pass; chunks the Hub already holds are referenced instead of sent;
 * new chunks go into xorbs (uncompressed, at most 64 MiB); one shard per file then registers the file's
 * reconstruction, its verification entries and its SHA-256, which is what the commit references.
 *
 * How a chunk is found on the Hub: the Hub indexes for global dedup the first chunk of each file and every chunk
 * whose hash is "eligible" (1 in 1024), and answers a query with the shard that registered it, so with the
 * xorbs likely to hold the neighbouring chunks (shard.md). Every xorb this uploader makes starts at a file's
 * first chunk or at an eligible one, so each can be found by a query for its own first chunk: a re-publish of
 * a checkpoint that changed a little meets the old xorbs one by one and sends only the changed chunks.
 *
 * Resume: a xorb's content, and so its hash, depends only on the chunks since the last eligible one, so a
 * publish killed after some xorbs were stored makes the same xorbs again; each is asked for (`HEAD`) before it is
 * sent, and the first chunk of each is found through global dedup anyway. Nothing is committed until the shard
 * is accepted, so a killed publish leaves only unreferenced xorbs behind.
 *
 * Memory: two read blocks, two xorb buffers (one filling, one being sent) and the chunk list of the file
 * (about 40 bytes per 64 KiB), whatever the file size.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { AppError } from '../../../../shared/result';
import { apiError } from '../lfs';
import { createXetChunker } from './chunker';
import { Sha256Thread } from './sha256-thread';
import {
  CHUNK_HEADER_BYTES,
  fileHashOf,
  isDedupEligible,
  xorbHashOf,
  keyedHashOf,
  MAX_XORB_BYTES,
  MAX_XORB_CHUNKS,
  parseDedupShard,
  serializeShard,
  toHex,
  writeChunkHeader,
  type ChunkRef,
  type ShardTerm,
  type ShardXorb,
} from './format';

/** Bytes read from disk at once; the chunker and the SHA-256 thread hash straight from this block. */
const READ_BLOCK = 4 * 1024 * 1024;
/** Blocks of a xorb body handed to the socket. */
const SEND_BLOCK = 1024 * 1024;
/** A token this close to expiry is refreshed before use. */
const TOKEN_MARGIN_MS = 30_000;
/**
 * The prefix in xorb and dedup URLs. api.md names `default-merkledb` for dedup queries, but both real clients
 * (`@huggingface/hub`, hf_xet) send `default` everywhere and the Hub accepts it.
 */
const PREFIX = 'default';

export interface XetAccess {
  casUrl: string;
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  sessionId?: string;
  /** Where a fresh token comes from (the batch's `href`: the write-token route, with the Hub token). */
  refreshUrl: string;
}

export interface XetObject {
  path: string;
  /** SHA-256 the plan computed: the file must still have it. */
  sha256: string;
  size: number;
  absPath?: string;
  content?: Uint8Array;
}

/** What a Xet upload did, in bytes of the files: read and chunked, sent as new chunks, found on the Hub. */
export interface XetCounts {
  processedBytes: number;
  sentBytes: number;
  dedupedBytes: number;
}

export interface XetUploadResult extends XetCounts {
  /** SHA-256 → Xet file hash of every object. */
  xetHashes: Map<string, string>;
  xorbsSent: number;
  /** Xorbs made again that the CAS already held (a resumed publish). */
  xorbsAlreadyStored: number;
}

export interface XetUploadArgs {
  objects: XetObject[];
  access: XetAccess;
  /** The Hub token, only to refresh the CAS token at `refreshUrl`. */
  hubToken: string;
  /** The Hub fetch: retries 429/5xx/network failures, counts bytes. */
  fetch: typeof fetch;
  signal?: AbortSignal;
  /** Called as bytes are chunked, sent or found: deltas for one file. */
  onProgress?: (path: string, delta: XetCounts) => void;
}

/** Hands out a valid CAS token, refreshing it shortly before it expires or when the CAS answers 401. */
class XetTokens {
  private access: XetAccess;
  private refreshing: Promise<XetAccess> | null = null;
  constructor(
    access: XetAccess,
    private readonly hubToken: string,
    private readonly fetchImpl: typeof fetch,
    private readonly signal?: AbortSignal,
  ) {
    this.access = access;
  }

  async get(forceRefresh = false): Promise<XetAccess> {
    if (!forceRefresh && this.access.expiresAt - Date.now() > TOKEN_MARGIN_MS) return this.access;
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<XetAccess> {
    const res = await this.fetchImpl(this.access.refreshUrl, {
      headers: { Authorization: `Bearer ${this.hubToken}` },
      signal: this.signal,
    });
    if (!res.ok) throw await apiError(res, 'Xet write token');
    const json = (await res.json()) as { accessToken?: string; casUrl?: string; exp?: number };
    if (!json.accessToken || !json.casUrl || typeof json.exp !== 'number')
      throw new AppError('HUB_REJECTED', 'The Hub answered a Xet token request without a token.');
    this.access = {
      ...this.access,
      accessToken: json.accessToken,
      casUrl: json.casUrl.replace(/\/+$/, ''),
      expiresAt: json.exp * 1000,
    };
    return this.access;
  }
}

/** A request body over a filled xorb buffer, read in blocks: replayable (each attempt streams it again), no copy. */
class BufferBlob extends Blob {
  constructor(private readonly content: Buffer) {
    super([]);
  }
  // @ts-expect-error Node's types declare Blob's size and type as properties; at runtime they are accessors.
  override get size(): number {
    return this.content.length;
  }
  // @ts-expect-error Node's types declare Blob's size and type as properties; at runtime they are accessors.
  override get type(): string {
    return 'application/octet-stream';
  }
  override stream(): ReadableStream<Uint8Array> {
    let at = 0;
    const bytes = this.content;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        const end = Math.min(bytes.length, at + SEND_BLOCK);
        controller.enqueue(bytes.subarray(at, end));
        at = end;
      },
    }) as ReadableStream<Uint8Array>;
  }
  override async arrayBuffer(): Promise<ArrayBuffer> {
    return this.content.buffer.slice(
      this.content.byteOffset,
      this.content.byteOffset + this.content.length,
    ) as ArrayBuffer;
  }
}

/** Where a known chunk is: a xorb the CAS holds (or one this upload made) and its index there. */
interface ChunkPlace {
  xorb: string;
  index: number;
}

/** The chunks the uploader knows the CAS holds: from dedup answers (keyed) and from its own xorbs. */
class KnownChunks {
  private readonly plain = new Map<string, ChunkPlace>();
  private readonly keyed: { key: Uint8Array; places: Map<string, ChunkPlace> }[] = [];
  private readonly knownXorbs = new Set<string>();

  addXorb(xorb: string, chunkHashes: string[], key: Uint8Array | null): void {
    if (this.knownXorbs.has(xorb)) return;
    this.knownXorbs.add(xorb);
    let places = this.plain;
    if (key) {
      let table = this.keyed.find((k) => Buffer.compare(k.key, key) === 0);
      if (!table) this.keyed.unshift((table = { key, places: new Map() }));
      places = table.places;
    }
    chunkHashes.forEach((hash, index) => {
      if (!places.has(hash)) places.set(hash, { xorb, index });
    });
  }

  /**
   * Each dedup answer has its own key, so a chunk is looked up once per answer. The answer that matched last
   * is tried first: a file's chunks mostly follow each other through the same old xorbs.
   */
  find(hash: string): ChunkPlace | undefined {
    const found = this.plain.get(hash);
    if (found) return found;
    for (let i = 0; i < this.keyed.length; i++) {
      const table = this.keyed[i]!;
      const place = table.places.get(keyedHashOf(hash, table.key));
      if (!place) continue;
      if (i > 0) this.keyed.unshift(...this.keyed.splice(i, 1));
      return place;
    }
    return undefined;
  }
}

class XetUploader {
  private readonly tokens: XetTokens;
  private readonly known = new KnownChunks();
  private readonly queried = new Set<string>();
  /** Xorb buffers: one fills while the other is sent. */
  private readonly free: Buffer[] = [];
  private inFlight: Promise<void> | null = null;
  readonly result: XetUploadResult = {
    xetHashes: new Map(),
    processedBytes: 0,
    sentBytes: 0,
    dedupedBytes: 0,
    xorbsSent: 0,
    xorbsAlreadyStored: 0,
  };

  /** Hashes what is read, in the two blocks files are read into. */
  readonly sha256 = new Sha256Thread(READ_BLOCK, 2);

  constructor(private readonly args: XetUploadArgs) {
    this.tokens = new XetTokens(args.access, args.hubToken, args.fetch, args.signal);
  }

  private report(path: string, delta: Partial<XetCounts>): void {
    const full = { processedBytes: 0, sentBytes: 0, dedupedBytes: 0, ...delta };
    this.result.processedBytes += full.processedBytes;
    this.result.sentBytes += full.sentBytes;
    this.result.dedupedBytes += full.dedupedBytes;
    this.args.onProgress?.(path, full);
  }

  /** A CAS request with a current token; one 401 (expired or revoked token) refreshes it and tries again. */
  private async cas(path: string, init: RequestInit = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const access = await this.tokens.get(attempt > 0);
      const res = await this.args.fetch(`${access.casUrl}${path}`, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string> | undefined),
          Authorization: `Bearer ${access.accessToken}`,
          ...(access.sessionId ? { 'X-Xet-Session-Id': access.sessionId } : {}),
        },
        signal: this.args.signal,
      });
      if (res.status !== 401 || attempt > 0) return res;
      await res.body?.cancel().catch(() => undefined);
    }
  }

  /** Global dedup query (api.md §2); what it returns becomes known. */
  private async query(hash: string): Promise<void> {
    if (this.queried.has(hash)) return;
    this.queried.add(hash);
    const res = await this.cas(`/v1/chunks/${PREFIX}/${hash}`);
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      return;
    }
    if (!res.ok) throw await apiError(res, 'Xet global dedup query');
    const shard = parseDedupShard(Buffer.from(await res.arrayBuffer()));
    for (const xorb of shard.xorbs) this.known.addXorb(xorb.hash, xorb.chunkHashes, shard.key);
  }

  private takeBuffer(): Buffer {
    const buffer = this.free.pop();
    if (buffer) return buffer;
    return Buffer.allocUnsafe(MAX_XORB_BYTES);
  }

  /**
   * Sends a sealed xorb unless the CAS has it. One is sent while the next one fills; a failure surfaces at
   * the next send or at `drain`.
   */
  private async send(path: string, xorb: ShardXorb, buffer: Buffer): Promise<void> {
    await this.drain();
    this.args.signal?.throwIfAborted();
    const bytes = buffer.subarray(0, xorb.serializedBytes);
    const raw = xorb.chunks.reduce((sum, c) => sum + c.length, 0);
    const task = (async () => {
      try {
        const head = await this.cas(`/v1/xorbs/${PREFIX}/${xorb.hash}`, { method: 'HEAD' });
        await head.body?.cancel().catch(() => undefined);
        if (head.ok) {
          this.result.xorbsAlreadyStored++;
          this.report(path, { dedupedBytes: raw });
          return;
        }
        if (head.status !== 404) throw await apiError(head, 'Xet xorb check');
        const res = await this.cas(`/v1/xorbs/${PREFIX}/${xorb.hash}`, {
          method: 'POST',
          body: new BufferBlob(bytes),
          headers: { 'Content-Type': 'application/octet-stream' },
        });
        if (!res.ok) throw await apiError(res, `Uploading a xorb of ${path}`);
        await res.body?.cancel().catch(() => undefined);
        this.result.xorbsSent++;
        this.report(path, { sentBytes: raw });
      } finally {
        this.free.push(buffer);
      }
    })();
    // Observed by the next `drain`; this keeps Node from calling it unhandled in between.
    task.catch(() => undefined);
    this.inFlight = task;
  }

  private async drain(): Promise<void> {
    const pending = this.inFlight;
    this.inFlight = null;
    await pending;
  }

  async uploadFile(object: XetObject): Promise<void> {
    const { path } = object;
    const chunker = createXetChunker();
    const allChunks: ChunkRef[] = [];
    const terms: ShardTerm[] = [];
    const newXorbs: ShardXorb[] = [];

    // The xorb being filled, and what the file's current term points at.
    let buffer: Buffer | null = null;
    let filling: {
      chunks: ChunkRef[];
      bytes: number;
      terms: Set<ShardTerm>;
      index: Map<string, number>;
    } | null = null;
    let term: ShardTerm | null = null;
    let pendingProcessed = 0;
    let pendingDeduped = 0;

    const seal = async () => {
      if (!filling || !buffer) return;
      const xorb: ShardXorb = {
        hash: xorbHashOf(filling.chunks),
        chunks: filling.chunks,
        serializedBytes: filling.bytes,
      };
      for (const t of filling.terms) t.xorb = xorb.hash;
      this.known.addXorb(
        xorb.hash,
        xorb.chunks.map((c) => c.hash),
        null,
      );
      newXorbs.push(xorb);
      const sealed = buffer;
      filling = null;
      buffer = null;
      await this.send(path, xorb, sealed);
    };

    const flushProgress = () => {
      if (pendingProcessed || pendingDeduped)
        this.report(path, { processedBytes: pendingProcessed, dedupedBytes: pendingDeduped });
      pendingProcessed = 0;
      pendingDeduped = 0;
    };

    /**
     * Points the file at chunk `index` of a xorb: the current term grows when the chunk follows it there, else a
     * new term starts. `xorb` is '' for the xorb being filled, whose hash is set on its terms when it is sealed.
     */
    const reference = (xorb: string, index: number, chunk: ChunkRef) => {
      const inFilling = xorb === '';
      if (term && term.xorb === xorb && term.end === index && (!inFilling || filling!.terms.has(term))) {
        term.end++;
        term.bytes += chunk.length;
        term.chunkHashes.push(chunk.hash);
        return;
      }
      term = { xorb, start: index, end: index + 1, bytes: chunk.length, chunkHashes: [chunk.hash] };
      if (inFilling) filling!.terms.add(term);
      terms.push(term);
    };

    // One chunk, in file order, with its bytes (`data` is only valid during the call).
    const take = async (chunk: ChunkRef, data: Uint8Array) => {
      const first = allChunks.length === 0;
      allChunks.push(chunk);
      pendingProcessed += chunk.length;
      let place = this.known.find(chunk.hash);
      if (!place && (first || isDedupEligible(chunk.hash))) {
        await this.query(chunk.hash);
        place = this.known.find(chunk.hash);
      }
      if (place) {
        pendingDeduped += chunk.length;
        reference(place.xorb, place.index, chunk);
        return;
      }
      // A repeat of a chunk already in the xorb being filled (zero padding, tied weights): stored once.
      const repeat = filling?.index.get(chunk.hash);
      if (repeat !== undefined) {
        pendingDeduped += chunk.length;
        reference('', repeat, chunk);
        return;
      }
      // A new chunk. Xorbs start at a file's first chunk or at an eligible one (see the top of this file).
      const needed = CHUNK_HEADER_BYTES + chunk.length;
      if (
        filling &&
        (isDedupEligible(chunk.hash) ||
          filling.bytes + needed > MAX_XORB_BYTES ||
          filling.chunks.length >= MAX_XORB_CHUNKS)
      ) {
        flushProgress();
        await seal();
      }
      if (!filling) {
        buffer = this.takeBuffer();
        filling = { chunks: [], bytes: 0, terms: new Set(), index: new Map() };
      }
      writeChunkHeader(buffer!, filling.bytes, chunk.length);
      buffer!.set(data, filling.bytes + CHUNK_HEADER_BYTES);
      filling.bytes += needed;
      filling.index.set(chunk.hash, filling.chunks.length);
      filling.chunks.push(chunk);
      reference('', filling.chunks.length - 1, chunk);
    };

    // Bytes of the chunk still open at the end of a block (it continues in the next one).
    let carry = Buffer.alloc(0);
    const feed = async (block: Uint8Array) => {
      const chunks = chunker.push(block);
      let at = 0;
      for (const c of chunks) {
        const hash = toHex(c.hash);
        let data: Uint8Array;
        if (carry.length > 0) {
          const fromBlock = c.length - carry.length;
          data = Buffer.concat([carry, block.subarray(0, fromBlock)]);
          carry = Buffer.alloc(0);
          at = fromBlock;
        } else {
          data = block.subarray(at, at + c.length);
          at += c.length;
        }
        await take({ hash, length: c.length }, data);
      }
      const rest = block.subarray(at);
      carry = rest.length > 0 ? Buffer.concat([carry, rest]) : carry;
      flushProgress();
    };

    let digest: string;
    if (object.content) {
      await feed(object.content);
      digest = createHash('sha256').update(object.content).digest('hex');
    } else {
      const fh = await open(object.absPath!, 'r');
      try {
        // Two shared blocks: the SHA-256 thread hashes one while the other is read and chunked.
        const hashed: (Promise<void> | undefined)[] = [undefined, undefined];
        this.sha256.start();
        let position = 0;
        for (let i = 0; ; i ^= 1) {
          this.args.signal?.throwIfAborted();
          await hashed[i];
          const block = this.sha256.blocks[i]!;
          const { bytesRead } = await fh.read(block, 0, block.length, position);
          if (bytesRead === 0) break;
          position += bytesRead;
          if (position > object.size) break;
          const view = block.subarray(0, bytesRead);
          const done = this.sha256.update(i, bytesRead);
          // Awaited before the block is read into again (or below); a failure must not go unhandled meanwhile.
          done.catch(() => undefined);
          hashed[i] = done;
          await feed(view);
        }
        await Promise.all(hashed);
        if (position !== object.size) throw changedOnDisk(path);
        digest = await this.sha256.digest();
      } finally {
        await fh.close();
      }
    }
    const last = chunker.finish();
    if (last) await take({ hash: toHex(last.hash), length: last.length }, carry);
    flushProgress();
    await seal();
    await this.drain();

    if (digest !== object.sha256) throw changedOnDisk(path);
    const fileHash = fileHashOf(allChunks);
    const shard = serializeShard([{ fileHash, sha256: digest, terms }], newXorbs);
    // The Hub checks the shard by rebuilding the file (its SHA-256): the next file is chunked meanwhile.
    await this.registering;
    const registration = (async () => {
      const res = await this.cas('/v1/shards', {
        method: 'POST',
        body: new BufferBlob(shard),
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      if (!res.ok) throw await apiError(res, `Registering ${path} with Xet`);
      await res.body?.cancel().catch(() => undefined);
      this.result.xetHashes.set(object.sha256, fileHash);
    })();
    registration.catch(() => undefined);
    this.registering = registration;
  }

  /** The shard upload of the last file (one at a time); awaited before the next one and at the end. */
  registering: Promise<void> = Promise.resolve();
}

function changedOnDisk(path: string): AppError {
  return new AppError(
    'UNREADABLE',
    `${path} changed on disk while publishing (its content is not what was checked). Nothing was committed; publish again.`,
  );
}

/** Uploads `objects` through Xet, one file after the other; resolves when each is registered with the CAS. */
export async function uploadThroughXet(args: XetUploadArgs): Promise<XetUploadResult> {
  const uploader = new XetUploader(args);
  try {
    for (const object of args.objects) {
      args.signal?.throwIfAborted();
      await uploader.uploadFile(object);
    }
    await uploader.registering;
    return uploader.result;
  } finally {
    await uploader.sha256.close();
  }
}
