import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectProxy } from '../../../e2e/fixtures/connect-proxy';
import { useProxyFromEnvironment } from '../../cli/proxy';
import { createHubFetch, FileSliceBlob, fileReads, rateLimitWaitMs, type BodyProgress } from './transport';

describe('FileSliceBlob', () => {
  let dir: string;
  let file: string;
  const bytes = Buffer.alloc(5 * 1024 * 1024 + 17);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 253;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slice-'));
    file = path.join(dir, 'f.bin');
    await writeFile(file, bytes);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads ranges and slices of slices lazily, as a stream or a buffer', async () => {
    const blob = new FileSliceBlob(file, 0, bytes.length);
    expect(blob.size).toBe(bytes.length);
    const part = blob.slice(1000, 3 * 1024 * 1024).slice(10, -10);
    expect(part.size).toBe(3 * 1024 * 1024 - 1000 - 20);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1010, 3 * 1024 * 1024 - 10))).toBe(
      true,
    );
    const chunks: Uint8Array[] = [];
    // Blocks are recycled by the stream (see FileSliceBlob.stream): a consumer that keeps them copies them.
    for await (const c of blob.stream() as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    // Large reads, not 64 KiB ones.
    expect(chunks[0]!.length).toBe(1024 * 1024);
    const partChunks: Uint8Array[] = [];
    for await (const c of blob.slice(3).stream() as unknown as AsyncIterable<Uint8Array>)
      partChunks.push(Buffer.from(c));
    expect(Buffer.concat(partChunks).equals(bytes.subarray(3))).toBe(true);
    expect(await new FileSliceBlob(file, 5, 5).arrayBuffer()).toHaveProperty('byteLength', 0);
  });

  it('reads the same bytes through libuv once a read was slow (a disk)', async () => {
    const usual = fileReads.slowMs;
    fileReads.slowMs = -1;
    try {
      const part = new FileSliceBlob(file, 0, bytes.length).slice(7, -7);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(7, -7))).toBe(true);
    } finally {
      fileReads.slowMs = usual;
    }
  });

  it('a FIFO swapped in for the file since the plan is a clear error, not an upload that waits for a writer', async () => {
    const fifo = path.join(dir, 'swapped.bin');
    execFileSync('mkfifo', [fifo]);
    await expect(new FileSliceBlob(fifo, 0, 10).arrayBuffer()).rejects.toMatchObject({
      code: 'UNREADABLE',
      message: expect.stringMatching(/no longer a regular file/),
    });
  });
});

describe('rateLimitWaitMs', () => {
  it('reads Retry-After seconds or dates and RateLimit t=, taking the longer', () => {
    expect(rateLimitWaitMs(new Headers({ 'Retry-After': '3' }))).toBe(3000);
    expect(rateLimitWaitMs(new Headers({ RateLimit: '"api";r=0;t=55' }))).toBe(55000);
    expect(rateLimitWaitMs(new Headers({ 'Retry-After': '2', RateLimit: '"api";r=0;t=5' }))).toBe(5000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(rateLimitWaitMs(new Headers({ 'Retry-After': 'Thu, 01 Jan 2026 00:00:07 GMT' }), now)).toBe(7000);
    expect(rateLimitWaitMs(new Headers())).toBeNull();
  });
});

describe('createHubFetch', () => {
  let server: Server;
  let url: string;
  let script: ((
    req: { method: string; body: Buffer },
    n: number,
  ) => { status: number; headers?: Record<string, string>; destroy?: boolean })[] = [];
  const seen: {
    method: string;
    bytes: number;
    body: Buffer;
    contentLength: string | undefined;
    chunked: boolean;
  }[] = [];
  let dir: string;
  let file: string;
  const fileBytes = Buffer.alloc(3 * 1024 * 1024 + 5);
  for (let i = 0; i < fileBytes.length; i++) fileBytes[i] = (i * 7) % 251;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hubfetch-'));
    file = path.join(dir, 'weights.bin');
    await writeFile(file, fileBytes);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({
          method: req.method!,
          bytes: body.length,
          body,
          contentLength: req.headers['content-length'],
          chunked: req.headers['transfer-encoding'] === 'chunked',
        });
        const step = script.shift();
        const r = step ? step({ method: req.method!, body }, seen.length) : { status: 200 };
        if (r.destroy) {
          req.socket.destroy();
          return;
        }
        res.writeHead(r.status, { 'Content-Type': 'application/json', ...r.headers });
        res.end(JSON.stringify({ got: body.length }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('retries 5xx and dropped connections, re-sending the whole body each time, and takes back counted bytes', async () => {
    seen.length = 0;
    script = [
      () => ({ status: 500 }),
      () => ({ status: 0, destroy: true }),
      () => ({ status: 503 }),
      () => ({ status: 200 }),
    ];
    const events: BodyProgress[] = [];
    const retries: string[] = [];
    const waits: number[] = [];
    const f = createHubFetch({
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      onBodyProgress: (e) => events.push(e),
      onRetry: (e) => retries.push(e.reason),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const body = new Blob([Buffer.alloc(300_000, 7)]);
    const res = await f(`${url}/x/upload`, {
      method: 'PUT',
      body,
      progressHint: { path: 'w.bin' },
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(seen.map((s) => s.bytes)).toEqual([300_000, 300_000, 300_000, 300_000]);
    expect(retries).toHaveLength(3);
    expect(retries[1]).toMatch(/network/);
    const net = events.reduce((n, e) => n + e.delta, 0);
    expect(net).toBe(300_000);
    expect(events.every((e) => e.path === 'w.bin')).toBe(true);
    expect(events.some((e) => e.delta < 0)).toBe(true);
  });

  it('waits as long as a 429 says, then succeeds; gives up with the 429 when told to wait too long', async () => {
    seen.length = 0;
    script = [
      () => ({ status: 429, headers: { 'Retry-After': '2', RateLimit: '"api";r=0;t=3' } }),
      () => ({ status: 200 }),
    ];
    const waits: number[] = [];
    const f = createHubFetch({ sleep: async (ms) => void waits.push(ms) });
    expect((await f(`${url}/api/models/a/b/preupload/main`, { method: 'POST', body: '{}' })).status).toBe(
      200,
    );
    expect(waits).toEqual([3000]);

    script = [() => ({ status: 429, headers: { 'Retry-After': '3600' } })];
    const g = createHubFetch({ sleep: async () => undefined, retry: { maxRateLimitWaitMs: 60_000 } });
    expect((await g(`${url}/api/x`, { method: 'GET' })).status).toBe(429);
  });

  it('does not retry client errors, and stops waiting when aborted', async () => {
    seen.length = 0;
    script = [() => ({ status: 403 })];
    const f = createHubFetch({ sleep: async () => undefined });
    expect((await f(`${url}/api/x`)).status).toBe(403);
    expect(seen).toHaveLength(1);

    script = [() => ({ status: 500 }), () => ({ status: 500 })];
    const ac = new AbortController();
    const g = createHubFetch({ retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const p = g(`${url}/api/x`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
  it('sends a file range with its Content-Length, the same bytes on every retry, and counts them per file', async () => {
    seen.length = 0;
    script = [
      () => ({ status: 500 }),
      () => ({ status: 0, destroy: true }),
      () => ({ status: 200, headers: { ETag: '"part-2"' } }),
    ];
    const events: BodyProgress[] = [];
    const f = createHubFetch({
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      onBodyProgress: (e) => events.push(e),
      sleep: async () => undefined,
    });
    const part = new FileSliceBlob(file, 0, fileBytes.length).slice(1024 * 1024 + 3, 3 * 1024 * 1024 + 4);
    const res = await f(`${url}/_lfs/part/abc/2`, {
      method: 'PUT',
      body: part,
      progressHint: { path: 'weights.bin', part: 1 },
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('"part-2"');
    expect(res.url).toBe(`${url}/_lfs/part/abc/2`);
    expect(await res.json()).toEqual({ got: part.size });
    const expected = fileBytes.subarray(1024 * 1024 + 3, 3 * 1024 * 1024 + 4);
    expect(seen).toHaveLength(3);
    for (const s of seen) {
      expect(s.body.equals(expected)).toBe(true);
      // The Hub's storage (S3 presigned URLs) wants the length up front, not a chunked body.
      expect(s.contentLength).toBe(String(expected.length));
      expect(s.chunked).toBe(false);
    }
    expect(events.every((e) => e.kind === 'lfs-part' && e.path === 'weights.bin' && e.part === 1)).toBe(true);
    expect(events.reduce((n, e) => n + e.delta, 0)).toBe(expected.length);
    expect(events.some((e) => e.delta < 0)).toBe(true);
  });

  it("gives a file body to a fetch it was given (the app's net.fetch) as the file's Blob", async () => {
    seen.length = 0;
    script = [() => ({ status: 200 })];
    const bodies: unknown[] = [];
    const f = createHubFetch({
      fetch: (input, init) => {
        bodies.push(init?.body);
        return fetch(input, init);
      },
    });
    const whole = new FileSliceBlob(file, 0, fileBytes.length);
    expect((await f(`${url}/_lfs/put/abc`, { method: 'PUT', body: whole } as RequestInit)).status).toBe(200);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toBeInstanceOf(Blob);
    expect((bodies[0] as Blob).size).toBe(fileBytes.length);
    expect(seen[0]!.body.equals(fileBytes)).toBe(true);
  });

  it('stops sending a file when aborted, without retrying', async () => {
    seen.length = 0;
    const arrived: number[] = [];
    const slow = createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        arrived.push(n);
        // Take the first bytes, then stop reading: the client is left waiting on the socket.
        if (n > 64 * 1024) req.pause();
      });
      req.on('close', () => res.destroy());
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const slowUrl = `http://127.0.0.1:${(slow.address() as { port: number }).port}`;
    const retries: string[] = [];
    const f = createHubFetch({ onRetry: (e) => retries.push(e.reason), sleep: async () => undefined });
    const ac = new AbortController();
    const sending = f(`${slowUrl}/_lfs/put/abc`, {
      method: 'PUT',
      body: new FileSliceBlob(file, 0, fileBytes.length),
      signal: ac.signal,
    } as RequestInit);
    while (arrived.length === 0) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await expect(sending).rejects.toMatchObject({ name: 'AbortError' });
    expect(retries).toEqual([]);
    expect(arrived.at(-1)!).toBeLessThan(fileBytes.length);
    slow.closeAllConnections();
    await new Promise<void>((r) => slow.close(() => r()));
  });
  it('sends file bodies through the proxy the CLI was told about (HTTP_PROXY), like every other request', async () => {
    seen.length = 0;
    script = [() => ({ status: 200 })];
    const proxy = await startConnectProxy(() => (server.address() as AddressInfo).port);
    const restore = await useProxyFromEnvironment({ HTTP_PROXY: proxy.url });
    try {
      const f = createHubFetch();
      const res = await f('http://hub.example.test/_lfs/put/abc', {
        method: 'PUT',
        body: new FileSliceBlob(file, 0, fileBytes.length),
      } as RequestInit);
      expect(res.status).toBe(200);
      expect(proxy.tunnels).toEqual(['hub.example.test:80']);
      expect(seen[0]!.body.equals(fileBytes)).toBe(true);
    } finally {
      restore();
      await proxy.close();
    }
  });
});
