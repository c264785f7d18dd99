import { createBLAKE3 } from 'hash-wasm';
import {
  fileHash,
  hashToHex,
  hexToBytes,
  hmac,
  verificationHash,
  xorbHash,
} from '@huggingface/xetchunk-wasm';
import { createRequire } from 'node:module';

/** lz4js 0.2.0 ships no types: LZ4 frame decoding, as `@huggingface/hub` uses it for xorb chunks. */
const { decompress: lz4Decompress } = createRequire(import.meta.url)('lz4js') as {
  decompress(src: Uint8Array, maxSize?: number): Uint8Array;
};

/**
 * Xorb chunk layout and the Xet hashes, per hub-docs `docs/xet/xorb.md` and `hashing.md`. The merkle, file and
 * verification hashes come from `@huggingface/xetchunk-wasm`, the code `@huggingface/hub` itself uploads with,
 * so the server checks exactly what the clients compute.
 */

export const chunkHeaderBytes = 8;
/**
 * xorb.md: "there is a limit of 64MiB on the total size of the Xorb as serialized", and it advises collecting
 * chunks "until their total uncompressed length is near 64 MiB". hf_xet does just that (xet-core's
 * MAX_XORB_BYTES counts chunk data, not headers), so a xorb of incompressible data (trained weights) comes
 * serialized a few KiB over 64 MiB: the CAS holds xorbs to 64 MiB of chunk data plus their chunk headers.
 */
export const maxXorbBytes = 64 * 1024 * 1024;
/** JS client's and xet-core's MAX_XORB_CHUNKS: the spec sets no limit, the clients keep to this one. */
export const maxXorbChunks = 8 * 1024;
/** Chunks are at most 128 KiB uncompressed (chunking.md), so the 3-byte sizes always fit. */
export const maxChunkBytes = 128 * 1024;
/** A serialized xorb may end with a footer (the Rust client writes one); its first bytes are this ident. */
const xorbFooterIdent = Buffer.from('XETBLOB', 'latin1');

/** hashing.md, DATA_KEY: the key of every chunk hash. */
const dataKey = new Uint8Array([
  102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28, 157, 228, 33, 16, 155, 235, 43,
  88, 180, 208, 176, 75, 147, 173, 242, 41,
]);
/**
 * Every chunk of every xorb is hashed again here, which is most of what a Xet upload costs the server. The Rust
 * `blake3` crate behind `@napi-rs/blake-hash` (SIMD) takes ~0.3 CPU-s per GiB, hash-wasm's WebAssembly one ~1.7 s:
 * the native one where its binary loads, else hash-wasm.
 */
const chunkHasher: { hash(data: Uint8Array): Uint8Array } = await (async () => {
  try {
    const { Blake3Hasher } = createRequire(import.meta.url)('@napi-rs/blake-hash') as {
      Blake3Hasher: {
        newKeyed(key: Buffer): { reset(): void; update(data: Uint8Array): unknown; digestBuffer(): Buffer };
      };
    };
    const native = Blake3Hasher.newKeyed(Buffer.from(dataKey));
    return {
      hash(data: Uint8Array) {
        native.reset();
        native.update(data);
        return native.digestBuffer();
      },
    };
  } catch {
    const wasm = await createBLAKE3(256, dataKey);
    return {
      hash(data: Uint8Array) {
        wasm.init();
        wasm.update(data);
        return wasm.digest('binary');
      },
    };
  }
})();

export const hexHashPattern = /^[0-9a-f]{64}$/;

/** Hash strings reverse each 8-byte group (api.md, "Converting Hashes to Strings"); these two undo each other. */
export const hashBytesToHex = (bytes: Uint8Array): string => hashToHex(bytes);
export const hexToHashBytes = (hex: string): Uint8Array => hexToBytes(hex);

export function chunkHash(data: Uint8Array): string {
  return hashToHex(chunkHasher.hash(data));
}

export interface ChunkRef {
  hash: string;
  length: number;
}

export function xorbHashOf(chunks: ChunkRef[]): string {
  return hashToHex(xorbHash(chunks.map((c) => ({ hash: hexToBytes(c.hash), length: c.length }))));
}

export function fileHashOf(chunks: ChunkRef[]): string {
  return hashToHex(fileHash(chunks.map((c) => ({ hash: hexToBytes(c.hash), length: c.length }))));
}

/** A chunk hash as a global dedup shard gives it: keyed with the shard's `chunk_hash_hmac_key` (shard.md). */
export function keyedChunkHashOf(hash: string, key: Uint8Array): string {
  return hashToHex(hmac(hexToBytes(hash), key));
}

export function verificationHashOf(chunkHashes: string[]): string {
  return hashToHex(verificationHash(chunkHashes.map((h) => hexToBytes(h))));
}

export class XetFormatError extends Error {}

/** Undoes byte grouping (xorb.md, "Byte Grouping LZ4 Compression"): group i holds bytes i, i+4, i+8… */
function regroupBytes(grouped: Uint8Array): Uint8Array {
  const n = grouped.length;
  const out = new Uint8Array(n);
  const base = Math.floor(n / 4);
  const extra = n % 4;
  let groupStart = 0;
  for (let group = 0; group < 4; group++) {
    const size = base + (group < extra ? 1 : 0);
    for (let k = 0; k < size; k++) out[k * 4 + group] = grouped[groupStart + k]!;
    groupStart += size;
  }
  return out;
}

/** One chunk as stored: its header offset and exclusive end in the serialized xorb, its hash and raw length. */
export interface StoredChunk {
  hash: string;
  length: number;
  start: number;
  end: number;
  /** Its compression scheme (xorb.md); indexes written by older local Hubs lack it. */
  scheme?: number;
}

export function decodeChunk(scheme: number, compressed: Uint8Array, uncompressedLength: number): Uint8Array {
  let raw: Uint8Array;
  switch (scheme) {
    case 0:
      raw = compressed;
      break;
    case 1:
    case 2: {
      try {
        // Chunks are LZ4 frames (xet-core's compression_scheme.rs uses lz4_flex::frame).
        raw = lz4Decompress(compressed, uncompressedLength);
      } catch (error) {
        throw new XetFormatError(`A chunk does not decompress as LZ4: ${(error as Error).message}`);
      }
      if (scheme === 2) raw = regroupBytes(raw);
      break;
    }
    default:
      throw new XetFormatError(`Unknown chunk compression scheme ${scheme}`);
  }
  if (raw.length !== uncompressedLength) {
    throw new XetFormatError(
      `A chunk decompresses to ${raw.length} bytes, its header says ${uncompressedLength}`,
    );
  }
  return raw;
}

/**
 * Reads chunks from a serialized xorb as its bytes arrive, keeping at most one chunk pending, so a 64 MiB xorb
 * never sits in memory whole. Stops at the footer, which is not chunk data.
 *
 * Chunks wholly inside a pushed piece are read where they are; only a chunk split across pieces is put together,
 * in one staging buffer reused for the whole xorb (copying every split chunk into a new buffer was most of the
 * server's garbage). So `raw` is valid until the next `push`: hash or copy it before then.
 */
export class ChunkStreamParser {
  /** The start of a chunk split across pieces: its header and as much of its data as has arrived. */
  private staged = Buffer.allocUnsafe(chunkHeaderBytes + maxChunkBytes);
  private stagedBytes = 0;
  /** Bytes the staged chunk needs in all: a header, then header and data once the header is known. */
  private needed = chunkHeaderBytes;
  /** Offset in the xorb of the first byte not yet parsed. */
  private position: number;
  private footerReached = false;

  constructor(
    startOffset: number,
    private readonly onChunk: (chunk: { start: number; end: number; scheme: number; raw: Uint8Array }) => void,
  ) {
    this.position = startOffset;
  }

  get sawFooter(): boolean {
    return this.footerReached;
  }

  /**
   * Parses the chunk starting at `at`: emits it and answers its end, or answers how many bytes from `at` it needs
   * (`{ need }`), or `'footer'`.
   */
  private parseAt(buffer: Buffer, at: number): number | { need: number } | 'footer' {
    if (buffer.length - at < chunkHeaderBytes) return { need: chunkHeaderBytes };
    if (buffer.subarray(at, at + xorbFooterIdent.length).equals(xorbFooterIdent)) return 'footer';
    if (buffer[at] !== 0) {
      throw new XetFormatError(`Unsupported chunk header version ${buffer[at]} at byte ${this.position}`);
    }
    const compressedLength = buffer.readUIntLE(at + 1, 3);
    const scheme = buffer[at + 4]!;
    const uncompressedLength = buffer.readUIntLE(at + 5, 3);
    if (uncompressedLength === 0 || uncompressedLength > maxChunkBytes) {
      throw new XetFormatError(
        `Chunk at byte ${this.position} claims ${uncompressedLength} bytes (1 to ${maxChunkBytes} allowed)`,
      );
    }
    const end = at + chunkHeaderBytes + compressedLength;
    if (buffer.length < end) return { need: chunkHeaderBytes + compressedLength };
    const raw = decodeChunk(scheme, buffer.subarray(at + chunkHeaderBytes, end), uncompressedLength);
    const start = this.position;
    this.position += end - at;
    this.onChunk({ start, end: this.position, scheme, raw });
    return end;
  }

  private stage(bytes: Buffer): void {
    if (this.stagedBytes + bytes.length > this.staged.length) {
      // A header may announce up to 16 MiB of compressed data: grow for it (bounded by the 3-byte size).
      const grown = Buffer.allocUnsafe(Math.max(this.staged.length * 2, this.stagedBytes + bytes.length));
      this.staged.copy(grown, 0, 0, this.stagedBytes);
      this.staged = grown;
    }
    bytes.copy(this.staged, this.stagedBytes);
    this.stagedBytes += bytes.length;
  }

  push(data: Buffer): void {
    if (this.footerReached) return;
    let at = 0;
    // First the chunk split across the previous piece and this one.
    while (this.stagedBytes > 0) {
      const take = Math.min(this.needed - this.stagedBytes, data.length - at);
      this.stage(data.subarray(at, at + take));
      at += take;
      if (this.stagedBytes < this.needed) return;
      const parsed = this.parseAt(this.staged.subarray(0, this.stagedBytes), 0);
      if (parsed === 'footer') {
        this.footerReached = true;
        this.stagedBytes = 0;
        return;
      }
      if (typeof parsed === 'number') {
        this.stagedBytes = 0;
        this.needed = chunkHeaderBytes;
      } else {
        this.needed = parsed.need;
      }
    }
    // Then every chunk wholly inside this piece, where it is.
    while (at < data.length) {
      const parsed = this.parseAt(data, at);
      if (parsed === 'footer') {
        this.footerReached = true;
        return;
      }
      if (typeof parsed === 'number') {
        at = parsed;
        continue;
      }
      this.needed = parsed.need;
      this.stage(data.subarray(at));
      return;
    }
  }

  /** Throws when the bytes ended inside a chunk. */
  finish(): void {
    if (!this.footerReached && this.stagedBytes > 0) {
      throw new XetFormatError(`The xorb ends inside a chunk (${this.stagedBytes} bytes left over)`);
    }
  }
}
