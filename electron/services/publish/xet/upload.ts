/**
 * Uploads files through Xet (huggingface/hub-docs `docs/xet/upload-protocol.md`) when the Hub's LFS batch
 * answers `transfer: "xet"`: each file is read once, split into content-defined chunks whose BLAKE3 hashes and
 * the file's SHA-256 are computed in that one pass (the SHA-256 only where a stat cannot vouch that the file is
 * still the one the plan hashed: the rule of the hash cache, `sameFile`); chunks the Hub already holds are
 * referenced instead of sent;
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
 * Memory: two read blocks, the send blocks of the xorbs on their way and the chunk list of the file (about 40 bytes
 * per 64 KiB), whatever the file size. A xorb is not copied together: it is a list of where its chunks are in
 * the file, read back from there as it is sent (from the page cache: the file was just read). Two 64 MiB xorb
 * buffers cost more than the copy into them: ~0.5 s of page faults per process on these machines, and 128 MB.
 */
import type { HubApiError } from '@huggingface/hub';
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { AppError } from '../../../../shared/result';
import { sameFile, type FileIdentity } from '../../hash';
import { apiError } from '../lfs';
import { BlockBlob, openToSend, readFully, readSome, type BlockReader } from '../transport';
import { createXetChunker } from './chunker';
import type { XetChunkStore } from './chunk-store';
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
/** Blocks a xorb or shard body is read in, where fetch reads it as a Blob (the app's net.fetch). */
const SEND_BLOCK = 1024 * 1024;
/** A token this close to expiry is refreshed before use. */
const TOKEN_MARGIN_MS = 30_000;
/**
 * Xorbs on their way while the next one fills. With one, the machine sat ~30% idle in a 1 GiB publish to the local
 * Hub (each xorb's HEAD, and the CAS's work once its body is in, left both sides waiting); with three, ~20%, and
 * the publish took 5-15% less time. A xorb in flight costs only its send blocks: it is read from the file.
 */
const XORBS_IN_FLIGHT = 3;
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
  /**
   * The file as it was when `sha256` was taken. While a stat of it says it still is (before and after it is read),
   * its bytes are those that were hashed and the SHA-256 is not computed again; otherwise it is, from the same read.
   */
  hashedAs?: FileIdentity;
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
  /** Bytes whose SHA-256 was computed again while chunking (files a stat could not vouch for). */
  sha256Bytes: number;
  /** Bytes of files whose chunks came from the chunk store: not read to be chunked. */
  storedChunkListBytes: number;
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
  /** Chunks of files chunked before, by SHA-256: such a file (vouched for by a stat) is not chunked again. */
  chunkStore?: XetChunkStore;
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

/** Bytes in memory as a request body (a shard). */
class BytesBlob extends BlockBlob {
  constructor(private readonly content: Buffer) {
    super(SEND_BLOCK);
  }
  override get size(): number {
    return this.content.length;
  }
  override get type(): string {
    return 'application/octet-stream';
  }
  override open(): Promise<BlockReader> {
    const content = this.content;
    return Promise.resolve({
      read: async (into, position) => content.copy(into, 0, position, position + into.length),
      close: async () => undefined,
    });
  }
}

/** Where a new chunk's bytes are in what is being uploaded (a file, or bytes in memory). */
interface ChunkSource {
  offset: number;
  length: number;
}

/** A run of chunk bytes to put at `at` in a block: `length` bytes from `offset` of the source. */
interface Piece {
  at: number;
  offset: number;
  length: number;
}

/**
 * A xorb as a request body: each chunk's header, then its bytes read from the source (xorb.md: chunks stored
 * uncompressed). A block takes one read per run of chunks that follow each other in the file (new chunks mostly
 * do), moved apart in the block to make room for their headers.
 */
export class XorbBlob extends BlockBlob {
  constructor(
    private readonly source: { absPath: string } | { content: Uint8Array },
    private readonly chunks: ChunkSource[],
    private readonly serializedBytes: number,
  ) {
    super(SEND_BLOCK);
  }

  override get size(): number {
    return this.serializedBytes;
  }

  override get type(): string {
    return 'application/octet-stream';
  }

  override async open(): Promise<BlockReader> {
    const { source, chunks } = this;
    const fh = 'absPath' in source ? await openToSend(source.absPath) : null;
    /** Copies `length` bytes of the source from `offset` into `into` at `at`. */
    const readRun =
      'absPath' in source
        ? (into: Buffer, at: number, length: number, offset: number) =>
            readFully(fh!, source.absPath, into, at, length, offset)
        : async (into: Buffer, at: number, length: number, offset: number) => {
            into.set(source.content.subarray(offset, offset + length), at);
          };
    const header = Buffer.alloc(CHUNK_HEADER_BYTES);
    // The chunk the next byte is in, and where it starts in the body.
    let index = 0;
    let chunkStart = 0;
    let next = 0;
    const fill = async (into: Buffer, pieces: Piece[]) => {
      for (let first = 0; first < pieces.length; ) {
        let last = first;
        let length = pieces[first]!.length;
        while (last + 1 < pieces.length && pieces[last + 1]!.offset === pieces[last]!.offset + pieces[last]!.length) {
          last++;
          length += pieces[last]!.length;
        }
        const at = pieces[first]!.at;
        await readRun(into, at, length, pieces[first]!.offset);
        // From the last piece back, each moves right to its place (past the headers before it).
        let from = at + length;
        for (let i = last; i > first; i--) {
          from -= pieces[i]!.length;
          into.copyWithin(pieces[i]!.at, from, from + pieces[i]!.length);
        }
        first = last + 1;
      }
    };
    return {
      read: async (into, position) => {
        if (position !== next) throw new Error(`A xorb body is read front to back (asked for ${position}, at ${next}).`);
        const pieces: Piece[] = [];
        const headers: { at: number; from: number; to: number; length: number }[] = [];
        let filled = 0;
        while (filled < into.length && index < chunks.length) {
          const chunk = chunks[index]!;
          const inChunk = position + filled - chunkStart;
          if (inChunk < CHUNK_HEADER_BYTES) {
            const n = Math.min(CHUNK_HEADER_BYTES - inChunk, into.length - filled);
            headers.push({ at: filled, from: inChunk, to: inChunk + n, length: chunk.length });
            filled += n;
            continue;
          }
          const inData = inChunk - CHUNK_HEADER_BYTES;
          const n = Math.min(chunk.length - inData, into.length - filled);
          pieces.push({ at: filled, offset: chunk.offset + inData, length: n });
          filled += n;
          if (inData + n === chunk.length) {
            chunkStart += CHUNK_HEADER_BYTES + chunk.length;
            index++;
          }
        }
        await fill(into, pieces);
        // Headers last: a run read in one piece passes over their places before it is moved apart.
        for (const h of headers) {
          writeChunkHeader(header, 0, h.length);
          header.copy(into, h.at, h.from, h.to);
        }
        next = position + filled;
        return filled;
      },
      close: async () => {
        await fh?.close();
      },
    };
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
  private inFlight: Promise<void>[] = [];
  readonly result: XetUploadResult = {
    xetHashes: new Map(),
    sha256Bytes: 0,
    storedChunkListBytes: 0,
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

  /**
   * Sends a sealed xorb unless the CAS has it, with up to XORBS_IN_FLIGHT on their way while the next one fills; a
   * failure surfaces at a later send or when the file's last xorb is awaited, once the others have settled (none is left running).
   * `storedList` is the SHA-256 of the file when the xorb was made from its stored chunk list.
   */
  private async send(path: string, xorb: ShardXorb, body: XorbBlob, storedList: string | null): Promise<void> {
    await this.settleInFlight(XORBS_IN_FLIGHT - 1);
    this.args.signal?.throwIfAborted();
    const raw = xorb.chunks.reduce((sum, c) => sum + c.length, 0);
    const task = (async () => {
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
        body,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      // The CAS hashes the chunks it got: a file rewritten since it was chunked is refused here.
      if (!res.ok)
        throw await this.refused(
          res,
          storedList,
          `Uploading a xorb of ${path} (if the file changed on disk meanwhile, publish again)`,
        );
      await res.body?.cancel().catch(() => undefined);
      this.result.xorbsSent++;
      this.report(path, { sentBytes: raw });
    })();
    // Observed by `settleInFlight`; this keeps Node from calling it unhandled in between.
    task.catch(() => undefined);
    this.inFlight.push(task);
  }

  /**
   * Waits until at most `atMost` xorbs are on their way. When one has failed, all of them are left to settle and
   * the oldest failure is thrown.
   */
  private async settleInFlight(atMost: number): Promise<void> {
    while (this.inFlight.length > atMost) {
      const oldestSent = await this.inFlight[0]!.then(
        () => true,
        () => false,
      );
      if (oldestSent) {
        this.inFlight.shift();
        continue;
      }
      const settled = await Promise.allSettled(this.inFlight.splice(0));
      throw (settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')!).reason;
    }
  }

  /**
   * The error for a refused CAS request. What the CAS refused (400) was made from a stored chunk list: the list is
   * forgotten, so the next run reads and chunks the file.
   */
  private async refused(res: Response, storedList: string | null, what: string): Promise<HubApiError> {
    if (res.status === 400 && storedList) await this.args.chunkStore?.forget(storedList);
    return apiError(res, what);
  }

  async uploadFile(object: XetObject): Promise<void> {
    const { path } = object;
    const chunker = createXetChunker();
    const allChunks: ChunkRef[] = [];
    const terms: ShardTerm[] = [];
    const newXorbs: ShardXorb[] = [];

    // The xorb being filled (where its chunks are in the file), and what the file's current term points at.
    let filling: {
      chunks: ChunkRef[];
      sources: ChunkSource[];
      bytes: number;
      terms: Set<ShardTerm>;
      index: Map<string, number>;
    } | null = null;
    let term: ShardTerm | null = null;
    let pendingProcessed = 0;
    let pendingDeduped = 0;
    // Where the next chunk starts in the file.
    let offset = 0;
    const source = object.content ? { content: object.content } : { absPath: object.absPath! };
    // The file's SHA-256 when its chunks come from the chunk store.
    let storedList: string | null = null;

    const seal = async () => {
      if (!filling) return;
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
      const body = new XorbBlob(source, filling.sources, filling.bytes);
      filling = null;
      await this.send(path, xorb, body, storedList);
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

    // One chunk, in file order.
    const take = async (chunk: ChunkRef) => {
      const first = allChunks.length === 0;
      const at = offset;
      offset += chunk.length;
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
      filling ??= { chunks: [], sources: [], bytes: 0, terms: new Set(), index: new Map() };
      filling.sources.push({ offset: at, length: chunk.length });
      filling.bytes += needed;
      filling.index.set(chunk.hash, filling.chunks.length);
      filling.chunks.push(chunk);
      reference('', filling.chunks.length - 1, chunk);
    };

    const feed = async (block: Uint8Array) => {
      for (const c of chunker.push(block)) await take({ hash: toHex(c.hash), length: c.length });
      flushProgress();
    };

    let digest: string;
    // Read and chunked here (not taken from the chunk store).
    let chunked = false;
    if (object.content) {
      await feed(object.content);
      digest = createHash('sha256').update(object.content).digest('hex');
    } else {
      const fh = await openToSend(object.absPath!);
      try {
        const vouched = object.hashedAs && sameFile(object.hashedAs, await fh.stat());
        const stored = vouched ? await this.args.chunkStore?.get(object.sha256, object.size) : null;
        if (stored) {
          storedList = object.sha256;
          // Chunked before: the xorbs are made from the list and read from the file as they are sent; the CAS
          // checks every chunk hash of what arrives, and the file's SHA-256 when it registers it.
          for (const [n, chunk] of stored.entries()) {
            await take(chunk);
            if (n % 64 === 63) {
              flushProgress();
              this.args.signal?.throwIfAborted();
            }
          }
          if (!sameFile(object.hashedAs!, await fh.stat())) throw changedOnDisk(path);
          this.result.storedChunkListBytes += object.size;
          digest = object.sha256;
        } else {
          digest = await this.chunkFile(object, fh, vouched ? object.hashedAs! : null, feed);
          chunked = true;
        }
      } finally {
        await fh.close();
      }
    }
    const last = chunker.finish();
    if (last) await take({ hash: toHex(last.hash), length: last.length });
    // Content-defined: the list holds for any file with these bytes.
    if (chunked && digest === object.sha256) await this.args.chunkStore?.put(object.sha256, object.size, allChunks);
    flushProgress();
    await seal();
    await this.settleInFlight(0);

    if (digest !== object.sha256) throw changedOnDisk(path);
    const fileHash = fileHashOf(allChunks);
    const shard = serializeShard([{ fileHash, sha256: digest, terms }], newXorbs);
    // The Hub checks the shard by rebuilding the file (its SHA-256): the next file is chunked meanwhile.
    await this.registering;
    const registration = (async () => {
      const res = await this.cas('/v1/shards', {
        method: 'POST',
        body: new BytesBlob(shard),
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      if (!res.ok) throw await this.refused(res, storedList, `Registering ${path} with Xet`);
      await res.body?.cancel().catch(() => undefined);
      this.result.xetHashes.set(object.sha256, fileHash);
    })();
    registration.catch(() => undefined);
    this.registering = registration;
  }

  /**
   * Reads a file once, feeding the chunker, and answers its SHA-256: `hashedAs`'s when a stat vouches the file is
   * still what was hashed (before and after the read), else computed from the same read on the SHA-256 thread.
   */
  private async chunkFile(
    object: XetObject,
    fh: FileHandle,
    vouchedAs: FileIdentity | null,
    feed: (block: Uint8Array) => Promise<void>,
  ): Promise<string> {
    // Two shared blocks: the SHA-256 thread hashes one while the other is read and chunked.
    const hashed: (Promise<void> | undefined)[] = [undefined, undefined];
    if (!vouchedAs) this.sha256.start();
    let position = 0;
    for (let i = 0; ; i ^= 1) {
      this.args.signal?.throwIfAborted();
      await hashed[i];
      const block = this.sha256.blocks[i]!;
      const bytesRead = await readSome(fh, block, 0, block.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      if (position > object.size) break;
      const view = block.subarray(0, bytesRead);
      if (!vouchedAs) {
        const done = this.sha256.update(i, bytesRead);
        // Awaited before the block is read into again (or below); a failure must not go unhandled meanwhile.
        done.catch(() => undefined);
        hashed[i] = done;
      }
      await feed(view);
    }
    await Promise.all(hashed);
    if (position !== object.size) throw changedOnDisk(object.path);
    if (vouchedAs) {
      // Written to while it was read: what was chunked may not be what was hashed.
      if (!sameFile(vouchedAs, await fh.stat())) throw changedOnDisk(object.path);
      return object.sha256;
    }
    this.result.sha256Bytes += object.size;
    return this.sha256.digest();
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
