import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { RangeHasher } from '../hash-worker';
import type { RequestContext } from '../http-helpers';
import { HubError, bodyChunks, drainBody, readBody, sendJson, writeHead } from '../http-helpers';
import type { HubStore } from '../store';
import type { RequestKind } from '../types';
import {
  ChunkStreamParser,
  chunkHeaderBytes,
  XetFormatError,
  chunkHash,
  fileHashOf,
  hexHashPattern,
  maxXorbBytes,
  maxXorbChunks,
  verificationHashOf,
  xorbHashOf,
} from './format';
import type { StoredChunk } from './format';
import { parseShard, writeDedupShard } from './shard';
import type { ParsedShard, ShardXorb } from './shard';
import { XetTokens } from './tokens';
import type { XetGrant, XetScope } from './tokens';
import { migrateLfsObject } from './migrate';
import { XetStore } from './xet-store';
import type { FileRecord, FileTerm } from './xet-store';

/**
 * The Xet side of the local Hub: the token endpoints, the LFS batch's `xet` transfer, and a CAS under
 * `/xet-cas/` on the same server, following hub-docs `docs/xet/` (api.md, auth.md, upload-protocol.md,
 * download-protocol.md) and what `@huggingface/hub` 2.17.5 and `hf_xet` 1.6.0 actually send.
 */

export const casPathPrefix = 'xet-cas';
/** api.md names `default` for xorbs and `default-merkledb` for dedup; the JS and Rust clients send `default` everywhere. */
const acceptedPrefixes = new Set(['default', 'default-merkledb']);
/** A serialized xorb is at most 64 MiB of chunks; its optional footer lists hashes and offsets of up to a few thousand chunks. */
const maxXorbBodyBytes = maxXorbBytes + 2 * 1024 * 1024;
const maxShardBytes = 64 * 1024 * 1024;
/** Xorbs in one global dedup answer: 64 of up to 64 MiB each cover a 4 GiB file; the answer stays ~3 MiB at most. */
const dedupAnswerXorbs = 64;
const dataUrlLifetimeSeconds = 3600;
/** Xorbs are read back in blocks of this size. */
const readBlockBytes = 4 * 1024 * 1024;
const xetFileInfoType = 'application/vnd.xet-fileinfo+json';

export interface RepoAddress {
  type: 'model' | 'dataset' | 'space';
  namespace: string;
  name: string;
}

/** What the CAS needs from the Hub: the same access rules as every other endpoint, and revisions. */
export interface HubAccess {
  /** Throws the Hub's 401/404 when the caller may not read the repo. */
  readable(ctx: RequestContext, address: RepoAddress): Promise<unknown>;
  /** Throws the Hub's 401/403 when the caller may not write to it (as for LFS: write token, own namespace or org). */
  writable(ctx: RequestContext, address: RepoAddress): Promise<unknown>;
  /** Throws 404 RevisionNotFound when the revision does not exist. */
  resolveRevision(ctx: RequestContext, address: RepoAddress, revision: string): Promise<string>;
}

export interface CasRoute {
  kind: RequestKind;
  /** CAS requests carry a CAS token (or a signed URL), never a Hub token: the Hub's token check does not apply. */
  signedUrl: true;
  handle: (ctx: RequestContext) => Promise<void>;
}

function apiRepoPath(address: RepoAddress): string {
  return `/api/${address.type}s/${encodeURIComponent(address.namespace)}/${encodeURIComponent(address.name)}`;
}

function parseSingleRange(
  header: string | undefined,
): { start: number; end?: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return 'invalid';
  return { start: Number(match[1]), end: match[2] ? Number(match[2]) : undefined };
}

async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  if (buffers.length === 0) return;
  const total = buffers.reduce((sum, b) => sum + b.length, 0);
  const { bytesWritten } = await handle.writev(buffers);
  // Short writes are rare on regular files; finish the rest the simple way.
  if (bytesWritten < total) await handle.write(Buffer.concat(buffers).subarray(bytesWritten));
}

export class XetCas {
  private readonly tokens: XetTokens;
  /** LFS objects waiting for their Xet form, one at a time; `close()` waits for them. */
  private migrations: Promise<void> = Promise.resolve();
  private readonly queued = new Set<string>();
  /** The SHA-256 of files rebuilt from their xorbs, on its own thread: see `materialize`. */
  private readonly hasher = new RangeHasher();

  private constructor(
    private readonly hub: HubStore,
    private readonly store: XetStore,
    private readonly access: HubAccess,
    private readonly tokenLifetimeSeconds: number,
  ) {
    this.tokens = new XetTokens(hub.secret);
    // A file uploaded through Xet is the LFS object of its SHA-256 too, read from its xorbs.
    hub.lfsElsewhere = {
      size: async (sha256) => {
        const fileHash = store.xetHashOf(sha256);
        return fileHash ? (await store.fileRecord(fileHash))?.size : undefined;
      },
      read: (sha256, start, end) => this.readLfsObject(sha256, start, end),
    };
  }

  private async *readLfsObject(sha256: string, start: number, end: number): AsyncGenerator<Buffer> {
    const fileHash = this.store.xetHashOf(sha256);
    const record = fileHash ? await this.store.fileRecord(fileHash) : undefined;
    if (!record) throw new HubError(404, `LFS object ${sha256} is not stored`);
    yield* this.readFileBytes(record, start, end);
  }

  static async open(
    hub: HubStore,
    access: HubAccess,
    options: { tokenLifetimeSeconds?: number } = {},
  ): Promise<XetCas> {
    return new XetCas(hub, await XetStore.open(hub.dataDir), access, options.tokenLifetimeSeconds ?? 3600);
  }

  casUrl(ctx: RequestContext): string {
    return `${ctx.base}/${casPathPrefix}`;
  }

  /**
   * After a commit references an LFS object the CAS does not hold (it came through classic LFS), its Xet form is
   * built in the background, as the Hub migrates such files: until then Xet clients read it as plain bytes, after
   * that through the CAS, and Xet uploads of a changed version dedup against it.
   */
  migrateLater(sha256: string): void {
    if (this.store.xetHashOf(sha256) || this.queued.has(sha256)) return;
    this.queued.add(sha256);
    this.migrations = this.migrations
      .then(() => migrateLfsObject(this.hub, this.store, sha256))
      .catch((error: unknown) => {
        // A failed migration leaves the file LFS-only, which every client still reads.
        this.migrationErrors.push(`${sha256}: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => this.queued.delete(sha256));
  }

  readonly migrationErrors: string[] = [];

  async close(): Promise<void> {
    await this.migrations;
    await this.hasher.close();
  }

  /** The Xet file hash of an LFS object whose content the CAS holds (tree and paths-info `xetHash`). */
  xetHashOf(sha256: string): string | undefined {
    return this.store.xetHashOf(sha256);
  }

  // ---------- Hub side ----------

  private issue(ctx: RequestContext, address: RepoAddress, revision: string, scope: XetScope) {
    const exp = Math.floor(Date.now() / 1000) + this.tokenLifetimeSeconds;
    const grant: XetGrant = {
      repo: `${address.type}:${address.namespace}/${address.name}`,
      revision,
      scope,
      user: ctx.user?.name ?? '',
      exp,
    };
    return { accessToken: this.tokens.issue(grant), exp, casUrl: this.casUrl(ctx) };
  }

  /**
   * `GET /api/{type}s/{repo}/xet-{read|write}-token/{rev}` (auth.md). The JS client reads the JSON body;
   * huggingface_hub reads the same values from the `X-Xet-*` headers, so both are sent.
   */
  async handleToken(
    ctx: RequestContext,
    address: RepoAddress,
    revision: string,
    scope: XetScope,
  ): Promise<void> {
    if (scope === 'write') await this.access.writable(ctx, address);
    else await this.access.readable(ctx, address);
    const createPr = ['1', 'true'].includes((ctx.url.searchParams.get('create_pr') ?? '').toLowerCase());
    // huggingface_hub sends `None` as the revision when it will open a PR and cannot know the ref yet.
    if (!(createPr || revision === 'None'))
      await this.access.resolveRevision(ctx, address, revision || 'main');
    const token = this.issue(ctx, address, revision, scope);
    sendJson(ctx, 200, token, {
      'X-Xet-Cas-Url': token.casUrl,
      'X-Xet-Access-Token': token.accessToken,
      'X-Xet-Token-Expiration': String(token.exp),
    });
  }

  /**
   * The LFS batch answer when the client offers `xet`: objects the Hub lacks get an upload action whose `href` is
   * the token refresh URL and whose headers carry the CAS URL and a write token, as `@huggingface/hub` reads them.
   */
  async batchAnswer(
    ctx: RequestContext,
    address: RepoAddress,
    branch: string | undefined,
    objects: { oid: unknown; size: unknown }[],
  ) {
    const revision = branch?.replace(/^refs\/heads\//, '') || 'main';
    const token = this.issue(ctx, address, revision, 'write');
    const header = {
      'X-Xet-Cas-Url': token.casUrl,
      'X-Xet-Access-Token': token.accessToken,
      'X-Xet-Token-Expiration': String(token.exp),
      'X-Xet-Session-Id': randomUUID(),
    };
    const href = `${ctx.base}${apiRepoPath(address)}/xet-write-token/${encodeURIComponent(revision)}`;
    const described = await Promise.all(
      objects.map(async ({ oid, size }) => {
        if (typeof oid !== 'string' || !/^[0-9a-f]{64}$/.test(oid))
          return { oid, size, error: { code: 422, message: 'oid must be a lowercase hex SHA-256' } };
        if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
          return { oid, size, error: { code: 422, message: 'size must be a non-negative integer' } };
        }
        if ((await this.hub.lfsObjectSize(oid)) === size) return { oid, size };
        return {
          oid,
          size,
          authenticated: true,
          actions: { upload: { href, header, expires_in: this.tokenLifetimeSeconds } },
        };
      }),
    );
    return { transfer: 'xet', objects: described, hash_algo: 'sha256' };
  }

  /**
   * Headers `resolve` adds for a file the CAS holds: `X-Xet-Hash` and the `Link`s to a read token and to the
   * reconstruction, which huggingface_hub reads on its HEAD and `@huggingface/hub` on its `Range: bytes=0-0` GET.
   */
  fileHeaders(
    ctx: RequestContext,
    address: RepoAddress,
    commitId: string,
    sha256: string,
  ): Record<string, string> | undefined {
    const fileHash = this.store.xetHashOf(sha256);
    if (!fileHash) return undefined;
    const refresh = `${ctx.base}${apiRepoPath(address)}/xet-read-token/${commitId}`;
    return {
      'X-Xet-Hash': fileHash,
      'X-Xet-Refresh-Route': refresh,
      Link: `<${refresh}>; rel="xet-auth", <${this.casUrl(ctx)}/v1/reconstructions/${fileHash}>; rel="xet-reconstruction-info"`,
    };
  }

  /** `@huggingface/hub` asks for `application/vnd.xet-fileinfo+json` and then downloads through the CAS itself. */
  wantsFileInfo(ctx: RequestContext): boolean {
    return (ctx.req.headers.accept ?? '').includes(xetFileInfoType);
  }

  sendFileInfo(
    ctx: RequestContext,
    headers: Record<string, string | number>,
    info: { size: number; sha256: string; xetHash: string },
  ): void {
    const text = JSON.stringify({ hash: info.xetHash, size: info.size, sha256: info.sha256 });
    writeHead(ctx, 200, {
      ...headers,
      'Content-Type': xetFileInfoType,
      'Content-Length': Buffer.byteLength(text),
    });
    ctx.res.end(ctx.req.method === 'HEAD' ? undefined : text);
  }

  // ---------- CAS routes ----------

  route(method: string, segments: string[]): CasRoute | undefined {
    const [version, resource, third, fourth] = segments;
    const route = (kind: RequestKind, handle: (ctx: RequestContext) => Promise<void>): CasRoute => ({
      kind,
      signedUrl: true,
      handle,
    });
    if (version === 'xorb-data' && resource && method === 'GET')
      return route('xet-data', (ctx) => this.handleXorbData(ctx, resource));
    if (version === 'v1' && resource === 'xorbs' && third && fourth && segments.length === 4) {
      if (method === 'POST') return route('xet-xorb', (ctx) => this.handleXorbUpload(ctx, third, fourth));
      if (method === 'HEAD') return route('xet-xorb', (ctx) => this.handleXorbHead(ctx, third, fourth));
    }
    if (
      (version === 'v1' || version === 'v2') &&
      resource === 'shards' &&
      segments.length === 2 &&
      method === 'POST'
    ) {
      return route('xet-shard', (ctx) => this.handleShard(ctx, version));
    }
    if (
      version === 'v1' &&
      resource === 'chunks' &&
      third &&
      fourth &&
      segments.length === 4 &&
      method === 'GET'
    ) {
      return route('xet-dedup', (ctx) => this.handleDedup(ctx, third, fourth));
    }
    if ((version === 'v1' || version === 'v2') && resource === 'reconstructions') {
      if (third && segments.length === 3 && method === 'GET')
        return route('xet-reconstruction', (ctx) => this.handleReconstruction(ctx, third, version));
      if (segments.length === 2 && version === 'v1' && (method === 'POST' || method === 'GET')) {
        return route('xet-reconstruction', (ctx) => this.handleBatchReconstruction(ctx));
      }
    }
    if (version === 'v1' && resource === 'files' && third && segments.length === 3 && method === 'HEAD') {
      return route('xet-file', (ctx) => this.handleFileHead(ctx, third));
    }
    // `/v2/file-chunk-hashes` (range edits) is not served: @huggingface/hub then re-chunks the whole file (api.md §9).
    return undefined;
  }

  /** 401 for a missing, forged or expired token (the clients refresh on 401), 403 for a read token on a write call. */
  private authorize(ctx: RequestContext, scope: XetScope): XetGrant {
    const checked = this.tokens.check(ctx.req.headers.authorization);
    if (!checked.ok) throw new HubError(checked.status, checked.message);
    if (scope === 'write' && checked.grant.scope !== 'write') {
      throw new HubError(403, 'This Xet token is read-only: uploads need a token from xet-write-token');
    }
    ctx.user = undefined;
    return checked.grant;
  }

  private static checkKey(prefix: string, hash: string): void {
    if (!acceptedPrefixes.has(prefix)) throw new HubError(400, `Unknown prefix "${prefix}": use "default"`);
    if (!hexHashPattern.test(hash))
      throw new HubError(400, `"${hash}" is not a 64-character lowercase hex hash`);
  }

  private async handleXorbHead(ctx: RequestContext, prefix: string, hash: string): Promise<void> {
    this.authorize(ctx, 'read');
    XetCas.checkKey(prefix, hash);
    const index = await this.store.xorbIndex(hash);
    if (!index) throw new HubError(404, `Xorb ${hash} does not exist`);
    writeHead(ctx, 200, { 'Content-Length': index.size });
    ctx.res.end();
  }

  /**
   * Streams the xorb to a temp file while decoding it chunk by chunk (bounded memory), recomputes every chunk hash
   * and the xorb's merkle hash, and keeps it only when that hash is the one in the path.
   */
  private async handleXorbUpload(ctx: RequestContext, prefix: string, hash: string): Promise<void> {
    this.authorize(ctx, 'write');
    XetCas.checkKey(prefix, hash);
    if (await this.store.xorbIndex(hash)) {
      await drainBody(ctx);
      return sendJson(ctx, 200, { was_inserted: false });
    }
    const temporary = this.hub.temporaryPath(`xorb-${hash.slice(0, 12)}`);
    const chunks: StoredChunk[] = [];
    let adopted = false;
    let handle: FileHandle | undefined;
    try {
      handle = await open(temporary, 'w');
      const parser = new ChunkStreamParser(0, ({ start, end, scheme, raw }) => {
        chunks.push({ hash: chunkHash(raw), length: raw.length, start, end, scheme });
      });
      let received = 0;
      let batch: Buffer[] = [];
      let batchBytes = 0;
      for await (const data of bodyChunks(ctx)) {
        received += data.length;
        if (received > maxXorbBodyBytes)
          throw new HubError(400, `A xorb may be at most 64 MiB serialized; this one is larger`);
        parser.push(data);
        batch.push(data);
        batchBytes += data.length;
        // ~2 MiB vectored writes: far fewer system calls than one per 64 KiB body piece.
        if (batchBytes >= 2 * 1024 * 1024) {
          await writeAll(handle, batch);
          batch = [];
          batchBytes = 0;
        }
      }
      await writeAll(handle, batch);
      parser.finish();
      await handle.close();
      handle = undefined;
      if (chunks.length === 0) throw new HubError(400, 'The xorb has no chunks');
      const dataEnd = chunks[chunks.length - 1]!.end;
      const unpacked = chunks.reduce((sum, c) => sum + c.length, 0);
      if (unpacked > maxXorbBytes || dataEnd > maxXorbBytes + chunks.length * chunkHeaderBytes)
        throw new HubError(
          400,
          `The xorb holds ${unpacked} bytes of chunks in ${dataEnd} serialized; at most 64 MiB of chunks (plus their headers) are allowed`,
        );
      if (chunks.length > maxXorbChunks)
        throw new HubError(400, `The xorb holds ${chunks.length} chunks; at most ${maxXorbChunks} are allowed`);
      const actual = xorbHashOf(chunks);
      if (actual !== hash)
        throw new HubError(400, `The xorb's chunks hash to ${actual}, not ${hash}: xorb rejected`);
      await this.store.adoptXorb(temporary, hash, { size: received, chunks });
      adopted = true;
      sendJson(ctx, 200, { was_inserted: true });
    } catch (error) {
      if (error instanceof XetFormatError)
        throw new HubError(400, `The xorb is not correctly serialized: ${error.message}`);
      throw error;
    } finally {
      await handle?.close();
      if (!adopted) await rm(temporary, { force: true });
    }
  }

  /**
   * Checks a shard before it registers anything: every xorb it lists or references exists and matches, every
   * term's length and verification hash match the stored chunks, every file hash follows from its chunks, and the
   * SHA-256 of the reconstructed content is the one the shard gives (which is what commits will reference).
   */
  private async verifyShard(
    shard: ParsedShard,
    progress: (verified: number, total: number) => void,
  ): Promise<number> {
    for (const listed of shard.xorbs) {
      const index = await this.store.xorbIndex(listed.hash);
      if (!index)
        throw new HubError(
          400,
          `The shard lists xorb ${listed.hash}, which was never uploaded: upload the xorb first`,
        );
      const same =
        index.chunks.length === listed.chunks.length &&
        listed.chunks.every(
          (c, i) => c.hash === index.chunks[i]!.hash && c.length === index.chunks[i]!.length,
        );
      if (!same)
        throw new HubError(
          400,
          `The shard's chunk list for xorb ${listed.hash} does not match the uploaded xorb`,
        );
    }
    let registered = 0;
    const total = shard.files.length;
    for (const [position, file] of shard.files.entries()) {
      progress(position, total);
      if (!file.sha256)
        throw new HubError(
          400,
          `File ${file.fileHash} has no SHA-256 metadata extension, which git repos require`,
        );
      const fileChunks: { hash: string; length: number }[] = [];
      const terms: FileTerm[] = [];
      for (const term of file.terms) {
        const index = await this.store.xorbIndex(term.xorb);
        if (!index)
          throw new HubError(
            400,
            `File ${file.fileHash} references xorb ${term.xorb}, which was never uploaded`,
          );
        if (!(term.chunkStart < term.chunkEnd && term.chunkEnd <= index.chunks.length)) {
          throw new HubError(
            400,
            `File ${file.fileHash} asks for chunks ${term.chunkStart}-${term.chunkEnd} of xorb ${term.xorb}, which has ${index.chunks.length}`,
          );
        }
        const termChunks = index.chunks.slice(term.chunkStart, term.chunkEnd);
        const unpacked = termChunks.reduce((sum, c) => sum + c.length, 0);
        if (unpacked !== term.unpackedBytes) {
          throw new HubError(
            400,
            `A term of file ${file.fileHash} says ${term.unpackedBytes} bytes; its chunks hold ${unpacked}`,
          );
        }
        if (term.verification === undefined)
          throw new HubError(400, `File ${file.fileHash} has no verification entries, which uploads require`);
        if (term.verification !== verificationHashOf(termChunks.map((c) => c.hash))) {
          throw new HubError(
            400,
            `The verification hash of a term of file ${file.fileHash} does not match xorb ${term.xorb}`,
          );
        }
        fileChunks.push(...termChunks);
        terms.push({
          xorb: term.xorb,
          chunkStart: term.chunkStart,
          chunkEnd: term.chunkEnd,
          unpackedBytes: unpacked,
        });
      }
      const expectedHash = fileHashOf(fileChunks);
      if (expectedHash !== file.fileHash)
        throw new HubError(
          400,
          `The file's chunks hash to ${expectedHash}, not ${file.fileHash}: shard rejected`,
        );
      const stored = await this.store.fileRecord(file.fileHash);
      if (stored) {
        // The same chunks are the same bytes: a shard giving them another SHA-256 is wrong about this file.
        if (stored.sha256 !== file.sha256)
          throw new HubError(
            400,
            `File ${file.fileHash} is stored with SHA-256 ${stored.sha256}; the shard says ${file.sha256}: shard rejected`,
          );
        continue;
      }
      const size = fileChunks.reduce((sum, c) => sum + c.length, 0);
      await this.materialize({ fileHash: file.fileHash, size, sha256: file.sha256, terms });
      registered += 1;
    }
    progress(total, total);
    return registered;
  }

  /**
   * Bytes `start` to `end` (exclusive) of a stored xorb, read into `block` again and again: each piece is valid until
   * the next one is asked for. (A read stream allocates a fresh buffer per read; for the gigabytes a shard check
   * reads, faulting those pages in cost more system time than the reads.)
   */
  private async *xorbBytes(xorb: string, start: number, end: number, block: Buffer): AsyncGenerator<Buffer> {
    const handle = await open(this.store.xorbPath(xorb), 'r');
    try {
      for (let at = start; at < end;) {
        const { bytesRead } = await handle.read(block, 0, Math.min(block.length, end - at), at);
        if (bytesRead === 0) throw new Error(`Xorb ${xorb} ends at byte ${at}; its index says ${end}`);
        at += bytesRead;
        yield block.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  /**
   * Checks that the file rebuilt from its xorbs has the SHA-256 the shard gives, then registers it. Its bytes are not
   * copied anywhere: the Hub serves the LFS object of that SHA-256 from the xorbs (`readFileBytes`), so commits,
   * `resolve` for LFS clients and the LFS batch's "already stored" work unchanged. (Writing that copy cost the
   * server more system time than everything else in a Xet upload.)
   *
   * The hash runs on the hashing thread, which reads uncompressed chunks (what trained weights are) straight from
   * the xorb files; only compressed chunks are read and decoded here. A client registering one file while it sends
   * the next one's xorbs so does not find the event loop busy hashing for a second.
   */
  private async materialize(record: FileRecord): Promise<void> {
    const id = `materialize-${randomUUID()}`;
    let actual: string;
    try {
      const block = Buffer.allocUnsafe(readBlockBytes);
      for (const term of record.terms) {
        const index = (await this.store.xorbIndex(term.xorb))!;
        const chunks = index.chunks.slice(term.chunkStart, term.chunkEnd);
        // Runs of raw chunks go to the thread as byte ranges; each run of others is read and decoded in one go.
        for (let from = 0; from < chunks.length; ) {
          const uncompressed = chunks[from]!.scheme === 0;
          let to = from + 1;
          while (to < chunks.length && (chunks[to]!.scheme === 0) === uncompressed) to++;
          const run = chunks.slice(from, to);
          from = to;
          if (uncompressed) {
            const ranges = run.flatMap((c) => [c.start + chunkHeaderBytes, c.end]);
            this.hasher.addRanges(id, this.store.xorbPath(term.xorb), ranges);
            continue;
          }
          const parser = new ChunkStreamParser(run[0]!.start, ({ raw }) => this.hasher.addBytes(id, raw));
          for await (const data of this.xorbBytes(term.xorb, run[0]!.start, run.at(-1)!.end, block)) parser.push(data);
          parser.finish();
        }
      }
      actual = await this.hasher.digest(id);
    } finally {
      this.hasher.drop(id);
    }
    if (actual !== record.sha256) {
      throw new HubError(
        400,
        `The content of file ${record.fileHash} has SHA-256 ${actual}, the shard says ${record.sha256}: shard rejected`,
      );
    }
    await this.store.saveFileRecord(record);
  }

  /** Bytes `start` to `end` (inclusive) of a registered file, decoding only the chunks that hold them (`plan`). */
  private async *readFileBytes(record: FileRecord, start: number, end: number): AsyncGenerator<Buffer> {
    const block = Buffer.allocUnsafe(readBlockBytes);
    const { terms, offsetIntoFirst } = await this.plan(record, start, end);
    let skip = offsetIntoFirst;
    let left = end - start + 1;
    for (const term of terms) {
      const index = (await this.store.xorbIndex(term.hash))!;
      const ready: Buffer[] = [];
      const parser = new ChunkStreamParser(index.chunks[term.range.start]!.start, ({ raw }) => {
        const from = Math.min(skip, raw.length);
        const to = Math.min(raw.length, from + left);
        skip -= from;
        left -= to - from;
        // A copy: the read block and the parser's staging buffer are reused.
        if (to > from) ready.push(Buffer.from(raw.subarray(from, to)));
      });
      const bytes = this.xorbBytes(term.hash, index.chunks[term.range.start]!.start, index.chunks[term.range.end - 1]!.end, block);
      for await (const data of bytes) {
        parser.push(data);
        yield* ready.splice(0);
      }
      parser.finish();
    }
  }

  private async handleShard(ctx: RequestContext, version: 'v1' | 'v2'): Promise<void> {
    this.authorize(ctx, 'write');
    const body = await readBody(ctx, maxShardBytes);
    if (version === 'v1') {
      let shard: ParsedShard;
      try {
        shard = parseShard(body);
      } catch (error) {
        if (error instanceof XetFormatError)
          throw new HubError(400, `The shard is not correctly serialized: ${error.message}`);
        throw error;
      }
      const registered = await this.verifyShard(shard, () => undefined);
      return sendJson(ctx, 200, { result: registered > 0 || shard.files.length === 0 ? 1 : 0 });
    }
    // api.md, "Streaming Shard Upload": 200 at once, NDJSON events, and the outcome in the last one.
    writeHead(ctx, 200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache' });
    const event = (value: Record<string, unknown>) => ctx.res.write(`${JSON.stringify(value)}\n`);
    try {
      const shard = parseShard(body);
      const registered = await this.verifyShard(shard, (verified, total) =>
        event({ type: 'validating', verified, total }),
      );
      event({ type: 'committing', stage: 'uploading' });
      event({ type: 'committing', stage: 'syncing' });
      event({ type: 'result', result: registered > 0 || shard.files.length === 0 ? 1 : 0 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      event({
        type: 'error',
        message:
          error instanceof XetFormatError ? `The shard is not correctly serialized: ${message}` : message,
        retryable: false,
      });
    }
    ctx.res.end();
  }

  private async xorbForDedup(hash: string): Promise<ShardXorb | undefined> {
    const index = await this.store.xorbIndex(hash);
    if (!index) return undefined;
    let offset = 0;
    const chunks = index.chunks.map((c) => {
      const entry = { hash: c.hash, byteStart: offset, length: c.length };
      offset += c.length;
      return entry;
    });
    return { hash, chunks, rawBytes: offset, bytesOnDisk: index.chunks[index.chunks.length - 1]!.end };
  }

  /**
   * Global dedup (api.md §2): a shard with the CAS info of the xorb holding the chunk, and of the other xorbs of
   * the files registered with it (see `XetStore.xorbsNear`), or 404.
   */
  private async handleDedup(ctx: RequestContext, prefix: string, hash: string): Promise<void> {
    this.authorize(ctx, 'read');
    XetCas.checkKey(prefix, hash);
    const xorbHash = this.store.xorbHolding(hash);
    const xorbs: ShardXorb[] = [];
    for (const near of xorbHash ? await this.store.xorbsNear(xorbHash, dedupAnswerXorbs) : []) {
      const xorb = await this.xorbForDedup(near);
      if (xorb) xorbs.push(xorb);
    }
    if (xorbs.length === 0) throw new HubError(404, `Chunk ${hash} is not known to global deduplication`);
    const shard = writeDedupShard(xorbs, Math.floor(Date.now() / 1000) + 7 * 24 * 3600, randomBytes(32));
    writeHead(ctx, 200, { 'Content-Type': 'application/octet-stream', 'Content-Length': shard.length });
    ctx.res.end(shard);
  }

  private async fileOrThrow(fileHash: string): Promise<FileRecord> {
    if (!hexHashPattern.test(fileHash))
      throw new HubError(400, `"${fileHash}" is not a 64-character lowercase hex file hash`);
    const record = await this.store.fileRecord(fileHash);
    if (!record) throw new HubError(404, `File ${fileHash} does not exist`);
    return record;
  }

  private async handleFileHead(ctx: RequestContext, fileHash: string): Promise<void> {
    this.authorize(ctx, 'read');
    const record = await this.fileOrThrow(fileHash);
    writeHead(ctx, 200, { 'Content-Length': record.size });
    ctx.res.end();
  }

  private signData(xorb: string, start: number, end: number, exp: number): string {
    return createHmac('sha256', this.hub.secret)
      .update(`xorb-data\n${xorb}\n${start}\n${end}\n${exp}`)
      .digest('hex')
      .slice(0, 40);
  }

  /** A self-authorizing URL for bytes [start, end] of a xorb, like the Hub's signed CDN URLs (`X-Xet-Signed-Range`). */
  private dataUrl(ctx: RequestContext, xorb: string, start: number, end: number): string {
    const exp = Math.floor(Date.now() / 1000) + dataUrlLifetimeSeconds;
    const range = encodeURIComponent(`bytes=${start}-${end}`);
    return `${this.casUrl(ctx)}/xorb-data/${xorb}?X-Xet-Signed-Range=${range}&Expires=${exp}&Signature=${this.signData(xorb, start, end, exp)}`;
  }

  /**
   * Which chunks of which xorbs make up bytes [start, end] of the file: terms trimmed to whole chunks, the skip into
   * the first one, and for each xorb the one contiguous chunk span to fetch.
   */
  private async plan(record: FileRecord, start: number, end: number) {
    const terms: { hash: string; unpacked_length: number; range: { start: number; end: number } }[] = [];
    const spans = new Map<string, { chunkStart: number; chunkEnd: number }>();
    let offsetIntoFirst = 0;
    let position = 0;
    for (const term of record.terms) {
      const index = (await this.store.xorbIndex(term.xorb))!;
      let first = -1;
      let last = -1;
      let unpacked = 0;
      for (let i = term.chunkStart; i < term.chunkEnd; i++) {
        const length = index.chunks[i]!.length;
        const chunkFrom = position;
        position += length;
        if (position <= start || chunkFrom > end) continue;
        if (first === -1) {
          first = i;
          if (terms.length === 0) offsetIntoFirst = start - chunkFrom;
        }
        last = i;
        unpacked += length;
      }
      if (first === -1) continue;
      terms.push({ hash: term.xorb, unpacked_length: unpacked, range: { start: first, end: last + 1 } });
      const span = spans.get(term.xorb);
      spans.set(
        term.xorb,
        span
          ? { chunkStart: Math.min(span.chunkStart, first), chunkEnd: Math.max(span.chunkEnd, last + 1) }
          : { chunkStart: first, chunkEnd: last + 1 },
      );
    }
    return { terms, spans, offsetIntoFirst };
  }

  private async byteSpan(xorb: string, span: { chunkStart: number; chunkEnd: number }) {
    const index = (await this.store.xorbIndex(xorb))!;
    return { start: index.chunks[span.chunkStart]!.start, end: index.chunks[span.chunkEnd - 1]!.end - 1 };
  }

  private async v1FetchInfo(
    ctx: RequestContext,
    spans: Map<string, { chunkStart: number; chunkEnd: number }>,
  ) {
    const fetchInfo: Record<
      string,
      { range: { start: number; end: number }; url: string; url_range: { start: number; end: number } }[]
    > = {};
    for (const [xorb, span] of spans) {
      const bytes = await this.byteSpan(xorb, span);
      fetchInfo[xorb] = [
        {
          range: { start: span.chunkStart, end: span.chunkEnd },
          url: this.dataUrl(ctx, xorb, bytes.start, bytes.end),
          url_range: bytes,
        },
      ];
    }
    return fetchInfo;
  }

  /** `GET /v1|v2/reconstructions/{file}` with an optional `Range` (api.md §1, §10; download-protocol.md). */
  private async handleReconstruction(
    ctx: RequestContext,
    fileHash: string,
    version: 'v1' | 'v2',
  ): Promise<void> {
    this.authorize(ctx, 'read');
    const record = await this.fileOrThrow(fileHash);
    const range = parseSingleRange(ctx.req.headers.range);
    if (range === 'invalid')
      throw new HubError(416, `Range "${ctx.req.headers.range}" is not bytes=START-END`);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? record.size - 1, record.size - 1);
    if (range && (start >= record.size || end < start)) {
      throw new HubError(416, `Range ${ctx.req.headers.range} starts beyond the ${record.size}-byte file`);
    }
    const { terms, spans, offsetIntoFirst } = await this.plan(record, start, end);
    if (version === 'v1') {
      return sendJson(ctx, 200, {
        offset_into_first_range: offsetIntoFirst,
        terms,
        fetch_info: await this.v1FetchInfo(ctx, spans),
      });
    }
    const xorbs: Record<
      string,
      {
        url: string;
        ranges: { chunks: { start: number; end: number }; bytes: { start: number; end: number } }[];
      }[]
    > = {};
    for (const [xorb, span] of spans) {
      const bytes = await this.byteSpan(xorb, span);
      // One range per xorb: a single-range fetch needs no multipart/byteranges answer.
      xorbs[xorb] = [
        {
          url: this.dataUrl(ctx, xorb, bytes.start, bytes.end),
          ranges: [{ chunks: { start: span.chunkStart, end: span.chunkEnd }, bytes }],
        },
      ];
    }
    sendJson(ctx, 200, { offset_into_first_range: offsetIntoFirst, terms, xorbs });
  }

  /** `POST /v1/reconstructions` (JSON keys) and `GET /v1/reconstructions?file_id=…` (the Rust client's batch form). */
  private async handleBatchReconstruction(ctx: RequestContext): Promise<void> {
    this.authorize(ctx, 'read');
    let ids: string[];
    if (ctx.req.method === 'GET') {
      ids = ctx.url.searchParams.getAll('file_id');
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse((await readBody(ctx, 4 * 1024 * 1024)).toString('utf8'));
      } catch {
        throw new HubError(400, 'Body must be a JSON array of {"prefix","hash"} keys');
      }
      if (!Array.isArray(parsed))
        throw new HubError(400, 'Body must be a JSON array of {"prefix","hash"} keys');
      ids = parsed.map((key: { hash?: unknown }) => String(key?.hash ?? ''));
    }
    const files: Record<string, unknown> = {};
    const spans = new Map<string, { chunkStart: number; chunkEnd: number }>();
    for (const id of new Set(ids)) {
      const record = await this.fileOrThrow(id);
      const planned = await this.plan(record, 0, record.size - 1);
      files[id] = planned.terms;
      for (const [xorb, span] of planned.spans) {
        const known = spans.get(xorb);
        spans.set(
          xorb,
          known
            ? {
                chunkStart: Math.min(known.chunkStart, span.chunkStart),
                chunkEnd: Math.max(known.chunkEnd, span.chunkEnd),
              }
            : span,
        );
      }
    }
    sendJson(ctx, 200, { files, fetch_info: await this.v1FetchInfo(ctx, spans) });
  }

  /** Serves xorb bytes from a signed URL; a `Range` outside the signed one is refused as the CDN refuses it. */
  private async handleXorbData(ctx: RequestContext, xorb: string): Promise<void> {
    const signed = /^bytes=(\d+)-(\d+)$/.exec(ctx.url.searchParams.get('X-Xet-Signed-Range') ?? '');
    const exp = Number(ctx.url.searchParams.get('Expires'));
    const given = Buffer.from(ctx.url.searchParams.get('Signature') ?? '');
    if (!signed || !hexHashPattern.test(xorb))
      throw new HubError(403, 'This xorb URL is not signed: get a new one from the reconstruction API');
    const signedStart = Number(signed[1]);
    const signedEnd = Number(signed[2]);
    const expected = Buffer.from(this.signData(xorb, signedStart, signedEnd, exp));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HubError(
        403,
        'This xorb URL signature is invalid: get a new one from the reconstruction API',
      );
    }
    if (!(exp * 1000 > Date.now()))
      throw new HubError(403, 'This xorb URL has expired: get a new one from the reconstruction API');
    const range = parseSingleRange(ctx.req.headers.range);
    if (range === 'invalid')
      throw new HubError(416, `Range "${ctx.req.headers.range}" is not a single bytes=START-END range`);
    const start = range?.start ?? signedStart;
    const end = range?.end ?? signedEnd;
    if (start < signedStart || end > signedEnd || end < start) {
      throw new HubError(
        403,
        `Range bytes=${start}-${end} is outside the signed range bytes=${signedStart}-${signedEnd}`,
      );
    }
    const total = await this.store.xorbSize(xorb);
    if (total === undefined) throw new HubError(404, `Xorb ${xorb} does not exist`);
    writeHead(ctx, 206, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': end - start + 1,
      'Content-Range': `bytes ${start}-${end}/${total}`,
      'Accept-Ranges': 'bytes',
    });
    await pipeline(
      createReadStream(this.store.xorbPath(xorb), { start, end, highWaterMark: 1024 * 1024 }),
      ctx.res,
    );
  }
}
