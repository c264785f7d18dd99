import { getChunks, hashToHex } from '@huggingface/xetchunk-wasm';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  NativeChunker,
  PortableChunker,
  createXetChunker,
  nativeKeyedBlake3,
  type XetChunker,
} from './chunker';

const asText = (chunks: { hash: Uint8Array; length: number }[]) =>
  chunks.map((c) => `${hashToHex(c.hash)}:${c.length}`);

/** Feeds `data` in blocks of the given sizes (cycled), as the uploader feeds disk reads. */
function chunkInBlocks(chunker: XetChunker, data: Uint8Array, blockSizes: number[]) {
  const out: { hash: Uint8Array; length: number }[] = [];
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const end = Math.min(data.length, at + blockSizes[i % blockSizes.length]!);
    out.push(...chunker.push(data.subarray(at, end)));
    at = end;
  }
  const last = chunker.finish();
  if (last) out.push(last);
  return out;
}

/** Random bytes with long runs of zeros and of a repeated pattern, where only the 128 KiB cut makes boundaries. */
function mixed(size: number): Uint8Array {
  const data = randomBytes(size);
  data.fill(0, Math.floor(size * 0.2), Math.floor(size * 0.45));
  const pattern = randomBytes(48);
  for (let i = Math.floor(size * 0.6); i < Math.floor(size * 0.8); i++) data[i] = pattern[i % 48]!;
  return data;
}

describe('Xet chunker', () => {
  const native = nativeKeyedBlake3();

  it('loads the native BLAKE3 on this platform (the fast path the benchmarks measure)', () => {
    expect(native).not.toBeNull();
  });

  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['one byte', randomBytes(1)],
    ['shorter than the minimum chunk', randomBytes(5000)],
    ['random, 3 MiB', randomBytes(3 * 1024 * 1024 + 17)],
    ['zero runs and a repeated pattern, 2 MiB', mixed(2 * 1024 * 1024)],
  ];
  const splits: [string, number[]][] = [
    ['in one block', [Number.MAX_SAFE_INTEGER]],
    ['in 4 MiB blocks', [4 * 1024 * 1024]],
    ['in odd small blocks', [1, 63, 8127, 8128, 70_000, 131_072, 131_073, 999]],
  ];

  for (const [what, data] of cases) {
    const expected = asText(getChunks(data));
    for (const [how, sizes] of splits) {
      it(`makes xetchunk-wasm's chunks and hashes (${what}, ${how})`, () => {
        expect(asText(chunkInBlocks(new NativeChunker(native!()), data, sizes))).toEqual(expected);
        expect(asText(chunkInBlocks(new PortableChunker(), data, sizes))).toEqual(expected);
      });
    }
  }

  it('starts each file afresh: one chunker per file, the same chunks as a new one', () => {
    const data = randomBytes(700_000);
    const expected = asText(getChunks(data));
    const chunker = createXetChunker();
    expect(asText(chunkInBlocks(chunker, data, [100_000]))).toEqual(expected);
    expect(asText(chunkInBlocks(chunker, data, [100_000]))).toEqual(expected);
  });
});
