import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hasher } from '@huggingface/blake3-jit';
import { fileHash, hashToHex, hexToBytes, verificationHash, xorbHash } from '@huggingface/xetchunk-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHub } from './index';
import type { LocalHub } from './index';

/**
 * Hand-made xorbs and shards, serialized here from hub-docs `docs/xet/xorb.md` and `shard.md`, for what no
 * well-behaved client sends: wrong hashes, missing xorbs, a SHA-256 that is not the content's.
 */

const alice = { name: 'alice', token: 'hf_alice_verify', role: 'write' as const };
/** lz4js (untyped): LZ4 frames, the chunk compression xet-core and the JS client use. */
const { compress } = createRequire(import.meta.url)('lz4js') as { compress(src: Uint8Array): Uint8Array };
const dataKey = new Uint8Array([
  102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28, 157, 228, 33, 16, 155, 235, 43,
  88, 180, 208, 176, 75, 147, 173, 242, 41,
]);
const shardTag = Buffer.from([
  72, 70, 82, 101, 112, 111, 77, 101, 116, 97, 68, 97, 116, 97, 0, 85, 105, 103, 69, 106, 123, 129, 87, 131,
  165, 189, 217, 92, 205, 209, 74, 169,
]);

const chunkHashOf = (data: Uint8Array) => hashToHex(Hasher.newKeyed(dataKey).update(data).finalize(32));
const refs = (chunks: Buffer[]) =>
  chunks.map((c) => ({ hash: hexToBytes(chunkHashOf(c)), length: c.length }));
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

interface Xorb {
  hash: string;
  body: Buffer;
  chunks: Buffer[];
}

/** Chunk 0 stored raw, the others as LZ4 frames (scheme 1), as xorb.md allows mixing. */
function makeXorb(chunks: Buffer[]): Xorb {
  const parts: Buffer[] = [];
  chunks.forEach((chunk, index) => {
    const packed = index === 0 ? chunk : Buffer.from(compress(chunk));
    const header = Buffer.alloc(8);
    header.writeUIntLE(packed.length, 1, 3);
    header[4] = index === 0 ? 0 : 1;
    header.writeUIntLE(chunk.length, 5, 3);
    parts.push(header, packed);
  });
  return { hash: hashToHex(xorbHash(refs(chunks))), body: Buffer.concat(parts), chunks };
}

const hashBytes = (hex: string) => Buffer.from(hexToBytes(hex));
const bookend = () => Buffer.concat([Buffer.alloc(32, 0xff), Buffer.alloc(16)]);

interface ShardFile {
  fileHash: string;
  sha256: string;
  terms: { xorb: Xorb; start: number; end: number; verification?: string }[];
}

function makeShard(files: ShardFile[], xorbs: Xorb[]): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(48);
  shardTag.copy(header);
  header.writeBigUInt64LE(2n, 32);
  parts.push(header);
  for (const file of files) {
    const fileHeader = Buffer.alloc(48);
    hashBytes(file.fileHash).copy(fileHeader);
    fileHeader.writeUInt32LE(0x80000000 + 0x40000000, 32);
    fileHeader.writeUInt32LE(file.terms.length, 36);
    parts.push(fileHeader);
    for (const term of file.terms) {
      const entry = Buffer.alloc(48);
      hashBytes(term.xorb.hash).copy(entry);
      entry.writeUInt32LE(
        term.xorb.chunks.slice(term.start, term.end).reduce((sum, c) => sum + c.length, 0),
        36,
      );
      entry.writeUInt32LE(term.start, 40);
      entry.writeUInt32LE(term.end, 44);
      parts.push(entry);
    }
    for (const term of file.terms) {
      const verification =
        term.verification ??
        hashToHex(verificationHash(refs(term.xorb.chunks.slice(term.start, term.end)).map((r) => r.hash)));
      parts.push(Buffer.concat([hashBytes(verification), Buffer.alloc(16)]));
    }
    parts.push(Buffer.concat([hashBytes(file.sha256), Buffer.alloc(16)]));
  }
  parts.push(bookend());
  for (const xorb of xorbs) {
    const casHeader = Buffer.alloc(48);
    hashBytes(xorb.hash).copy(casHeader);
    casHeader.writeUInt32LE(xorb.chunks.length, 36);
    casHeader.writeUInt32LE(
      xorb.chunks.reduce((sum, c) => sum + c.length, 0),
      40,
    );
    casHeader.writeUInt32LE(xorb.body.length, 44);
    parts.push(casHeader);
    let offset = 0;
    for (const chunk of xorb.chunks) {
      const entry = Buffer.alloc(48);
      hashBytes(chunkHashOf(chunk)).copy(entry);
      entry.writeUInt32LE(offset, 32);
      entry.writeUInt32LE(chunk.length, 36);
      offset += chunk.length;
      parts.push(entry);
    }
  }
  parts.push(bookend());
  return Buffer.concat(parts);
}

/** The shard a client would send for one file made of all chunks of one xorb. */
function wholeFile(xorb: Xorb, overrides: Partial<ShardFile> = {}): ShardFile {
  const content = Buffer.concat(xorb.chunks);
  return {
    fileHash: hashToHex(fileHash(refs(xorb.chunks))),
    sha256: sha256(content),
    terms: [{ xorb, start: 0, end: xorb.chunks.length }],
    ...overrides,
  };
}

let workDir: string;
let hub: LocalHub;
let cas: string;
let writeToken: string;

const post = (path: string, body: Buffer, token = writeToken) =>
  fetch(`${cas}${path}`, {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { Authorization: `Bearer ${token}` },
  });
const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

const auth = { Authorization: `Bearer ${alice.token}` };

/** Starts the Hub on the suite's data dir (the repo is made once) and takes a write token for its CAS. */
async function connect(): Promise<void> {
  hub = await startLocalHub({ dataDir: join(workDir, 'data'), users: [alice] });
  await fetch(`${hub.url}/api/repos/create`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ name: 'verify', exist_ok: true }),
  });
  const token = (await (
    await fetch(`${hub.url}/api/models/alice/verify/xet-write-token/main`, { headers: auth })
  ).json()) as {
    accessToken: string;
    casUrl: string;
  };
  cas = token.casUrl;
  writeToken = token.accessToken;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'local-hub-xet-verify-'));
  await connect();
});

afterAll(async () => {
  await hub?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function commitLfsFile(path: string, oid: string, size: number): Promise<Response> {
  const body = [
    { key: 'header', value: { summary: `Add ${path}` } },
    { key: 'lfsFile', value: { path, algo: 'sha256', oid, size } },
  ]
    .map((line) => JSON.stringify(line))
    .join('\n');
  return fetch(`${hub.url}/api/models/alice/verify/commit/main`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${alice.token}`, 'Content-Type': 'application/x-ndjson' },
    body,
  });
}

describe('the CAS verifies what it stores', () => {
  it('keeps a xorb only when its chunks hash to the hash in the path', async () => {
    const xorb = makeXorb([randomBytes(20_000), Buffer.alloc(30_000, 3), randomBytes(5_000)]);
    const wrongPath = await post(`/v1/xorbs/default/${'ab'.repeat(32)}`, xorb.body);
    expect(wrongPath.status).toBe(400);
    expect(await errorOf(wrongPath)).toContain(`hash to ${xorb.hash}`);
    const truncated = await post(
      `/v1/xorbs/default/${xorb.hash}`,
      xorb.body.subarray(0, xorb.body.length - 10),
    );
    expect(truncated.status).toBe(400);
    expect(await errorOf(truncated)).toContain('ends inside a chunk');
    const head = () =>
      fetch(`${cas}/v1/xorbs/default/${xorb.hash}`, {
        method: 'HEAD',
        headers: { Authorization: `Bearer ${writeToken}` },
      });
    expect((await head()).status).toBe(404);
    const stored = await post(`/v1/xorbs/default/${xorb.hash}`, xorb.body);
    expect(await stored.json()).toEqual({ was_inserted: true });
    // The prefix the spec names for dedup is accepted too; a second upload is no error.
    expect(await (await post(`/v1/xorbs/default-merkledb/${xorb.hash}`, xorb.body)).json()).toEqual({
      was_inserted: false,
    });
    expect((await head()).status).toBe(200);
    expect((await head()).headers.get('Content-Length')).toBe(String(xorb.body.length));
  });

  it('refuses shards whose xorbs are missing or whose file hash, verification hash or SHA-256 is wrong, also for a file already stored', async () => {
    const xorb = makeXorb([randomBytes(10_000), randomBytes(12_000)]);
    const missing = await post('/v1/shards', makeShard([wholeFile(xorb)], []));
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toContain(`xorb ${xorb.hash}, which was never uploaded`);
    await post(`/v1/xorbs/default/${xorb.hash}`, xorb.body);

    const wrongFileHash = await post(
      '/v1/shards',
      makeShard([wholeFile(xorb, { fileHash: 'cd'.repeat(32) })], [xorb]),
    );
    expect(wrongFileHash.status).toBe(400);
    expect(await errorOf(wrongFileHash)).toContain('shard rejected');

    const file = wholeFile(xorb);
    const wrongVerification = await post(
      '/v1/shards',
      makeShard([{ ...file, terms: [{ ...file.terms[0]!, verification: 'ef'.repeat(32) }] }], [xorb]),
    );
    expect(wrongVerification.status).toBe(400);
    expect(await errorOf(wrongVerification)).toContain('verification hash');

    const lie = sha256(randomBytes(100));
    const wrongSha = await post('/v1/shards', makeShard([{ ...file, sha256: lie }], [xorb]));
    expect(wrongSha.status).toBe(400);
    expect(await errorOf(wrongSha)).toContain(`the shard says ${lie}`);
    // Nothing was registered under the false SHA-256: a commit naming it is refused.
    expect((await commitLfsFile('lie.bin', lie, 22_000)).status).toBe(400);

    const listedWrongly = makeXorb([randomBytes(1_000)]);
    const wrongListing = await post(
      '/v1/shards',
      makeShard([file], [{ ...xorb, chunks: listedWrongly.chunks }]),
    );
    expect(wrongListing.status).toBe(400);

    // Registered once, the same chunks cannot be given another SHA-256 later.
    expect((await post('/v1/shards', makeShard([file], [xorb]))).status).toBe(200);
    const relabelled = await post('/v1/shards', makeShard([{ ...file, sha256: lie }], [xorb]));
    expect(relabelled.status).toBe(400);
    expect(await errorOf(relabelled)).toContain(`the shard says ${lie}`);
    expect((await commitLfsFile('lie.bin', lie, 22_000)).status).toBe(400);
  });

  it('registers a valid shard, with or without footer and through /v2 with NDJSON progress; commits then take the file by SHA-256', async () => {
    const xorb = makeXorb([randomBytes(15_000), Buffer.alloc(9_000, 1)]);
    await post(`/v1/xorbs/default/${xorb.hash}`, xorb.body);
    const file = wholeFile(xorb);
    const content = Buffer.concat(xorb.chunks);
    const streamed = await post('/v2/shards', makeShard([file], [xorb]));
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('Content-Type')).toBe('application/x-ndjson');
    const events = (await streamed.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(events[0]).toEqual({ type: 'validating', verified: 0, total: 1 });
    expect(events.at(-1)).toEqual({ type: 'result', result: 1 });

    // With the 200-byte footer the JS client writes: accepted, already known.
    const withFooter = Buffer.concat([makeShard([file], [xorb]), Buffer.alloc(200)]);
    withFooter.writeBigUInt64LE(200n, 40);
    withFooter.writeBigUInt64LE(1n, withFooter.length - 200);
    expect(await (await post('/v1/shards', withFooter)).json()).toEqual({ result: 0 });

    const failing = await post('/v2/shards', makeShard([{ ...file, fileHash: '12'.repeat(32) }], [xorb]));
    expect(failing.status).toBe(200);
    const last = JSON.parse((await failing.text()).trim().split('\n').at(-1)!) as {
      type: string;
      message: string;
    };
    expect(last.type).toBe('error');
    expect(last.message).toContain('shard rejected');

    expect((await commitLfsFile('from-xet.bin', file.sha256, content.length)).status).toBe(200);
    const resolved = await fetch(`${hub.url}/alice/verify/resolve/main/from-xet.bin`);
    expect(resolved.headers.get('X-Xet-Hash')).toBe(file.fileHash);
    expect(resolved.headers.get('Link')).toContain('rel="xet-auth"');
    expect(resolved.headers.get('Link')).toContain(
      `/xet-cas/v1/reconstructions/${file.fileHash}>; rel="xet-reconstruction-info"`,
    );
    expect(Buffer.from(await resolved.arrayBuffer()).equals(content)).toBe(true);
    const info = (await (
      await fetch(`${hub.url}/api/models/alice/verify/paths-info/main`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ paths: ['from-xet.bin'] }),
      })
    ).json()) as { xetHash?: string }[];
    expect(info[0]?.xetHash).toBe(file.fileHash);
  });

  it('checks the SHA-256 of a file whose xorbs an older local Hub stored (chunk indexes without their compression)', async () => {
    const xorb = makeXorb([randomBytes(11_000), Buffer.alloc(13_000, 7), randomBytes(4_000)]);
    await post(`/v1/xorbs/default/${xorb.hash}`, xorb.body);
    await hub.close();
    const indexPath = join(workDir, 'data', 'xet', 'xorbs', xorb.hash.slice(0, 2), `${xorb.hash}.json`);
    const index = JSON.parse(await readFile(indexPath, 'utf8')) as { chunks: { scheme?: number }[] };
    expect(index.chunks.map((c) => c.scheme)).toEqual([0, 1, 1]);
    for (const chunk of index.chunks) delete chunk.scheme;
    await writeFile(indexPath, JSON.stringify(index));
    await connect();

    const file = wholeFile(xorb);
    const lie = sha256(randomBytes(100));
    const wrongSha = await post('/v1/shards', makeShard([{ ...file, sha256: lie }], [xorb]));
    expect(await errorOf(wrongSha)).toContain(`the shard says ${lie}`);
    expect(await (await post('/v1/shards', makeShard([file], [xorb]))).json()).toEqual({ result: 1 });
  });

  it('a reset planned for xorbs passes over their bodiless HEADs and cuts the body of the next POST', async () => {
    const xorb = makeXorb([randomBytes(20_000)]);
    hub.setFaults({ rules: [{ fault: 'reset', afterBytes: 1024, kinds: ['xet-xorb'], count: 1 }] });
    try {
      const head = await fetch(`${cas}/v1/xorbs/default/${xorb.hash}`, {
        method: 'HEAD',
        headers: { Authorization: `Bearer ${writeToken}` },
      });
      expect(head.status).toBe(404);
      await expect(post(`/v1/xorbs/default/${xorb.hash}`, xorb.body)).rejects.toThrow(TypeError);
      expect(hub.requestLog.filter((e) => e.kind === 'xet-xorb').map((e) => e.status).slice(-2)).toEqual([404, 0]);
    } finally {
      hub.setFaults(undefined);
    }
  });

  it('bytes that are not a shard get a clear 400', async () => {
    const notShard = await post('/v1/shards', randomBytes(500));
    expect(notShard.status).toBe(400);
    expect(await errorOf(notShard)).toContain('header tag');
  });
});
