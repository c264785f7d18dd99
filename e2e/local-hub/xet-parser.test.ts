import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChunkStreamParser, XetFormatError, chunkHeaderBytes } from './xet/format';

const { compress: lz4Compress } = createRequire(import.meta.url)('lz4js') as {
  compress(src: Uint8Array): Uint8Array;
};

/** A serialized xorb (xorb.md): raw and LZ4 chunks of the given contents, then optionally a footer. */
function xorbOf(contents: Buffer[], footer: boolean) {
  const parts: Buffer[] = [];
  const expected: { start: number; end: number; raw: string }[] = [];
  let at = 0;
  contents.forEach((raw, i) => {
    const lz4 = i % 3 === 1;
    const data = lz4 ? Buffer.from(lz4Compress(raw)) : raw;
    const header = Buffer.alloc(chunkHeaderBytes);
    header.writeUIntLE(data.length, 1, 3);
    header[4] = lz4 ? 1 : 0;
    header.writeUIntLE(raw.length, 5, 3);
    parts.push(header, data);
    expected.push({ start: at, end: at + chunkHeaderBytes + data.length, raw: raw.toString('hex') });
    at += chunkHeaderBytes + data.length;
  });
  if (footer) parts.push(Buffer.from('XETBLOB'), randomBytes(300));
  return { bytes: Buffer.concat(parts), expected };
}

/** Pushes `bytes` in pieces of the given sizes (cycled); copies each chunk's bytes as they are handed over. */
function parse(bytes: Buffer, pieceSizes: number[]) {
  const seen: { start: number; end: number; raw: string }[] = [];
  const parser = new ChunkStreamParser(0, ({ start, end, raw }) =>
    seen.push({ start, end, raw: Buffer.from(raw).toString('hex') }),
  );
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const end = Math.min(bytes.length, at + pieceSizes[i % pieceSizes.length]!);
    // A fresh copy each time, as a socket hands over new buffers.
    parser.push(Buffer.from(bytes.subarray(at, end)));
    at = end;
  }
  parser.finish();
  return { seen, sawFooter: parser.sawFooter };
}

describe('xorb chunk parser', () => {
  const contents = [
    randomBytes(65_536),
    Buffer.alloc(100_000, 7), // compresses: an LZ4 chunk much shorter than its raw size
    randomBytes(1),
    randomBytes(131_072),
    randomBytes(9000),
    Buffer.alloc(131_072, 0),
    randomBytes(40_000),
  ];
  const pieces: [string, number[]][] = [
    ['whole', [Number.MAX_SAFE_INTEGER]],
    ['in 64 KiB socket pieces', [65_536]],
    ['byte by byte through headers, then odd sizes', [1, 1, 1, 5, 3, 7, 8, 65_535, 131_081, 13]],
  ];
  for (const footer of [false, true]) {
    const { bytes, expected } = xorbOf(contents, footer);
    for (const [how, sizes] of pieces) {
      it(`reads every chunk at its offsets (${how}, ${footer ? 'with' : 'without'} footer)`, () => {
        const { seen, sawFooter } = parse(bytes, sizes);
        expect(seen).toEqual(expected);
        expect(sawFooter).toBe(footer);
      });
    }
  }

  it('refuses a xorb that ends inside a chunk, however it arrives', () => {
    const { bytes } = xorbOf(contents.slice(0, 3), false);
    for (const sizes of [[Number.MAX_SAFE_INTEGER], [65_536], [3]]) {
      expect(() => parse(bytes.subarray(0, bytes.length - 5), sizes)).toThrow(XetFormatError);
      expect(() => parse(bytes.subarray(0, 30_000), sizes)).toThrow(/ends inside a chunk/);
    }
  });

  it('names the offset of a chunk with a bad header, split or not', () => {
    const { bytes, expected } = xorbOf(contents.slice(0, 2), false);
    const bad = Buffer.concat([bytes, Buffer.from([1, 0, 0, 0, 0, 1, 0, 0])]);
    const offset = expected[1]!.end;
    for (const sizes of [[Number.MAX_SAFE_INTEGER], [65_536], [5]])
      expect(() => parse(bad, sizes)).toThrow(`Unsupported chunk header version 1 at byte ${offset}`);
  });
});
