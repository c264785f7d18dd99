import { getChunks, hashToHex, hexToBytes } from '@huggingface/xetchunk-wasm';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkHash } from '../../../../e2e/local-hub/xet/format';
import { parseShard, writeDedupShard } from '../../../../e2e/local-hub/xet/shard';
import {
  fileHashOf,
  isDedupEligible,
  parseDedupShard,
  serializeShard,
  toBytes,
  toHex,
  verificationHashOf,
  xorbHashOf,
  type ChunkRef,
} from './format';

const chunksOf = (bytes: Uint8Array): ChunkRef[] =>
  getChunks(bytes).map((c) => ({ hash: hashToHex(c.hash), length: c.length }));

describe('Xet formats', () => {
  it("writes hash strings as @huggingface/xetchunk-wasm does, and reads them back", () => {
    for (let i = 0; i < 1000; i++) {
      const bytes = randomBytes(32);
      const hex = hashToHex(bytes);
      expect(toHex(bytes)).toBe(hex);
      expect(Buffer.from(toBytes(hex))).toEqual(Buffer.from(hexToBytes(hex)));
    }
    expect(() => toBytes('ab'.repeat(31))).toThrow(/Not a Xet hash/);
    expect(() => toBytes('zz'.repeat(32))).toThrow(/Not a Xet hash/);
  });

  it('calls a chunk dedup-eligible exactly when its hash bytes 24..32, as a little-endian u64, are a multiple of 1024', () => {
    let eligible = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = randomBytes(32);
      // Force some hits: about 1 in 1024 would leave too few to compare.
      if (i % 8 === 0) bytes.writeUInt16LE(bytes.readUInt16LE(24) & 0xfc00, 24);
      const expected = bytes.readBigUInt64LE(24) % 1024n === 0n;
      expect(isDedupEligible(hashToHex(bytes))).toBe(expected);
      if (expected) eligible++;
    }
    expect(eligible).toBeGreaterThan(2000);
  });

  it("writes upload shards the local Hub's parser reads back term for term, with verification hashes and the SHA-256", () => {
    const chunks = chunksOf(randomBytes(600_000));
    const xorb = xorbHashOf(chunks);
    const sha256 = randomBytes(32).toString('hex');
    const terms = [
      { xorb, start: 0, end: 3, bytes: chunks.slice(0, 3).reduce((n, c) => n + c.length, 0) },
      { xorb, start: 3, end: chunks.length, bytes: chunks.slice(3).reduce((n, c) => n + c.length, 0) },
    ].map((t) => ({ ...t, chunkHashes: chunks.slice(t.start, t.end).map((c) => c.hash) }));
    const shard = serializeShard(
      [{ fileHash: fileHashOf(chunks), sha256, terms }],
      [{ hash: xorb, chunks, serializedBytes: 12345 }],
    );
    const parsed = parseShard(shard);
    expect(parsed.hadFooter).toBe(false);
    expect(parsed.files).toEqual([
      {
        fileHash: fileHashOf(chunks),
        sha256,
        terms: terms.map((t) => ({
          xorb,
          unpackedBytes: t.bytes,
          chunkStart: t.start,
          chunkEnd: t.end,
          verification: verificationHashOf(t.chunkHashes),
        })),
      },
    ]);
    expect(parsed.xorbs[0]).toMatchObject({ hash: xorb, bytesOnDisk: 12345 });
    expect(parsed.xorbs[0]!.chunks.map((c) => c.hash)).toEqual(chunks.map((c) => c.hash));
  });

  it("the local Hub's chunk hashes (hash-wasm) are the chunker's (blake3-jit)", () => {
    const data = randomBytes(1_000_000);
    let at = 0;
    for (const c of chunksOf(data)) {
      expect(chunkHash(data.subarray(at, at + c.length))).toBe(c.hash);
      at += c.length;
    }
  });

  it('reads the keyed chunk hashes and the key of a global dedup answer', () => {
    const chunks = chunksOf(randomBytes(300_000));
    let offset = 0;
    const xorb = {
      hash: xorbHashOf(chunks),
      chunks: chunks.map((c) => {
        const entry = { hash: c.hash, byteStart: offset, length: c.length };
        offset += c.length;
        return entry;
      }),
      rawBytes: offset,
      bytesOnDisk: offset + 8 * chunks.length,
    };
    const key = new Uint8Array(randomBytes(32));
    const answer = parseDedupShard(writeDedupShard([xorb], 0, key));
    expect(answer.key).toEqual(key);
    expect(answer.xorbs.map((x) => x.hash)).toEqual([xorb.hash]);
    expect(answer.xorbs[0]!.chunkHashes).toHaveLength(chunks.length);
    expect(answer.xorbs[0]!.chunkHashes).not.toContain(chunks[0]!.hash);
  });
});
