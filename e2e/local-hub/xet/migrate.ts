import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { createChunker, finalize, hashToHex, nextBlock } from '@huggingface/xetchunk-wasm';
import type { HubStore } from '../store';
import { chunkHeaderBytes, fileHashOf, maxXorbBytes, maxXorbChunks, xorbHashOf } from './format';
import type { StoredChunk } from './format';
import type { FileTerm, XetStore } from './xet-store';


interface OpenXorb {
  path: string;
  handle: FileHandle;
  chunks: StoredChunk[];
  offset: number;
}

/**
 * Gives an LFS object its Xet form, as the Hub migrates files uploaded through LFS: content-defined chunks (the
 * same chunker `@huggingface/hub` uses, so a later Xet upload of a changed version finds the unchanged chunks
 * through global dedup), packed raw (scheme 0) into xorbs of at most 64 MiB, and a file reconstruction. Reads the
 * object once, with about 1 MiB in memory.
 */
export async function migrateLfsObject(hub: HubStore, store: XetStore, sha256: string): Promise<void> {
  if (store.xetHashOf(sha256)) return;
  const chunker = createChunker();
  const allChunks: { hash: string; length: number }[] = [];
  const terms: FileTerm[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let xorb: OpenXorb | undefined;

  const take = (length: number): Buffer => {
    const parts: Buffer[] = [];
    let needed = length;
    while (needed > 0) {
      const head = pending[0]!;
      if (head.length <= needed) {
        parts.push(head);
        pending.shift();
        needed -= head.length;
      } else {
        parts.push(head.subarray(0, needed));
        pending[0] = head.subarray(needed);
        needed = 0;
      }
    }
    pendingBytes -= length;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  };

  const closeXorb = async () => {
    if (!xorb) return;
    const done = xorb;
    xorb = undefined;
    await done.handle.close();
    const hash = xorbHashOf(done.chunks);
    if (await store.xorbIndex(hash)) await rm(done.path, { force: true });
    else await store.adoptXorb(done.path, hash, { size: done.offset, chunks: done.chunks });
    terms.push({
      xorb: hash,
      chunkStart: 0,
      chunkEnd: done.chunks.length,
      unpackedBytes: done.chunks.reduce((s, c) => s + c.length, 0),
    });
  };

  const addChunk = async (chunk: { hash: Uint8Array; length: number }) => {
    const data = take(chunk.length);
    if (
      xorb &&
      (xorb.offset + chunkHeaderBytes + data.length > maxXorbBytes || xorb.chunks.length >= maxXorbChunks)
    )
      await closeXorb();
    if (!xorb) {
      const path = hub.temporaryPath(`migrate-${sha256.slice(0, 12)}`);
      xorb = { path, handle: await open(path, 'w'), chunks: [], offset: 0 };
    }
    const header = Buffer.alloc(chunkHeaderBytes);
    header.writeUIntLE(data.length, 1, 3);
    header.writeUIntLE(data.length, 5, 3);
    await xorb.handle.writev([header, data]);
    const hash = hashToHex(chunk.hash);
    xorb.chunks.push({
      hash,
      length: data.length,
      start: xorb.offset,
      end: xorb.offset + chunkHeaderBytes + data.length,
      scheme: 0,
    });
    xorb.offset += chunkHeaderBytes + data.length;
    allChunks.push({ hash, length: data.length });
  };

  try {
    let size = 0;
    for await (const data of createReadStream(hub.lfsPath(sha256), {
      highWaterMark: 1024 * 1024,
    }) as AsyncIterable<Buffer>) {
      size += data.length;
      pending.push(data);
      pendingBytes += data.length;
      for (const chunk of nextBlock(chunker, data)) await addChunk(chunk);
    }
    const last = finalize(chunker);
    if (last) await addChunk(last);
    if (pendingBytes !== 0) throw new Error(`The chunker left ${pendingBytes} bytes of ${sha256} unassigned`);
    await closeXorb();
    pending = [];
    await store.saveFileRecord({ fileHash: fileHashOf(allChunks), size, sha256, terms });
  } finally {
    if (xorb) {
      await (xorb as OpenXorb).handle.close().catch(() => undefined);
      await rm((xorb as OpenXorb).path, { force: true });
    }
  }
}
