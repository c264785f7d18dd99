import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startLocalHub, type LocalHub } from '../../../../e2e/local-hub';
import { fileReads } from '../transport';
import { xetChunkStoreIn } from './chunk-store';
import { createXetChunker } from './chunker';
import { CHUNK_HEADER_BYTES, toHex, writeChunkHeader, type ChunkRef } from './format';
import { uploadThroughXet, XorbBlob, type XetObject } from './upload';

const TOKEN = 'hf_' + 'XetUploaderUnitTestWriteTokenAbcde';
const MiB = 1024 * 1024;

let work: string;
let hub: LocalHub;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'xet-upload-'));
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [{ name: 'alice', token: TOKEN, role: 'write' }],
  });
  await fetch(`${hub.url}/api/repos/create`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'xet-unit', type: 'model' }),
  });
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

async function access() {
  const res = await fetch(`${hub.url}/api/models/alice/xet-unit/xet-write-token/main`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  const json = (await res.json()) as { accessToken: string; casUrl: string; exp: number };
  return {
    casUrl: json.casUrl,
    accessToken: json.accessToken,
    expiresAt: json.exp * 1000,
    refreshUrl: `${hub.url}/api/models/alice/xet-unit/xet-write-token/main`,
  };
}

async function fileOf(name: string, bytes: Buffer): Promise<XetObject> {
  const absPath = path.join(work, name);
  await writeFile(absPath, bytes);
  return {
    path: name,
    absPath,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

describe('uploadThroughXet', () => {
  it.each([
    ['read synchronously (from memory)', 1e9],
    ['read through libuv (a slow disk)', -1],
  ])("registers files whose SHA-256 (hashed on its own thread, over the bytes chunked) is the plan's, %s", async (_, slowMs) => {
    const usual = fileReads.slowMs;
    fileReads.slowMs = slowMs;
    onTestFinished(() => {
      fileReads.slowMs = usual;
    });
    // Sizes around the 4 MiB read block: one block, several, a partial last one.
    const objects = [
      await fileOf('a.bin', randomBytes(9 * MiB + 123)),
      await fileOf('b.bin', randomBytes(4 * MiB)),
      await fileOf('c.bin', randomBytes(1000)),
    ];
    const result = await uploadThroughXet({
      objects,
      access: await access(),
      hubToken: TOKEN,
      fetch,
    });
    expect(result.sha256Bytes).toBe(objects.reduce((n, o) => n + o.size, 0));
    expect([...result.xetHashes.keys()].sort()).toEqual(objects.map((o) => o.sha256).sort());
    // The CAS rebuilt each file from its xorbs and checked that SHA-256 before registering it.
    const { casUrl, accessToken } = await access();
    for (const o of objects) {
      const head = await fetch(`${casUrl}/v1/files/${result.xetHashes.get(o.sha256)}`, {
        method: 'HEAD',
        headers: { Authorization: `Bearer ${accessToken}` },
      });
      expect(head.status).toBe(200);
      expect(Number(head.headers.get('content-length'))).toBe(o.size);
    }
  });

  it('refuses a file whose bytes are no longer those the plan hashed, and registers nothing for it', async () => {
    const planned = await fileOf('changed.bin', randomBytes(6 * MiB));
    // Same size, other bytes: what a training run rewriting the file between plan and upload leaves.
    await writeFile(planned.absPath!, randomBytes(6 * MiB));
    const before = hub.requestLog.filter((e) => e.kind === 'xet-shard').length;
    await expect(
      uploadThroughXet({ objects: [planned], access: await access(), hubToken: TOKEN, fetch }),
    ).rejects.toThrow('changed.bin changed on disk while publishing');
    expect(hub.requestLog.filter((e) => e.kind === 'xet-shard').length).toBe(before);
  });

  it('takes the SHA-256 of a file a stat vouches for as it is, and hashes one that was written to since', async () => {
    const identity = async (absPath: string) => {
      const st = await stat(absPath);
      return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, ctimeMs: st.ctimeMs };
    };
    const kept = await fileOf('kept.bin', randomBytes(5 * MiB));
    const vouched = await uploadThroughXet({
      objects: [{ ...kept, hashedAs: await identity(kept.absPath!) }],
      access: await access(),
      hubToken: TOKEN,
      fetch,
    });
    // Not hashed again here; the CAS rebuilt the file and checked the SHA-256 before registering it.
    expect(vouched.sha256Bytes).toBe(0);
    expect(vouched.xetHashes.has(kept.sha256)).toBe(true);

    const rewritten = await fileOf('rewritten.bin', randomBytes(5 * MiB));
    const hashedAs = await identity(rewritten.absPath!);
    await new Promise((r) => setTimeout(r, 20));
    // Same size, other bytes, and the old mtime put back: ctime still moved.
    await writeFile(rewritten.absPath!, randomBytes(5 * MiB));
    const { utimes } = await import('node:fs/promises');
    await utimes(rewritten.absPath!, new Date(hashedAs.mtimeMs), new Date(hashedAs.mtimeMs));
    await expect(
      uploadThroughXet({ objects: [{ ...rewritten, hashedAs }], access: await access(), hubToken: TOKEN, fetch }),
    ).rejects.toThrow('rewritten.bin changed on disk while publishing');
  });

  it('chunks a file once: published again, its chunks come from the store; a list that is not the file\'s is refused, then forgotten', async () => {
    const identity = async (absPath: string) => {
      const st = await stat(absPath);
      return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, ctimeMs: st.ctimeMs };
    };
    const chunkStore = xetChunkStoreIn(path.join(work, 'xet-chunks'));
    const file = await fileOf('stored.bin', randomBytes(6 * MiB));
    const vouched = { ...file, hashedAs: await identity(file.absPath!) };
    const first = await uploadThroughXet({ objects: [vouched], access: await access(), hubToken: TOKEN, fetch, chunkStore });
    expect(first.storedChunkListBytes).toBe(0);
    expect(await chunkStore.get(file.sha256, file.size)).not.toBeNull();
    const again = await uploadThroughXet({ objects: [vouched], access: await access(), hubToken: TOKEN, fetch, chunkStore });
    expect(again.storedChunkListBytes).toBe(file.size);
    expect(again.processedBytes).toBe(file.size);
    expect(again.xetHashes.get(file.sha256)).toBe(first.xetHashes.get(file.sha256));

    // A list stored for other content of the same size (a corrupted store): the CAS rebuilds what the list
    // names and refuses the file, whose SHA-256 is not that content's. Published with a file whose list is right.
    const other = await fileOf('other.bin', randomBytes(6 * MiB));
    await chunkStore.put(other.sha256, other.size, (await chunkStore.get(file.sha256, file.size))!);
    const before = hub.requestLog.filter((e) => e.kind === 'xet-shard' && e.status === 200).length;
    await expect(
      uploadThroughXet({
        objects: [vouched, { ...other, hashedAs: await identity(other.absPath!) }],
        access: await access(),
        hubToken: TOKEN,
        fetch,
        chunkStore,
      }),
    ).rejects.toThrow('Registering other.bin with Xet');
    expect(hub.requestLog.filter((e) => e.kind === 'xet-shard' && e.status === 200).length).toBe(before + 1);
    // The refused list is forgotten, the other one kept: the next run reads and chunks that file, and goes through.
    expect(await chunkStore.get(other.sha256, other.size)).toBeNull();
    expect(await chunkStore.get(file.sha256, file.size)).not.toBeNull();
    const read = await uploadThroughXet({
      objects: [{ ...other, hashedAs: await identity(other.absPath!) }],
      access: await access(),
      hubToken: TOKEN,
      fetch,
      chunkStore,
    });
    expect(read.storedChunkListBytes).toBe(0);
    expect(read.xetHashes.has(other.sha256)).toBe(true);
  });

  it('forgets a stored chunk list whose xorbs the CAS refuses', async () => {
    const chunkStore = xetChunkStoreIn(path.join(work, 'xet-chunks-xorb'));
    const file = await fileOf('listed.bin', randomBytes(3 * MiB));
    // The list of content the CAS has never seen: its xorbs are new, so they are sent, and the chunk hashes the
    // CAS computes from this file's bytes are not the xorb's.
    const chunker = createXetChunker();
    const chunks = chunker.push(randomBytes(file.size));
    const last = chunker.finish();
    if (last) chunks.push(last);
    const unseen: ChunkRef[] = chunks.map((c) => ({ hash: toHex(c.hash), length: c.length }));
    await chunkStore.put(file.sha256, file.size, unseen);
    const st = await stat(file.absPath!);
    const hashedAs = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, ctimeMs: st.ctimeMs };
    await expect(
      uploadThroughXet({ objects: [{ ...file, hashedAs }], access: await access(), hubToken: TOKEN, fetch, chunkStore }),
    ).rejects.toThrow('Uploading a xorb of listed.bin');
    expect(await chunkStore.get(file.sha256, file.size)).toBeNull();
  });

  it('keeps up to three xorbs on their way, and when one fails leaves none running', async () => {
    // Five xorbs: four full ones (64 MiB of chunks each) and a short last one. The CAS's answers come from here:
    // the second xorb is refused, the others are accepted later still.
    const content = randomFillSync(Buffer.allocUnsafe(4 * 64 * MiB + MiB));
    let posts = 0;
    let onTheirWay = 0;
    let most = 0;
    const slowCas: typeof fetch = async (input, init) => {
      if (init?.method !== 'POST' || !String(input).includes('/v1/xorbs/')) return fetch(input, init);
      const n = ++posts;
      most = Math.max(most, ++onTheirWay);
      await new Promise((r) => setTimeout(r, n === 2 ? 150 : 400));
      onTheirWay--;
      return n === 2 ? new Response('refused', { status: 400 }) : Response.json({ was_inserted: true });
    };
    const object = {
      path: 'big.bin',
      content,
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
    };
    await expect(
      uploadThroughXet({ objects: [object], access: await access(), hubToken: TOKEN, fetch: slowCas }),
    ).rejects.toThrow('Uploading a xorb of big.bin');
    expect(most).toBe(3);
    // The failure surfaced once the xorbs sent with it had settled: nothing is still being sent.
    expect(onTheirWay).toBe(0);
  });

  it('serializes a xorb from where its chunks are in the file: headers between them, across block boundaries, with gaps', async () => {
    const bytes = randomBytes(3 * MiB);
    const absPath = path.join(work, 'xorb-source.bin');
    await writeFile(absPath, bytes);
    // Runs that follow each other, a gap (chunks found on the Hub), a chunk before the others, sizes around 1 MiB
    // blocks so headers and chunks fall across block ends.
    const sizes = [65_536, 131_072, 8_193, 100_003, 70_000, 131_072, 1, 65_535, 120_000, 90_000, 131_072, 40_000];
    const chunks: { offset: number; length: number }[] = [];
    let at = 0;
    for (const [i, length] of sizes.entries()) {
      if (i === 5) at += 77_777;
      chunks.push({ offset: at, length });
      at += length;
    }
    chunks.push({ offset: 12, length: 50_000 });
    for (let i = 0; i < 9; i++) chunks.push({ offset: 1_500_000 + i * 131_072, length: 131_072 });
    const expected = Buffer.concat(
      chunks.flatMap((c) => {
        const header = Buffer.alloc(CHUNK_HEADER_BYTES);
        writeChunkHeader(header, 0, c.length);
        return [header, bytes.subarray(c.offset, c.offset + c.length)];
      }),
    );
    expect(expected.length).toBeGreaterThan(2 * MiB);
    for (const source of [{ absPath }, { content: bytes }]) {
      const blob = new XorbBlob(source, chunks, expected.length);
      const streamed: Buffer[] = [];
      for await (const block of blob.stream() as unknown as AsyncIterable<Uint8Array>) streamed.push(Buffer.from(block));
      expect(streamed.length).toBeGreaterThan(2);
      expect(Buffer.concat(streamed).equals(expected)).toBe(true);
      expect(Buffer.from(await blob.arrayBuffer()).equals(expected)).toBe(true);
    }
  });
});
