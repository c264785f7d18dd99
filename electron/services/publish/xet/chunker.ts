/**
 * Xet content-defined chunking (hub-docs `docs/xet/chunking.md`) with the chunk hashes (hashing.md: BLAKE3 keyed
 * with DATA_KEY), fed block by block. The boundaries are `@huggingface/xetchunk-wasm`'s own (the same gear hash,
 * `gearhash-jit`, the same skip of the minimum chunk and the same cut at the maximum), so what we upload is what
 * `@huggingface/hub` would; the test checks both give the same chunks.
 *
 * Why not xetchunk-wasm's chunker itself: its BLAKE3 (`@huggingface/blake3-jit`) takes ~4.5 CPU-s per GiB here,
 * three quarters of a Xet upload's CPU time; the Rust `blake3` crate behind `@napi-rs/blake-hash` (SIMD, N-API,
 * prebuilt per platform in the npm registry) takes ~0.3 s. Where that native module cannot load (a platform
 * without a prebuilt binary), xetchunk-wasm's chunker does the whole job, as before: slower, same chunks.
 */
import { createChunker, finalize, nextBlock } from '@huggingface/xetchunk-wasm';
import { Hasher as GearHasher } from 'gearhash-jit';
import { createRequire } from 'node:module';

export interface Chunk {
  /** The chunk hash, 32 raw bytes. */
  hash: Uint8Array;
  length: number;
}

export interface XetChunker {
  /** The chunks that end inside `block`; the bytes of an open chunk continue in the next block. */
  push(block: Uint8Array): Chunk[];
  /** The last chunk, if bytes are left. */
  finish(): Chunk | null;
}

/** chunking.md: target 64 KiB, minimum target/8, maximum target*2, 64-byte gear window. */
const TARGET_CHUNK = 64 * 1024;
const MIN_CHUNK = TARGET_CHUNK / 8;
const MAX_CHUNK = TARGET_CHUNK * 2;
const GEAR_WINDOW = 64;
/** The gear hash only decides once the window is full past the minimum: bytes before this are not scanned. */
const SKIP_BEFORE_SCAN = MIN_CHUNK - GEAR_WINDOW - 1;
/** Bytes handed to the gear hash at once; see `push`. */
const SCAN_WINDOW = 16 * 1024;
/** A boundary where the top 16 bits of the gear hash are zero (xetchunk-wasm shifts `target - 1` to the top). */
const GEAR_MASK = BigInt(TARGET_CHUNK - 1) << 48n;

/** hashing.md, DATA_KEY. */
const DATA_KEY = Buffer.from([
  102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28, 157, 228, 33, 16, 155, 235, 43,
  88, 180, 208, 176, 75, 147, 173, 242, 41,
]);

/** The part of `@napi-rs/blake-hash`'s `Blake3Hasher` used here. */
interface NativeBlake3 {
  reset(): void;
  update(input: Uint8Array): unknown;
  digestBuffer(): Buffer;
}

type NativeBlake3Factory = () => NativeBlake3;

let nativeFactory: NativeBlake3Factory | null | undefined;

/** A `require` of our own: bundlers leave calls through it alone, so the native module is loaded at run time. */
const require = createRequire(import.meta.url);

/**
 * The keyed native BLAKE3 hasher, or null where the module has no binary for this platform. Loaded with
 * `require` at first use so that a missing binary is a slower upload, not a failed start.
 */
export function nativeKeyedBlake3(): NativeBlake3Factory | null {
  if (nativeFactory !== undefined) return nativeFactory;
  try {
    const { Blake3Hasher } = require('@napi-rs/blake-hash') as {
      Blake3Hasher: { newKeyed(key: Buffer): NativeBlake3 };
    };
    nativeFactory = () => Blake3Hasher.newKeyed(DATA_KEY);
  } catch {
    nativeFactory = null;
  }
  return nativeFactory;
}

/** Boundaries from the gear hash, chunk hashes from the native BLAKE3, nothing copied. */
export class NativeChunker implements XetChunker {
  private readonly gear = new GearHasher(GEAR_MASK);
  /** Bytes of the open chunk seen in earlier blocks (already fed to the hasher). */
  private openBytes = 0;

  constructor(private readonly hasher: NativeBlake3) {}

  push(block: Uint8Array): Chunk[] {
    const chunks: Chunk[] = [];
    let pos = 0;
    while (pos < block.length) {
      const before = this.openBytes;
      const scanStart = Math.min(block.length, pos + Math.max(0, SKIP_BEFORE_SCAN - before));
      const scanEnd = Math.min(block.length, pos + MAX_CHUNK - before);
      let end = -1;
      // In windows: gearhash-jit copies what it is given into its memory, and a boundary comes ~56 KiB into a
      // 120 KiB scan on average; whole scans copied twice the file, windows copy it about once.
      for (let from = scanStart; from < scanEnd && end === -1; from += SCAN_WINDOW) {
        const to = Math.min(scanEnd, from + SCAN_WINDOW);
        const match = this.gear.nextMatch(block.subarray(from, to));
        if (match !== -1) end = from + match;
      }
      if (end === -1 && before + (scanEnd - pos) >= MAX_CHUNK) end = scanEnd;
      if (end === -1) {
        // No boundary before the block ends: the chunk goes on in the next one.
        this.hasher.update(block.subarray(pos));
        this.openBytes += block.length - pos;
        break;
      }
      this.hasher.update(block.subarray(pos, end));
      chunks.push(this.close(before + end - pos));
      pos = end;
    }
    return chunks;
  }

  finish(): Chunk | null {
    return this.openBytes > 0 ? this.close(this.openBytes) : null;
  }

  private close(length: number): Chunk {
    const hash = new Uint8Array(this.hasher.digestBuffer());
    this.hasher.reset();
    this.gear.resetHash();
    this.openBytes = 0;
    return { hash, length };
  }
}

/** xetchunk-wasm's chunker (JavaScript BLAKE3): where the native hasher is not available. */
export class PortableChunker implements XetChunker {
  private readonly chunker = createChunker(TARGET_CHUNK);
  push(block: Uint8Array): Chunk[] {
    return nextBlock(this.chunker, block);
  }
  finish(): Chunk | null {
    return finalize(this.chunker);
  }
}

/** A chunker for one file: the native one where it loads, else the portable one. */
export function createXetChunker(): XetChunker {
  const native = nativeKeyedBlake3();
  return native ? new NativeChunker(native()) : new PortableChunker();
}
