import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hasher, identityOf, sameFile } from './index';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const TOKEN = 'hf_' + 'Q'.repeat(12) + 'abcdefghij0123456789ZZZZ';

describe('Hasher', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hash-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ['read synchronously (from memory)', 1e9],
    ['read ahead through libuv (a slow disk)', -1],
  ])('gives the same SHA-256 as node:crypto and the same blob id as git, over many blocks, %s', async (_, slowReadMs) => {
    const bytes = new Uint8Array(3 * 65536 + 123).map((_, i) => (i * 7919) % 251);
    const file = path.join(dir, 'multi.bin');
    await writeFile(file, bytes);
    const hasher = new Hasher({ dataDir: null, blockSize: 65536, slowReadMs });
    const seen: number[] = [];
    const d = await hasher.hash(file, { onProgress: (p) => seen.push(p.done) });
    await hasher.close();
    expect(d.sha256).toBe(sha256(bytes));
    expect(d.size).toBe(bytes.length);
    expect(d.gitOid).toBe(execFileSync('git', ['hash-object', file], { encoding: 'utf8' }).trim());
    expect(seen.at(-1)).toBe(bytes.length);
    expect(d.secretAt).toBeNull();
  });

  it('hashes with workers started ahead (warmUp, twice), and closes with them idle', async () => {
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 31) % 256);
    const file = path.join(dir, 'warm.bin');
    await writeFile(file, bytes);
    const hasher = new Hasher({ dataDir: null });
    hasher.warmUp();
    hasher.warmUp();
    expect((await hasher.hash(file)).sha256).toBe(sha256(bytes));
    await hasher.close();
  });

  it('hashes an empty file', async () => {
    const file = path.join(dir, 'empty');
    await writeFile(file, '');
    const hasher = new Hasher({ dataDir: null });
    const d = await hasher.hash(file);
    await hasher.close();
    expect(d.sha256).toBe(sha256(new Uint8Array()));
    expect(d.gitOid).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  });

  it('finds a token-shaped string anywhere, including across a block boundary and at the very end', async () => {
    const hasher = new Hasher({ dataDir: null, blockSize: 65536 });
    for (const at of [10, 65536 - 12, 65536 * 2 - 3, 65536 * 3 - TOKEN.length]) {
      const bytes = Buffer.alloc(65536 * 3, 0xab);
      bytes.write(TOKEN, at, 'latin1');
      const file = path.join(dir, `secret-${at}.bin`);
      await writeFile(file, bytes);
      expect((await hasher.hash(file)).secretAt).toBe(at);
    }
    const harmless = path.join(dir, 'harmless.txt');
    await writeFile(harmless, 'hf_short and hf_ alone and xhf_ are fine');
    expect((await hasher.hash(harmless)).secretAt).toBeNull();
    await hasher.close();
  });

  it('caches by path, size, mtime, inode and ctime, across instances (hash ahead then publish)', async () => {
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'cached.bin');
    await writeFile(file, 'first version!');
    // Whole seconds, so restoring the time below gives back exactly the same mtime.
    await utimes(file, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
    const before = await stat(file);
    const a = new Hasher({ dataDir });
    const first = await a.hashAhead([file]);
    await a.close();
    expect(JSON.parse(await readFile(path.join(dataDir, 'hash-cache.json'), 'utf8')).entries).toHaveLength(1);

    // Untouched: the cached digest is trusted (this is what makes a second publish instant).
    const b = new Hasher({ dataDir });
    expect((await b.cached(file))?.sha256).toBe(first.get(file)!.sha256);

    // Same size and mtime put back with utimes: ctime still moved, so the old digest no longer stands.
    await writeFile(file, 'other version!');
    await utimes(file, before.atime, before.mtime);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
    expect(await b.cached(file)).toBeNull();
    expect((await b.hash(file)).sha256).toBe(sha256(Buffer.from('other version!')));

    // A new modification time means a new hash.
    await writeFile(file, 'third version');
    await utimes(file, before.atime, new Date(before.mtimeMs + 5000));
    expect(await b.cached(file)).toBeNull();
    expect((await b.hash(file)).sha256).toBe(sha256(Buffer.from('third version')));
    await b.close();
  });

  it('gives a digest an identity a later stat can check, but not one hashed right after its file changed', async () => {
    const file = path.join(dir, 'identity.bin');
    await writeFile(file, 'weights');
    const hasher = new Hasher({ dataDir: null });
    const digest = await hasher.hash(file);
    await hasher.close();
    const st = await stat(file);
    expect(digest).toMatchObject({ size: 7, mtimeMs: st.mtimeMs, ino: st.ino, ctimeMs: st.ctimeMs });
    // Hashed within a second of the write: another write in the same clock tick would keep the same times.
    expect(digest.statAtMs! - digest.ctimeMs!).toBeLessThan(1000);
    expect(identityOf(digest)).toBeUndefined();
    const settled = identityOf({ ...digest, statAtMs: digest.ctimeMs! + 5000 })!;
    expect(settled).toEqual({ size: 7, mtimeMs: st.mtimeMs, ino: st.ino, ctimeMs: st.ctimeMs });
    expect(sameFile(settled, await stat(file))).toBe(true);
    await appendFile(file, '!');
    expect(sameFile(settled, await stat(file))).toBe(false);
    // Entries of older caches: no stat time, no identity.
    expect(identityOf({ ...digest, statAtMs: undefined })).toBeUndefined();
  });

  it('shares one job between hash-ahead and a later request, and hashes many files in parallel', async () => {
    const files: string[] = [];
    for (let i = 0; i < 6; i++) {
      const f = path.join(dir, `par-${i}.bin`);
      await writeFile(f, Buffer.alloc(200_000 + i, i));
      files.push(f);
    }
    const hasher = new Hasher({ dataDir: null, workers: 3, blockSize: 65536 });
    const ahead = hasher.hashAhead(files);
    const later = await hasher.hashAll(files);
    expect([...(await ahead).values()].map((d) => d.sha256)).toEqual(
      [...later.values()].map((d) => d.sha256),
    );
    for (const [i, f] of files.entries())
      expect(later.get(f)!.sha256).toBe(sha256(Buffer.alloc(200_000 + i, i)));
    await hasher.close();
  });

  it('stops when aborted', async () => {
    const file = path.join(dir, 'abort.bin');
    await writeFile(file, Buffer.alloc(4 * 65536, 1));
    const hasher = new Hasher({ dataDir: null, blockSize: 65536 });
    const ac = new AbortController();
    ac.abort();
    await expect(hasher.hash(file, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    // Still usable afterwards.
    expect((await hasher.hash(file)).size).toBe(4 * 65536);
    await hasher.close();
  });

  it('a FIFO in place of a file is refused at once, not waited on', async () => {
    const fifo = path.join(dir, 'pipe.bin');
    execFileSync('mkfifo', [fifo]);
    const hasher = new Hasher({ dataDir: null });
    await expect(hasher.hash(fifo)).rejects.toMatchObject({ code: 'UNREADABLE' });
    await hasher.close();
  });

  it('a missing file is a clear error', async () => {
    const hasher = new Hasher({ dataDir: null });
    await expect(hasher.hash(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'UNREADABLE' });
    await hasher.close();
  });
});
