import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeChunkList, encodeChunkList, xetChunkStoreIn } from './chunk-store';
import type { ChunkRef } from './format';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'xet-chunk-store-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const hex = (seed: number) =>
  Array.from({ length: 32 }, (_, i) => ((seed * 31 + i * 7) & 0xff).toString(16).padStart(2, '0')).join('');
const chunks = (n: number, length = 65_536): ChunkRef[] => Array.from({ length: n }, (_, i) => ({ hash: hex(i), length }));
const sha = (c: string) => c.repeat(64);

describe('Xet chunk store', () => {
  it('reads back the chunk list it wrote, and nothing for another size or for bytes that are not a list', () => {
    const list = [...chunks(3), { hash: hex(9), length: 123 }];
    const size = 3 * 65_536 + 123;
    const bytes = encodeChunkList(size, list);
    expect(bytes.length).toBe(16 + 4 * 36 + 32);
    expect(decodeChunkList(bytes, size)).toEqual(list);
    expect(decodeChunkList(bytes, size + 1)).toBeNull();
    expect(decodeChunkList(bytes.subarray(0, bytes.length - 1), size)).toBeNull();
    expect(decodeChunkList(Buffer.from('not a chunk list at all'), size)).toBeNull();
    // One bit flipped in a chunk hash: the checksum no longer matches.
    const damaged = Buffer.from(bytes);
    damaged[16 + 36 + 10]! ^= 1;
    expect(decodeChunkList(damaged, size)).toBeNull();
  });

  it('answers null for content it never saw, and keeps to its size by dropping the lists used longest ago', async () => {
    const dir = path.join(work, 'store');
    // Each list of 100 chunks is 3,648 bytes: three fit in 11,000.
    const store = xetChunkStoreIn(dir, 11_000);
    expect(await store.get(sha('a'), 100 * 65_536)).toBeNull();
    for (const [i, c] of ['a', 'b', 'c'].entries()) {
      await store.put(sha(c), 100 * 65_536, chunks(100));
      await utimes(path.join(dir, `${sha(c)}.xck`), new Date(1000 * (i + 1)), new Date(1000 * (i + 1)));
    }
    // Using "a" makes "b" the one used longest ago.
    expect(await store.get(sha('a'), 100 * 65_536)).toEqual(chunks(100));
    await store.put(sha('d'), 100 * 65_536, chunks(100));
    expect((await readdir(dir)).sort()).toEqual([sha('a'), sha('c'), sha('d')].map((s) => `${s}.xck`));
    // Not a SHA-256: neither read nor written (it names a file).
    await store.put('../escape', 1, chunks(1, 1));
    expect(await store.get('../escape', 1)).toBeNull();
    await writeFile(path.join(dir, `${sha('e')}.xck`), 'garbage');
    expect(await store.get(sha('e'), 5)).toBeNull();
  });
});
