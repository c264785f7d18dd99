/**
 * The Xet hashes and the two binary formats the uploader writes or reads, after huggingface/hub-docs `docs/xet/`
 * (hashing.md, xorb.md, shard.md, api.md). The chunker and the merkle/file/verification hashes are
 * `@huggingface/xetchunk-wasm`, the code `@huggingface/hub` uploads with, so what we compute is what the Hub
 * recomputes.
 */
import { fileHash, hmac, verificationHash, xorbHash } from '@huggingface/xetchunk-wasm';
import { toBytes, toHex } from './hash-string';

export interface ChunkRef {
  /** The chunk hash as a Xet hash string (each 8-byte group reversed, api.md "Converting Hashes to Strings"). */
  hash: string;
  length: number;
}

/** xorb.md: "there is a limit of 64MiB on the total size of the Xorb as serialized". */
export const MAX_XORB_BYTES = 64 * 1024 * 1024;
/** xet-core's MAX_XORB_CHUNKS: a xorb holds at most this many chunks. */
export const MAX_XORB_CHUNKS = 8 * 1024;
/** xorb.md: each chunk is stored behind an 8-byte header. */
export const CHUNK_HEADER_BYTES = 8;
/** shard.md: every header, entry and bookend of the file and CAS info sections is 48 bytes. */
const ENTRY_BYTES = 48;
const HEADER_BYTES = 48;
const FOOTER_BYTES = 200;
const WITH_VERIFICATION = 0x80000000;
const WITH_METADATA_EXT = 0x40000000;
/** shard.md, MDB_SHARD_HEADER_TAG. */
const SHARD_TAG = Buffer.from([
  72, 70, 82, 101, 112, 111, 77, 101, 116, 97, 68, 97, 116, 97, 0, 85, 105, 103, 69, 106, 123, 129, 87, 131,
  165, 189, 217, 92, 205, 209, 74, 169,
]);

export { toBytes, toHex };

export const xorbHashOf = (chunks: ChunkRef[]): string =>
  toHex(xorbHash(chunks.map((c) => ({ hash: toBytes(c.hash), length: c.length }))));

export const fileHashOf = (chunks: ChunkRef[]): string =>
  toHex(fileHash(chunks.map((c) => ({ hash: toBytes(c.hash), length: c.length }))));

export const verificationHashOf = (chunkHashes: string[]): string =>
  toHex(verificationHash(chunkHashes.map(toBytes)));

export const keyedHashOf = (hash: string, key: Uint8Array): string => toHex(hmac(toBytes(hash), key));

/**
 * shard.md / xet-core `hash_is_global_dedup_eligible`: the Hub indexes a chunk for global dedup when it is the
 * first of a file or when its hash's 4th little-endian u64 is a multiple of 1024. In the hash string that u64 is
 * the last 16 hex digits, most significant first, so its low 10 bits are in the last three.
 */
export function isDedupEligible(hash: string): boolean {
  return (Number.parseInt(hash.slice(-3), 16) & 0x3ff) === 0;
}

/** Writes the 8-byte chunk header of an uncompressed chunk (scheme 0, xorb.md). */
export function writeChunkHeader(target: Buffer, at: number, length: number): void {
  target[at] = 0; // header version
  target.writeUIntLE(length, at + 1, 3); // compressed size: stored as is
  target[at + 4] = 0; // compression scheme: none
  target.writeUIntLE(length, at + 5, 3); // uncompressed size
}

export interface ShardTerm {
  xorb: string;
  /** Chunk index range in the xorb, end exclusive. */
  start: number;
  end: number;
  /** Bytes of the term once reconstructed. */
  bytes: number;
  /** The term's chunk hashes, for its verification entry. */
  chunkHashes: string[];
}

export interface ShardFile {
  fileHash: string;
  sha256: string;
  terms: ShardTerm[];
}

export interface ShardXorb {
  hash: string;
  chunks: ChunkRef[];
  /** Bytes as serialized (what was uploaded). */
  serializedBytes: number;
}

/**
 * An upload shard (shard.md): header, one file info block per file (terms, verification entries, the SHA-256
 * metadata extension the Hub requires for commits by SHA-256), the CAS info of the xorbs this upload created,
 * and no footer ("when uploading a shard the footer section may be omitted").
 */
export function serializeShard(files: ShardFile[], xorbs: ShardXorb[]): Buffer {
  let entries = 2; // bookends
  for (const f of files) entries += 1 + 2 * f.terms.length + 1;
  for (const x of xorbs) entries += 1 + x.chunks.length;
  const out = Buffer.alloc(HEADER_BYTES + entries * ENTRY_BYTES);
  SHARD_TAG.copy(out, 0);
  out.writeBigUInt64LE(2n, 32); // header version
  out.writeBigUInt64LE(0n, 40); // footer size: none
  let at = HEADER_BYTES;
  const hash = (hex: string) => {
    out.set(toBytes(hex), at);
  };
  const bookend = () => {
    out.fill(0xff, at, at + 32);
    at += ENTRY_BYTES;
  };
  for (const f of files) {
    hash(f.fileHash);
    out.writeUInt32LE((WITH_VERIFICATION | WITH_METADATA_EXT) >>> 0, at + 32);
    out.writeUInt32LE(f.terms.length, at + 36);
    at += ENTRY_BYTES;
    for (const t of f.terms) {
      hash(t.xorb);
      out.writeUInt32LE(t.bytes, at + 36);
      out.writeUInt32LE(t.start, at + 40);
      out.writeUInt32LE(t.end, at + 44);
      at += ENTRY_BYTES;
    }
    for (const t of f.terms) {
      hash(verificationHashOf(t.chunkHashes));
      at += ENTRY_BYTES;
    }
    // The SHA-256 is written in the hash byte order, like every hash in a shard (the clients do so).
    hash(f.sha256);
    at += ENTRY_BYTES;
  }
  bookend();
  for (const x of xorbs) {
    hash(x.hash);
    out.writeUInt32LE(x.chunks.length, at + 36);
    const raw = x.chunks.reduce((sum, c) => sum + c.length, 0);
    out.writeUInt32LE(raw, at + 40);
    out.writeUInt32LE(x.serializedBytes, at + 44);
    at += ENTRY_BYTES;
    let offset = 0;
    for (const c of x.chunks) {
      hash(c.hash);
      out.writeUInt32LE(offset, at + 32);
      out.writeUInt32LE(c.length, at + 36);
      offset += c.length;
      at += ENTRY_BYTES;
    }
  }
  bookend();
  return out;
}

export class ShardFormatError extends Error {}

/** What a global dedup answer says: the chunks of each xorb, keyed with `key` (all zero: not keyed). */
export interface DedupShard {
  key: Uint8Array | null;
  xorbs: { hash: string; chunkHashes: string[] }[];
}

const isBookend = (b: Buffer, at: number) => {
  for (let i = 0; i < 32; i++) if (b[at + i] !== 0xff) return false;
  return true;
};

/**
 * Reads the CAS info section of a global dedup answer (shard.md "Global Deduplication": an empty file info
 * section, the xorbs holding the chunk and maybe others, chunk hashes keyed with the footer's
 * `chunk_hash_hmac_key`).
 */
export function parseDedupShard(data: Buffer): DedupShard {
  if (data.length < HEADER_BYTES + 2 * ENTRY_BYTES || !data.subarray(0, 32).equals(SHARD_TAG))
    throw new ShardFormatError('The global dedup answer is not a shard.');
  const footerSize = Number(data.readBigUInt64LE(40));
  const end = data.length - footerSize;
  let at = HEADER_BYTES;
  const need = () => {
    if (at + ENTRY_BYTES > end) throw new ShardFormatError('The global dedup shard ends early.');
  };
  // Skip the file info section (empty in dedup answers, but read it as the format says).
  for (;;) {
    need();
    if (isBookend(data, at)) break;
    const flags = data.readUInt32LE(at + 32);
    const terms = data.readUInt32LE(at + 36);
    at += ENTRY_BYTES * (1 + terms * ((flags & WITH_VERIFICATION) !== 0 ? 2 : 1));
    if (flags & WITH_METADATA_EXT) at += ENTRY_BYTES;
  }
  at += ENTRY_BYTES;
  const xorbs: DedupShard['xorbs'] = [];
  for (;;) {
    need();
    if (isBookend(data, at)) break;
    const hash = toHex(data.subarray(at, at + 32));
    const count = data.readUInt32LE(at + 36);
    at += ENTRY_BYTES;
    const chunkHashes: string[] = [];
    for (let i = 0; i < count; i++) {
      need();
      chunkHashes.push(toHex(data.subarray(at, at + 32)));
      at += ENTRY_BYTES;
    }
    xorbs.push({ hash, chunkHashes });
  }
  let key: Uint8Array | null = null;
  if (footerSize === FOOTER_BYTES) {
    const raw = data.subarray(end + 72, end + 104);
    if (raw.some((b) => b !== 0)) key = new Uint8Array(raw);
  }
  return { key, xorbs };
}
