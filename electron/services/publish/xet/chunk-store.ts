/**
 * The Xet chunks of files already chunked, by SHA-256. Content-defined chunking is a function of the bytes alone,
 * so a file whose SHA-256 is known (and a stat vouches it is still what was hashed) need not be read and chunked
 * again to be published again: to another repository, to a second Hub, or after a failed or cancelled publish.
 * Its xorbs are then made from this list and read from the file as they are sent, and the CAS checks every chunk
 * hash of what arrives, so a list that no longer matched the file could not go through unnoticed.
 *
 * One file per content in `<data dir>/xet-chunks/`: "XCK1", the file size (u64), the chunk count (u32), then per
 * chunk its length (u32) and hash (32 bytes), little-endian, and last the SHA-256 of all that (a damaged list reads
 * as none): ~36 bytes per 64 KiB of file (~0.6 MB per GiB). The folder is kept under `maxBytes` by dropping the
 * lists used longest ago. A list the CAS refused anyway is forgotten (`forget`), so it cannot fail the next publish.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChunkRef } from './format';
import { toBytes, toHex } from './hash-string';

const MAGIC = Buffer.from('XCK1');
const HEADER_BYTES = MAGIC.length + 8 + 4;
const ENTRY_BYTES = 4 + 32;
const CHECKSUM_BYTES = 32;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface XetChunkStore {
  /** The chunks of the content with this SHA-256 and size, or null when they were never stored (or are unreadable). */
  get(sha256: string, size: number): Promise<ChunkRef[] | null>;
  /** Keeps the chunks of this content; a failure to write is only a slower next publish. */
  put(sha256: string, size: number, chunks: ChunkRef[]): Promise<void>;
  /** Drops the list of this content (one that led to a refused upload). */
  forget(sha256: string): Promise<void>;
}

export function encodeChunkList(size: number, chunks: ChunkRef[]): Buffer {
  const out = Buffer.alloc(HEADER_BYTES + chunks.length * ENTRY_BYTES + CHECKSUM_BYTES);
  MAGIC.copy(out, 0);
  out.writeBigUInt64LE(BigInt(size), MAGIC.length);
  out.writeUInt32LE(chunks.length, MAGIC.length + 8);
  let at = HEADER_BYTES;
  for (const c of chunks) {
    out.writeUInt32LE(c.length, at);
    out.set(toBytes(c.hash), at + 4);
    at += ENTRY_BYTES;
  }
  createHash('sha256').update(out.subarray(0, at)).digest().copy(out, at);
  return out;
}

/** The chunks `encodeChunkList` wrote, or null when the bytes are not such a list for a file of `size` bytes. */
export function decodeChunkList(bytes: Buffer, size: number): ChunkRef[] | null {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  if (bytes.readBigUInt64LE(MAGIC.length) !== BigInt(size)) return null;
  const count = bytes.readUInt32LE(MAGIC.length + 8);
  const end = HEADER_BYTES + count * ENTRY_BYTES;
  if (bytes.length !== end + CHECKSUM_BYTES) return null;
  if (!createHash('sha256').update(bytes.subarray(0, end)).digest().equals(bytes.subarray(end))) return null;
  const chunks: ChunkRef[] = new Array(count);
  let total = 0;
  for (let i = 0, at = HEADER_BYTES; i < count; i++, at += ENTRY_BYTES) {
    const length = bytes.readUInt32LE(at);
    if (length === 0) return null;
    total += length;
    chunks[i] = { hash: toHex(bytes.subarray(at + 4, at + ENTRY_BYTES)), length };
  }
  return total === size ? chunks : null;
}

/** A store in `dir` (created when first written), at most `maxBytes` of lists. */
export function xetChunkStoreIn(dir: string, maxBytes = 256 * 1024 * 1024): XetChunkStore {
  const fileOf = (sha256: string) => path.join(dir, `${sha256}.xck`);
  return {
    async get(sha256, size) {
      if (!SHA256_HEX.test(sha256)) return null;
      const file = fileOf(sha256);
      const bytes = await readFile(file).catch(() => null);
      const chunks = bytes ? decodeChunkList(bytes, size) : null;
      // Used now: the last to be dropped.
      if (chunks) await utimes(file, new Date(), new Date()).catch(() => undefined);
      return chunks;
    },
    async put(sha256, size, chunks) {
      if (!SHA256_HEX.test(sha256)) return;
      try {
        await mkdir(dir, { recursive: true });
        // Two publishes may store the same content at once: each writes its own file, then one rename wins.
        const temporary = `${fileOf(sha256)}.${randomBytes(6).toString('hex')}.tmp`;
        await writeFile(temporary, encodeChunkList(size, chunks));
        await rename(temporary, fileOf(sha256));
        await trim(dir, maxBytes);
      } catch {
        // Only a cache.
      }
    },
    async forget(sha256) {
      if (SHA256_HEX.test(sha256)) await rm(fileOf(sha256), { force: true }).catch(() => undefined);
    },
  };
}

async function trim(dir: string, maxBytes: number): Promise<void> {
  const all = await readdir(dir);
  // Left by a run that stopped between writing a list and renaming it.
  const stale = Date.now() - 10 * 60_000;
  for (const n of all.filter((n) => n.endsWith('.tmp'))) {
    const st = await stat(path.join(dir, n)).catch(() => null);
    if (st && st.mtimeMs < stale) await rm(path.join(dir, n), { force: true });
  }
  const names = all.filter((n) => n.endsWith('.xck'));
  const lists = await Promise.all(
    names.map(async (n) => {
      const st = await stat(path.join(dir, n)).catch(() => null);
      return { file: path.join(dir, n), bytes: st?.size ?? 0, used: st?.mtimeMs ?? 0 };
    }),
  );
  let total = lists.reduce((n, l) => n + l.bytes, 0);
  for (const l of lists.sort((a, b) => a.used - b.used)) {
    if (total <= maxBytes) break;
    await rm(l.file, { force: true });
    total -= l.bytes;
  }
}
