import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubFetch, FileSliceBlob, rateLimitWaitMs, type BodyProgress } from './transport';

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
  const seen: { method: string; bytes: number }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ method: req.method!, bytes: body.length });
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
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

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
});
