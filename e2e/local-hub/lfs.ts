import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { RequestContext } from './http-helpers';
import { HubError, readJson, resetConnection, sendJson, writeHead } from './http-helpers';
import { RangeHasher } from './hash-worker';
import { writeFully, type HubStore } from './store';

const signedUrlLifetimeSeconds = 24 * 3600;
const maxWritesInFlight = 3;
/**
 * Bytes gathered before a write, for one body as for many. Small batches keep the received chunks in the CPU
 * cache until they are written: five parallel parts at 2 MiB each cost ~25% more CPU per byte than at 512 KiB,
 * and a single body (a basic PUT, or a client sending one part at a time as huggingface_hub does), which used to
 * get 2 MiB batches, cost the write threads 0.5-0.9 CPU-s per GiB each in half the runs against 0.16-0.2 in
 * 512 KiB ones. Measured with bench/local-hub-upload.ts on a loaded 2-core machine.
 */
const writeBatchBytes = 512 * 1024;
/** Basic PUTs from this size are hashed in the worker thread (see put). */
const hashInWorkerFromBytes = 8 * 1024 * 1024;

interface MultipartUpload {
  oid: string;
  size: number;
  chunkSize: number;
  partCount: number;
  /** All parts are written at their offsets into this one file, so completion needs no copy. */
  path: string;
  finishedParts: Set<number>;
  /** Leading parts already handed to the hasher, in order. */
  hashedParts: number;
}

export interface LfsObjectRequest {
  oid: unknown;
  size: unknown;
}

/**
 * Upload side of the LFS batch API: basic PUTs and the Hub's multipart variant. Upload URLs carry an HMAC
 * signature instead of a token (clients send no Authorization there), and everything needed to check a part
 * is in its signed URL, so the URLs stay valid across a restart of the server.
 */
export class LfsTransfers {
  private readonly uploads = new Map<string, MultipartUpload>();
  private readonly hasher = new RangeHasher();

  constructor(
    private readonly store: HubStore,
    private readonly multipartThreshold: number,
    private readonly chunkSize: number,
  ) {}

  private sign(fields: (string | number)[]): string {
    return createHmac('sha256', this.store.secret).update(fields.join('\n')).digest('hex').slice(0, 40);
  }

  private checkSignature(ctx: RequestContext, fields: (string | number)[]): void {
    const expires = Number(ctx.url.searchParams.get('exp'));
    const given = Buffer.from(ctx.url.searchParams.get('sig') ?? '', 'utf8');
    const expected = Buffer.from(this.sign([...fields, expires]), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HubError(403, 'Upload URL signature is invalid: request a new one through the LFS batch API');
    }
    if (!(expires * 1000 > Date.now())) throw new HubError(403, 'Upload URL has expired: request a new one through the LFS batch API');
  }

  async describeObjects(base: string, objects: LfsObjectRequest[]): Promise<unknown[]> {
    const expires = Math.floor(Date.now() / 1000) + signedUrlLifetimeSeconds;
    return Promise.all(
      objects.map(async ({ oid, size }) => {
        if (typeof oid !== 'string' || !/^[0-9a-f]{64}$/.test(oid)) {
          return { oid, size, error: { code: 422, message: 'oid must be a lowercase hex SHA-256' } };
        }
        if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
          return { oid, size, error: { code: 422, message: 'size must be a non-negative integer' } };
        }
        const storedSize = await this.store.lfsObjectSize(oid);
        if (storedSize === size) return { oid, size };
        if (size < this.multipartThreshold) {
          const sig = this.sign(['put', oid, size, expires]);
          return {
            oid,
            size,
            authenticated: true,
            actions: { upload: { href: `${base}/_lfs/put/${oid}?size=${size}&exp=${expires}&sig=${sig}`, expires_in: signedUrlLifetimeSeconds } },
          };
        }
        const uploadId = randomBytes(12).toString('hex');
        const chunk = this.chunkSize;
        const query = `oid=${oid}&size=${size}&chunk=${chunk}&exp=${expires}&sig=${this.sign(['multipart', uploadId, oid, size, chunk, expires])}`;
        const header: Record<string, string> = { chunk_size: String(chunk) };
        const partCount = Math.ceil(size / chunk);
        for (let part = 1; part <= partCount; part++) {
          header[String(part).padStart(5, '0')] = `${base}/_lfs/part/${uploadId}/${part}?${query}`;
        }
        return {
          oid,
          size,
          authenticated: true,
          actions: { upload: { href: `${base}/_lfs/complete/${uploadId}?${query}`, header, expires_in: signedUrlLifetimeSeconds } },
        };
      }),
    );
  }

  async put(ctx: RequestContext, oid: string): Promise<void> {
    const size = Number(ctx.url.searchParams.get('size'));
    this.checkSignature(ctx, ['put', oid, size]);
    const temporary = this.store.temporaryPath(`put-${oid.slice(0, 12)}`);
    // A large body is hashed by the worker from the page cache, right behind the writes, so the event loop only
    // receives and writes (receiving plus SHA-256 on one thread was what bounded a large PUT). A small one is
    // hashed inline: a round trip to the worker costs more than its hash.
    const hashInWorker = size >= hashInWorkerFromBytes;
    const hash = hashInWorker ? undefined : createHash('sha256');
    const hashId = `put-${randomBytes(8).toString('hex')}`;
    let hashPending = hashInWorker;
    let adopted = false;
    try {
      const handle = await open(temporary, 'w');
      let received: number;
      try {
        received = await receiveIntoFile(ctx, handle, 0, size, hash, hashInWorker ? this.hashInOrder(hashId, temporary) : undefined);
      } finally {
        await handle.close();
      }
      if (received !== size) throw new HubError(400, `Expected ${size} bytes, received ${received}`);
      let actual: string;
      if (hash) {
        actual = hash.digest('hex');
      } else {
        hashPending = false;
        try {
          actual = await this.hasher.digest(hashId);
        } catch (error) {
          throw new HubError(500, `Could not read back the uploaded content: ${(error as Error).message}`);
        }
      }
      if (actual !== oid) throw new HubError(400, `SHA-256 of the uploaded content is ${actual}, not ${oid}: object rejected`);
      await this.store.adoptLfsObject(temporary, oid);
      adopted = true;
      writeHead(ctx, 200, { 'Content-Length': 0 });
      ctx.res.end();
    } finally {
      if (hashPending) this.hasher.drop(hashId);
      if (!adopted) await rm(temporary, { force: true });
    }
  }

  /** Passes written byte ranges of `path` to the hasher in file order (writes may finish out of order). */
  private hashInOrder(hashId: string, path: string): (start: number, end: number) => void {
    const finished = new Map<number, number>();
    let frontier = 0;
    return (start, end) => {
      finished.set(start, end);
      for (let next = finished.get(frontier); next !== undefined; next = finished.get(frontier)) {
        finished.delete(frontier);
        this.hasher.addRange(hashId, path, frontier, next);
        frontier = next;
      }
    };
  }

  private multipartFromUrl(ctx: RequestContext, uploadId: string): Omit<MultipartUpload, 'path' | 'finishedParts' | 'hashedParts'> {
    const oid = ctx.url.searchParams.get('oid') ?? '';
    const size = Number(ctx.url.searchParams.get('size'));
    const chunkSize = Number(ctx.url.searchParams.get('chunk'));
    this.checkSignature(ctx, ['multipart', uploadId, oid, size, chunkSize]);
    return { oid, size, chunkSize, partCount: Math.ceil(size / chunkSize) };
  }

  static partEtag(uploadId: string, part: number, length: number): string {
    return `"${createHash('sha1').update(`${uploadId}:${part}:${length}`).digest('hex')}"`;
  }

  async putPart(ctx: RequestContext, uploadId: string, part: number): Promise<void> {
    const described = this.multipartFromUrl(ctx, uploadId);
    if (!Number.isInteger(part) || part < 1 || part > described.partCount) {
      throw new HubError(400, `Part number must be between 1 and ${described.partCount}`);
    }
    let upload = this.uploads.get(uploadId);
    if (!upload) {
      upload = {
        ...described,
        path: this.store.temporaryPath(`multipart-${uploadId}`),
        finishedParts: new Set(),
        hashedParts: 0,
      };
      this.uploads.set(uploadId, upload);
    }
    const offset = (part - 1) * upload.chunkSize;
    const length = Math.min(upload.chunkSize, upload.size - offset);
    // No truncation: other parts of the same object are being written into this file at the same time.
    const handle = await open(upload.path, fsConstants.O_WRONLY | fsConstants.O_CREAT);
    let received: number;
    try {
      received = await receiveIntoFile(ctx, handle, offset, length);
    } finally {
      await handle.close();
    }
    if (received !== length) throw new HubError(400, `Part ${part} must be ${length} bytes, received ${received}`);
    upload.finishedParts.add(part);
    this.advanceHash(uploadId, upload);
    writeHead(ctx, 200, { ETag: LfsTransfers.partEtag(uploadId, part, length), 'Content-Length': 0 });
    ctx.res.end();
  }

  /** Hands finished parts to the hasher in file order while later parts still arrive, so completion has little left to do. */
  private advanceHash(uploadId: string, upload: MultipartUpload): void {
    while (upload.finishedParts.has(upload.hashedParts + 1)) {
      const start = upload.hashedParts * upload.chunkSize;
      const end = Math.min(start + upload.chunkSize, upload.size);
      this.hasher.addRange(uploadId, upload.path, start, end);
      upload.hashedParts += 1;
    }
  }

  async complete(ctx: RequestContext, uploadId: string): Promise<void> {
    const described = this.multipartFromUrl(ctx, uploadId);
    const body = await readJson(ctx, 16 * 1024 * 1024);
    if (body.oid !== described.oid) throw new HubError(400, `Completion is for ${String(body.oid)}, but this upload is ${described.oid}`);
    const parts = Array.isArray(body.parts) ? (body.parts as { partNumber?: unknown; etag?: unknown }[]) : [];
    if (parts.length !== described.partCount) throw new HubError(400, `Expected ${described.partCount} parts, completion lists ${parts.length}`);
    const upload = this.uploads.get(uploadId);
    if (!upload) {
      if ((await this.store.lfsObjectSize(described.oid)) === described.size) return sendJson(ctx, 200, { success: true });
      throw new HubError(400, 'No part of this upload was received: upload the parts before completing');
    }
    for (let index = 0; index < parts.length; index++) {
      const number = index + 1;
      const length = Math.min(upload.chunkSize, upload.size - index * upload.chunkSize);
      if (parts[index]?.partNumber !== number) throw new HubError(400, `Parts must be listed in order: entry ${number} is ${String(parts[index]?.partNumber)}`);
      if (!upload.finishedParts.has(number)) throw new HubError(400, `Part ${number} was not uploaded`);
      const unquote = (value: unknown) => String(value).replace(/^(W\/)?"|"$/g, '');
      if (unquote(parts[index]?.etag) !== unquote(LfsTransfers.partEtag(uploadId, number, length))) {
        throw new HubError(400, `ETag of part ${number} does not match the one returned by its upload`);
      }
    }
    this.advanceHash(uploadId, upload);
    if (upload.hashedParts !== upload.partCount) throw new HubError(500, 'Uploaded parts could not all be verified');
    this.uploads.delete(uploadId);
    let actual: string;
    try {
      actual = await this.hasher.digest(uploadId);
    } catch (error) {
      await rm(upload.path, { force: true });
      throw new HubError(500, `Could not read back the uploaded parts: ${(error as Error).message}`);
    }
    if (actual !== upload.oid) {
      await rm(upload.path, { force: true });
      throw new HubError(400, `SHA-256 of the uploaded content is ${actual}, not ${upload.oid}: object rejected`);
    }
    await this.store.adoptLfsObject(upload.path, upload.oid);
    sendJson(ctx, 200, { success: true });
  }

  async discardAll(): Promise<void> {
    const uploads = [...this.uploads.values()];
    this.uploads.clear();
    await this.hasher.close();
    await Promise.all(uploads.map((upload) => rm(upload.path, { force: true })));
  }
}

/**
 * Streams the body into `handle` from `position`, hashing on the way when given `hash`, and telling `onWritten`
 * each byte range once it is in the file. Chunks are gathered into vectored
 * writes of writeBatchBytes (no copy); up to three writes, at distinct offsets, may be on their way while the
 * next batch fills, and the socket is paused only beyond that, so memory per request stays under 10 MiB.
 */
function receiveIntoFile(
  ctx: RequestContext,
  handle: FileHandle,
  position: number,
  maxBytes: number,
  hash?: Hash,
  onWritten?: (start: number, end: number) => void,
): Promise<number> {
  const { req } = ctx;
  const resetAfter = ctx.fault.failure?.fault === 'reset' ? ctx.fault.failure.afterBytes : undefined;
  return new Promise<number>((resolve, reject) => {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let offset = position;
    let total = 0;
    let writesInFlight = 0;
    let ended = false;
    let settled = false;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', fail);
      req.off('close', onClose);
    };
    function fail(error: unknown) {
      if (settled) return;
      settled = true;
      cleanup();
      reject(error);
    }
    function finish() {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(total);
    }
    function startWrite() {
      const data = batch;
      const at = offset;
      const end = offset + batchBytes;
      offset = end;
      batch = [];
      batchBytes = 0;
      writesInFlight += 1;
      writeFully(handle, data, at).then(() => {
        writesInFlight -= 1;
        if (settled) return;
        onWritten?.(at, end);
        if (batchBytes >= writeBatchBytes || (ended && batchBytes > 0)) startWrite();
        if (ended) {
          if (writesInFlight === 0) finish();
        } else if (req.isPaused() && batchBytes < writeBatchBytes) {
          req.resume();
        }
      }, fail);
    }
    function onData(chunk: Buffer) {
      if (settled) return;
      total += chunk.length;
      if (resetAfter !== undefined && total > resetAfter) {
        try {
          resetConnection(ctx);
        } catch (error) {
          fail(error);
        }
        return;
      }
      if (total > maxBytes) return fail(new HubError(400, `Body is larger than the expected ${maxBytes} bytes`));
      hash?.update(chunk);
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= writeBatchBytes) {
        if (writesInFlight < maxWritesInFlight) startWrite();
        else req.pause();
      }
    }
    function onEnd() {
      ended = true;
      if (batchBytes > 0) startWrite();
      else if (writesInFlight === 0) finish();
    }
    function onClose() {
      if (!ended) fail(new Error('The client closed the connection before the body ended'));
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', fail);
    req.on('close', onClose);
  });
}
