import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubApiError, createRepo, downloadFile, pathsInfo, uploadFiles } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHub } from './index';
import type { LocalHub } from './index';

const alice = { name: 'alice', token: 'hf_alice_xet_js', role: 'write' as const };
const bob = { name: 'bob', token: 'hf_bob_xet_js', role: 'write' as const };
const reader = { name: 'carol', token: 'hf_carol_xet_read', role: 'read' as const };

let workDir: string;
let hub: LocalHub;
let lfsOnly: LocalHub;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const blob = (bytes: Buffer) => new Blob([new Uint8Array(bytes)]);
const kinds = (from: LocalHub, start = 0) => from.requestLog.slice(start).map((e) => `${e.method} ${e.kind}`);

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'local-hub-xet-'));
  hub = await startLocalHub({ dataDir: join(workDir, 'xet'), users: [alice, bob, reader] });
  lfsOnly = await startLocalHub({ dataDir: join(workDir, 'lfs-only'), users: [alice], xet: false });
});

afterAll(async () => {
  await hub?.close();
  await lfsOnly?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** `resolve` without Xet: the whole file, and ranges across chunk boundaries, the first and the last byte. */
async function expectPlainRanges(from: LocalHub, repo: string, path: string, content: Buffer) {
  const url = `${from.url}/${repo}/resolve/main/${path}`;
  const whole = await fetch(url, { headers: { Authorization: `Bearer ${alice.token}` } });
  expect(Buffer.from(await whole.arrayBuffer()).equals(content)).toBe(true);
  const n = content.length;
  for (const [start, end] of [
    [0, 0],
    [65_530, 200_000],
    [Math.floor(n / 2) - 10, Math.floor(n / 2) + 300_000],
    [n - 1, n - 1],
    [1000, n - 1],
  ] as const) {
    const res = await fetch(url, {
      headers: { Authorization: `Bearer ${alice.token}`, Range: `bytes=${start}-${end}` },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get('Content-Range')).toBe(`bytes ${start}-${end}/${n}`);
    expect(
      Buffer.from(await res.arrayBuffer()).equals(content.subarray(start, end + 1)),
      `${start}-${end}`,
    ).toBe(true);
  }
}

async function download(from: LocalHub, repo: string, path: string): Promise<Buffer> {
  const file = await downloadFile({ repo, path, accessToken: alice.token, hubUrl: from.url });
  expect(file, path).not.toBeNull();
  return Buffer.from(await file!.arrayBuffer());
}

describe('@huggingface/hub with its defaults (useXet) against the local Hub', () => {
  it('stores files as Xet (pathsInfo shows xetHash) and reads them back byte for byte through the CAS', async () => {
    const repo = 'alice/xet-js';
    await createRepo({ repo, accessToken: alice.token, hubUrl: hub.url });
    // Compressible and random content, so both LZ4 kinds and raw chunks occur; 3 MiB spans several chunks.
    const weights = Buffer.concat([
      randomBytes(2 * 1024 * 1024),
      Buffer.alloc(1024 * 1024, 7),
      randomBytes(1001),
    ]);
    const logStart = hub.requestLog.length;
    await uploadFiles({
      repo,
      accessToken: alice.token,
      hubUrl: hub.url,
      files: [
        { path: 'model.safetensors', content: blob(weights) },
        { path: 'config.json', content: blob(Buffer.from('{"a":1}')) },
      ],
    });
    const sent = kinds(hub, logStart);
    expect(sent).toContain('POST lfs-batch');
    expect(sent).toContain('POST xet-xorb');
    expect(sent).toContain('POST xet-shard');
    expect(sent.filter((k) => /lfs-(put|part|complete)/.test(k))).toEqual([]);

    const [info] = await pathsInfo({
      repo,
      paths: ['model.safetensors'],
      accessToken: alice.token,
      hubUrl: hub.url,
    });
    expect(info?.xetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(info?.lfs?.oid).toBe(sha256(weights));

    const readStart = hub.requestLog.length;
    expect((await download(hub, repo, 'model.safetensors')).equals(weights)).toBe(true);
    expect(kinds(hub, readStart)).toContain('GET xet-reconstruction');
    expect(kinds(hub, readStart)).toContain('GET xet-data');

    // A client that does not offer Xet still reads the same file as plain bytes (the Hub keeps an LFS object).
    const plain = await fetch(`${hub.url}/${repo}/resolve/main/model.safetensors`, {
      headers: { Authorization: `Bearer ${alice.token}` },
    });
    expect(plain.headers.get('X-Xet-Hash')).toBe(info?.xetHash);
    expect(Buffer.from(await plain.arrayBuffer()).equals(weights)).toBe(true);
    // Stored once, as xorbs: the plain bytes, and any range of them, are rebuilt from the chunks.
    expect(existsSync(join(workDir, 'xet', 'lfs', sha256(weights).slice(0, 2), sha256(weights)))).toBe(false);
    await expectPlainRanges(hub, repo, 'model.safetensors', weights);
  });

  it('serves a Xet-uploaded file to plain and LFS readers after a restart, whole and in ranges', async () => {
    const dataDir = join(workDir, 'restart');
    const first = await startLocalHub({ dataDir, users: [alice] });
    const repo = 'alice/xet-restart';
    const content = Buffer.concat([randomBytes(700_000), Buffer.alloc(300_000, 1), randomBytes(333)]);
    try {
      await createRepo({ repo, accessToken: alice.token, hubUrl: first.url });
      await uploadFiles({
        repo,
        accessToken: alice.token,
        hubUrl: first.url,
        files: [{ path: 'w.bin', content: blob(content) }],
      });
    } finally {
      await first.close();
    }
    const again = await startLocalHub({ dataDir, users: [alice] });
    try {
      await expectPlainRanges(again, repo, 'w.bin', content);
      // The LFS batch still knows the object, so an LFS client does not send it again.
      const batch = await fetch(`${again.url}/${repo}.git/info/lfs/objects/batch`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${alice.token}`, 'Content-Type': 'application/vnd.git-lfs+json' },
        body: JSON.stringify({
          operation: 'upload',
          transfers: ['basic'],
          objects: [{ oid: sha256(content), size: content.length }],
        }),
      });
      const answer = (await batch.json()) as { objects: { actions?: unknown }[] };
      expect(answer.objects[0]!.actions).toBeUndefined();
    } finally {
      await again.close();
    }
  });

  it('re-uploading identical content sends no xorb again', async () => {
    const repo = 'alice/xet-again';
    await createRepo({ repo, accessToken: alice.token, hubUrl: hub.url });
    const content = randomBytes(1024 * 1024 + 5);
    await uploadFiles({
      repo,
      accessToken: alice.token,
      hubUrl: hub.url,
      files: [{ path: 'a.bin', content: blob(content) }],
    });
    const start = hub.requestLog.length;
    await uploadFiles({
      repo,
      accessToken: alice.token,
      hubUrl: hub.url,
      files: [{ path: 'b.bin', content: blob(content) }],
    });
    expect(kinds(hub, start).filter((k) => k.startsWith('POST xet-'))).toEqual([]);
    expect((await download(hub, repo, 'b.bin')).equals(content)).toBe(true);
  });

  it('with useXet: false the same hub takes classic LFS; the Hub then gives the file its Xet form, which later Xet uploads dedup against', async () => {
    const repo = 'alice/lfs-on-xet-hub';
    await createRepo({ repo, accessToken: alice.token, hubUrl: hub.url });
    const content = randomBytes(3 * 1024 * 1024 + 3);
    const start = hub.requestLog.length;
    await uploadFiles({
      repo,
      accessToken: alice.token,
      hubUrl: hub.url,
      useXet: false,
      files: [{ path: 'w.bin', content: blob(content) }],
    });
    expect(kinds(hub, start)).toContain('PUT lfs-put');
    expect(kinds(hub, start).filter((k) => k.includes('xet-'))).toEqual([]);
    // Plain bytes right away, whether or not the migration has finished.
    const plain = await fetch(`${hub.url}/${repo}/resolve/main/w.bin`, {
      headers: { Authorization: `Bearer ${alice.token}` },
    });
    expect(Buffer.from(await plain.arrayBuffer()).equals(content)).toBe(true);

    let xetHash: string | undefined;
    for (let attempt = 0; attempt < 200 && !xetHash; attempt++) {
      xetHash = (
        await pathsInfo({
          repo,
          paths: ['w.bin'],
          accessToken: alice.token,
          hubUrl: hub.url,
        })
      )[0]?.xetHash;
      if (!xetHash) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(xetHash, 'the LFS file got no Xet hash within 20 s').toMatch(/^[0-9a-f]{64}$/);
    const readStart = hub.requestLog.length;
    expect((await download(hub, repo, 'w.bin')).equals(content)).toBe(true);
    expect(kinds(hub, readStart)).toContain('GET xet-data');

    // A Xet upload of a version changed in the middle finds the unchanged chunks through global dedup.
    const changed = Buffer.from(content);
    randomBytes(1000).copy(changed, 1024 * 1024);
    const xorbBytes: number[] = [];
    await uploadFiles({
      repo,
      accessToken: alice.token,
      hubUrl: hub.url,
      files: [{ path: 'w.bin', content: blob(changed) }],
      fetch: async (input, init) => {
        if (
          String(input instanceof Request ? input.url : input).includes('/v1/xorbs/') &&
          init?.body instanceof Uint8Array
        ) {
          xorbBytes.push(init.body.byteLength);
        }
        return fetch(input, init);
      },
    });
    expect(xorbBytes.reduce((a, b) => a + b, 0)).toBeLessThan(changed.length / 2);
    expect((await download(hub, repo, 'w.bin')).equals(changed)).toBe(true);
  });

  it('a hub with xet: false is an LFS-only mirror: basic transfer, no token endpoint, no CAS', async () => {
    const repo = 'alice/mirror';
    await createRepo({ repo, accessToken: alice.token, hubUrl: lfsOnly.url });
    const content = randomBytes(1024 * 1024);
    await uploadFiles({
      repo,
      accessToken: alice.token,
      hubUrl: lfsOnly.url,
      files: [{ path: 'w.bin', content: blob(content) }],
    });
    expect(kinds(lfsOnly)).toContain('PUT lfs-put');
    expect(kinds(lfsOnly).filter((k) => k.includes('xet-'))).toEqual([]);
    expect((await download(lfsOnly, repo, 'w.bin')).equals(content)).toBe(true);
    const token = await fetch(`${lfsOnly.url}/api/models/${repo}/xet-write-token/main`, {
      headers: { Authorization: `Bearer ${alice.token}` },
    });
    expect(token.status).toBe(404);
    expect((await fetch(`${lfsOnly.url}/xet-cas/v1/shards`, { method: 'POST' })).status).toBe(404);
  });
});

describe('Xet tokens and roles', () => {
  const token = (user: { token: string } | undefined, repo: string, kind: 'read' | 'write', query = '') =>
    fetch(`${hub.url}/api/models/${repo}/xet-${kind}-token/main${query}`, {
      headers: user ? { Authorization: `Bearer ${user.token}` } : {},
    });

  it('issues write tokens only to those who may write, read tokens to those who may read', async () => {
    await createRepo({ repo: 'alice/roles', accessToken: alice.token, hubUrl: hub.url });
    const granted = await token(alice, 'alice/roles', 'write');
    expect(granted.status).toBe(200);
    const body = (await granted.json()) as { accessToken: string; exp: number; casUrl: string };
    expect(body.casUrl).toBe(`${hub.url}/xet-cas`);
    expect(body.exp).toBeGreaterThan(Date.now() / 1000);
    expect(granted.headers.get('X-Xet-Access-Token')).toBe(body.accessToken);
    expect(granted.headers.get('X-Xet-Cas-Url')).toBe(body.casUrl);
    expect(granted.headers.get('X-Xet-Token-Expiration')).toBe(String(body.exp));
    expect((await token(reader, 'alice/roles', 'write')).status).toBe(403);
    expect((await token(bob, 'alice/roles', 'write')).status).toBe(403);
    expect((await token(undefined, 'alice/roles', 'write')).status).toBe(401);
    expect((await token(reader, 'alice/roles', 'read')).status).toBe(200);
    expect((await token(alice, 'alice/missing', 'write')).status).toBe(404);
    expect(
      (
        await fetch(`${hub.url}/api/models/alice/roles/xet-write-token/nope`, {
          headers: { Authorization: `Bearer ${alice.token}` },
        })
      ).status,
    ).toBe(404);
    // huggingface_hub asks for `/None` when it will open a PR and cannot know the ref yet.
    expect(
      (
        await fetch(`${hub.url}/api/models/alice/roles/xet-write-token/None?create_pr=1`, {
          headers: { Authorization: `Bearer ${alice.token}` },
        })
      ).status,
    ).toBe(200);
  });

  it('answers 401 for a missing, forged or expired CAS token and 403 for a read token on uploads', async () => {
    const cas = `${hub.url}/xet-cas`;
    const xorb = `${cas}/v1/xorbs/default/${'0'.repeat(64)}`;
    expect((await fetch(xorb, { method: 'POST', body: 'x' })).status).toBe(401);
    expect(
      (await fetch(xorb, { method: 'POST', body: 'x', headers: { Authorization: 'Bearer xet_forged.abc' } }))
        .status,
    ).toBe(401);
    // The Hub token is not a CAS token.
    expect(
      (await fetch(xorb, { method: 'POST', body: 'x', headers: { Authorization: `Bearer ${alice.token}` } }))
        .status,
    ).toBe(401);
    const read = (await (await token(reader, 'alice/roles', 'read')).json()) as { accessToken: string };
    const readOnly = await fetch(xorb, {
      method: 'POST',
      body: 'x',
      headers: { Authorization: `Bearer ${read.accessToken}` },
    });
    expect(readOnly.status).toBe(403);
    expect(
      (
        await fetch(`${cas}/v1/shards`, {
          method: 'POST',
          body: 'x',
          headers: { Authorization: `Bearer ${read.accessToken}` },
        })
      ).status,
    ).toBe(403);

    const shortLived = await startLocalHub({
      dataDir: join(workDir, 'short'),
      users: [alice],
      xetTokenLifetimeSeconds: 1,
    });
    try {
      await createRepo({ repo: 'alice/short', accessToken: alice.token, hubUrl: shortLived.url });
      const issued = (await (
        await fetch(`${shortLived.url}/api/models/alice/short/xet-read-token/main`, {
          headers: { Authorization: `Bearer ${alice.token}` },
        })
      ).json()) as { accessToken: string };
      const probe = () =>
        fetch(`${shortLived.url}/xet-cas/v1/xorbs/default/${'1'.repeat(64)}`, {
          method: 'HEAD',
          headers: { Authorization: `Bearer ${issued.accessToken}` },
        });
      expect((await probe()).status).toBe(404);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await probe()).status).toBe(401);
    } finally {
      await shortLived.close();
    }
  });

  it('a read-only Hub token gets no Xet batch answer: it is refused before any byte is sent, as for LFS', async () => {
    const error = await uploadFiles({
      repo: 'alice/roles',
      accessToken: reader.token,
      hubUrl: hub.url,
      files: [{ path: 'x.bin', content: blob(randomBytes(1000)) }],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HubApiError);
    expect((error as HubApiError).statusCode).toBe(403);
  });
});

describe('CAS reads and global dedup, as the clients use them', () => {
  const storedXorbs = () =>
    hub.requestLog.filter((e) => e.method === 'POST' && e.kind === 'xet-xorb' && e.status === 200).length;

  it('global dedup lets a new file reuse the chunks another repo already stored', async () => {
    const shared = randomBytes(3 * 1024 * 1024);
    await createRepo({ repo: 'alice/dedup-a', accessToken: alice.token, hubUrl: hub.url });
    await uploadFiles({
      repo: 'alice/dedup-a',
      accessToken: alice.token,
      hubUrl: hub.url,
      files: [{ path: 'a.bin', content: blob(shared) }],
    });
    await createRepo({ repo: 'alice/dedup-b', accessToken: alice.token, hubUrl: hub.url });
    const grown = Buffer.concat([shared, randomBytes(256 * 1024)]);
    const start = hub.requestLog.length;
    const xorbSizes: number[] = [];
    await uploadFiles({
      repo: 'alice/dedup-b',
      accessToken: alice.token,
      hubUrl: hub.url,
      files: [{ path: 'b.bin', content: blob(grown) }],
      fetch: async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.includes('/v1/xorbs/') && init?.body instanceof Uint8Array)
          xorbSizes.push(init.body.byteLength);
        return fetch(input, init);
      },
    });
    expect(hub.requestLog.slice(start).some((e) => e.kind === 'xet-dedup' && e.status === 200)).toBe(true);
    // Only the new tail (and the chunk where it joins) travels: far less than the 3 MiB already stored.
    expect(xorbSizes.reduce((a, b) => a + b, 0)).toBeLessThan(1024 * 1024);
    expect((await download(hub, 'alice/dedup-b', 'b.bin')).equals(grown)).toBe(true);
    expect(storedXorbs()).toBeGreaterThan(0);
  });

  it('answers ranges (v2 with Range), v1 reconstructions, HEAD /v1/files and 416 past the end', async () => {
    const repo = 'alice/ranges';
    await createRepo({ repo, accessToken: alice.token, hubUrl: hub.url });
    const content = Buffer.concat([randomBytes(1024 * 1024), Buffer.alloc(512 * 1024, 1), randomBytes(777)]);
    await uploadFiles({
      repo,
      accessToken: alice.token,
      hubUrl: hub.url,
      files: [{ path: 'r.bin', content: blob(content) }],
    });
    const file = await downloadFile({ repo, path: 'r.bin', accessToken: alice.token, hubUrl: hub.url });
    // XetBlob.slice asks /v2/reconstructions with a Range and trims with offset_into_first_range.
    for (const [from, to] of [
      [0, 1],
      [70_000, 200_000],
      [1024 * 1024 - 10, 1024 * 1024 + 300_000],
      [content.length - 500, content.length],
    ] as const) {
      expect(
        Buffer.from(await file!.slice(from, to).arrayBuffer()).equals(content.subarray(from, to)),
        `${from}-${to}`,
      ).toBe(true);
    }
    const [info] = await pathsInfo({ repo, paths: ['r.bin'], accessToken: alice.token, hubUrl: hub.url });
    const read = (await (
      await fetch(`${hub.url}/api/models/${repo}/xet-read-token/main`, {
        headers: { Authorization: `Bearer ${alice.token}` },
      })
    ).json()) as { accessToken: string; casUrl: string };
    const auth = { Authorization: `Bearer ${read.accessToken}` };
    const head = await fetch(`${read.casUrl}/v1/files/${info!.xetHash}`, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe(String(content.length));
    expect(
      (await fetch(`${read.casUrl}/v1/files/${'2'.repeat(64)}`, { method: 'HEAD', headers: auth })).status,
    ).toBe(404);
    const v1 = (await (
      await fetch(`${read.casUrl}/v1/reconstructions/${info!.xetHash}`, { headers: auth })
    ).json()) as {
      terms: { hash: string; unpacked_length: number }[];
      fetch_info: Record<string, { url: string; url_range: { start: number; end: number } }[]>;
    };
    expect(v1.terms.reduce((sum, t) => sum + t.unpacked_length, 0)).toBe(content.length);
    const [fetchInfo] = Object.values(v1.fetch_info)[0]!;
    const bytes = await fetch(fetchInfo!.url, {
      headers: { Range: `bytes=${fetchInfo!.url_range.start}-${fetchInfo!.url_range.end}` },
    });
    expect(bytes.status).toBe(206);
    // A range the URL was not signed for is refused, as the Hub's CDN refuses it.
    const outside = await fetch(fetchInfo!.url, {
      headers: { Range: `bytes=${fetchInfo!.url_range.end + 1}-${fetchInfo!.url_range.end + 2}` },
    });
    expect(outside.status).toBe(403);
    const past = await fetch(`${read.casUrl}/v2/reconstructions/${info!.xetHash}`, {
      headers: { ...auth, Range: `bytes=${content.length}-` },
    });
    expect(past.status).toBe(416);
  });
});
