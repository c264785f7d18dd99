import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { HubApiError, createRepo, downloadFile, repoExists, uploadFiles, whoAmI } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector, parseFaultRule } from './faults';
import { localHubNodeFlags, startLocalHub } from './index';
import type { FaultPlan, LocalHub } from './index';

const alice = { name: 'alice', token: 'hf_alice_write_token', role: 'write' as const };
const chunkSize = 4 * 1024 * 1024;

let workDir: string;
let hub: LocalHub;
let largeFile: string;
let largeContent: Buffer;

const credentials = () => ({ accessToken: alice.token, hubUrl: hub.url });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

/** The client takes a `fetch`; this one keeps every response so a test can read headers the error hides. */
function recordingFetch(seen: Response[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    seen.push(response);
    return response;
  };
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'local-hub-faults-'));
  hub = await startLocalHub({
    dataDir: join(workDir, 'data'),
    users: [alice],
    seed: 7,
    multipartThreshold: 5_000_000,
    multipartChunkSize: chunkSize,
    // These faults target the classic LFS transfer (parts, PUTs); with Xet on, the client would take the CAS instead.
    xet: false,
  });
  largeContent = randomBytes(3 * chunkSize + 1000);
  largeFile = join(workDir, 'weights.bin');
  await writeFile(largeFile, largeContent);
  await createRepo({ repo: 'alice/faulty', ...credentials() });
});

afterAll(async () => {
  await hub?.close();
  await rm(workDir, { recursive: true, force: true });
});

function statusesOf(kind: string, since: number): number[] {
  return hub.requestLog.slice(since).filter((e) => e.kind === kind).map((e) => e.status);
}

describe('fault injection as the client sees it', () => {
  it('fails the first N commits with 503, then lets the retry through', async () => {
    hub.setFaults({ rules: [{ fault: 'status', status: 503, kinds: ['commit'], count: 1 }] });
    const since = hub.requestLog.length;
    const upload = () => uploadFiles({ repo: 'alice/faulty', files: [{ path: 'a.txt', content: new Blob(['a']) }], ...credentials() });
    const error = await rejection(upload());
    expect(error).toBeInstanceOf(HubApiError);
    expect((error as HubApiError).statusCode).toBe(503);
    await upload();
    expect(statusesOf('commit', since)).toEqual([503, 200]);
    hub.setFaults(undefined);
  });

  it('fails a chosen multipart part with 500 and the completion with 502', async () => {
    hub.setFaults({ rules: [{ fault: 'status', status: 500, kinds: ['lfs-part'], skip: 2, count: 1 }] });
    const upload = () => uploadFiles({ repo: 'alice/faulty', files: [{ path: 'weights.bin', content: pathToFileURL(largeFile) }], ...credentials() });
    const partError = await rejection(upload());
    expect((partError as HubApiError).statusCode).toBe(500);
    hub.setFaults({ rules: [{ fault: 'status', status: 502, kinds: ['lfs-complete'], count: 1 }] });
    const since = hub.requestLog.length;
    const completionError = await rejection(upload());
    expect((completionError as HubApiError).statusCode).toBe(502);
    // Parts the first attempt abandoned may still reach the server; the second attempt sent all four, all taken.
    expect(statusesOf('lfs-part', since).filter((status) => status === 200)).toHaveLength(4);
    expect(statusesOf('lfs-complete', since)).toEqual([502]);
    hub.setFaults(undefined);
    await upload();
    const downloaded = await downloadFile({ repo: 'alice/faulty', path: 'weights.bin', ...credentials() });
    expect(Buffer.from(await downloaded!.arrayBuffer()).equals(largeContent)).toBe(true);
  });

  it('answers 429 with Retry-After, RateLimit and RateLimit-Policy', async () => {
    hub.setFaults({ rules: [{ fault: 'rate-limit', retryAfterSeconds: 12, kinds: ['preupload'], count: 1 }] });
    const seen: Response[] = [];
    const error = await rejection(
      uploadFiles({ repo: 'alice/faulty', files: [{ path: 'b.txt', content: new Blob(['b']) }], fetch: recordingFetch(seen), ...credentials() }),
    );
    expect((error as HubApiError).statusCode).toBe(429);
    const limited = seen.find((r) => r.status === 429)!;
    expect(limited.headers.get('Retry-After')).toBe('12');
    expect(limited.headers.get('RateLimit')).toBe('"api";r=0;t=12');
    expect(limited.headers.get('RateLimit-Policy')).toBe('"fixed window";"api";q=500;w=300');
    hub.setFaults(undefined);
  });

  it('resets the connection in the middle of a part body, and the object is not stored', async () => {
    await createRepo({ repo: 'alice/reset', ...credentials() });
    hub.setFaults({ rules: [{ fault: 'reset', afterBytes: 1024 * 1024, kinds: ['lfs-part'], count: 1 }] });
    // The parts go out together; the short last one (4,321 bytes) may reach the server first, and a reset after
    // 1 MiB passes over it (it could never be cut) to land on a full part.
    const fresh = Buffer.concat([largeContent.subarray(0, chunkSize * 2), randomBytes(4321)]);
    const freshFile = join(workDir, 'fresh.bin');
    await writeFile(freshFile, fresh);
    const since = hub.requestLog.length;
    const upload = () => uploadFiles({ repo: 'alice/reset', files: [{ path: 'fresh.bin', content: pathToFileURL(freshFile) }], ...credentials() });
    const error = await rejection(upload());
    // A reset reaches fetch as a network failure, not as an HTTP status.
    expect(error).toBeInstanceOf(TypeError);
    expect(statusesOf('lfs-part', since)).toContain(0);
    expect(statusesOf('commit', since)).toEqual([]);
    hub.setFaults(undefined);
    const retrySince = hub.requestLog.length;
    await upload();
    // The batch asked for every part again: nothing of the interrupted upload was taken as the object.
    expect(statusesOf('lfs-part', retrySince).filter((status) => status === 200)).toHaveLength(3);
    const downloaded = await downloadFile({ repo: 'alice/reset', path: 'fresh.bin', ...credentials() });
    expect(createHash('sha256').update(Buffer.from(await downloaded!.arrayBuffer())).digest('hex')).toBe(
      createHash('sha256').update(fresh).digest('hex'),
    );
  });

  it('resets a basic LFS PUT and a download before any byte', async () => {
    hub.setFaults({ rules: [{ fault: 'reset', afterBytes: 100, kinds: ['lfs-put'] }] });
    const small = randomBytes(200_000);
    const error = await rejection(
      uploadFiles({ repo: 'alice/reset', files: [{ path: 'small.bin', content: new Blob([small]) }], ...credentials() }),
    );
    expect(error).toBeInstanceOf(TypeError);
    hub.setFaults({ rules: [{ fault: 'reset', afterBytes: 0, kinds: ['resolve'], count: 1 }] });
    expect(await rejection(downloadFile({ repo: 'alice/reset', path: 'fresh.bin', ...credentials() }))).toBeInstanceOf(TypeError);
    hub.setFaults(undefined);
  });

  it('delays responses by the planned latency, only for the chosen kinds', async () => {
    hub.setFaults({ rules: [{ fault: 'latency', ms: 30_000, kinds: ['whoami'] }] });
    // Generous margins on both sides: a busy machine answers slowly, but never 30 s slowly.
    const within = (ms: number): typeof fetch => (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(ms) });
    const error = await rejection(whoAmI({ ...credentials(), fetch: within(1000) }));
    expect((error as Error).name).toBe('TimeoutError');
    expect(await repoExists({ repo: 'alice/faulty', hubUrl: hub.url, accessToken: alice.token, fetch: within(15_000) })).toBe(true);
    hub.setFaults(undefined);
  });

  it('draws a share of requests from the seed: the same plan gives the same sequence', async () => {
    const plan: FaultPlan = { seed: 42, rules: [{ fault: 'status', status: 500, kinds: ['whoami'], share: 0.5 }] };
    const run = async () => {
      hub.setFaults(plan);
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) {
        statuses.push(await whoAmI(credentials()).then(() => 200, (e: HubApiError) => e.statusCode));
      }
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(500);
    hub.setFaults({ rules: [{ fault: 'status', status: 503, kinds: ['whoami'], skip: 1, count: 2 }] });
    const counted: number[] = [];
    for (let i = 0; i < 4; i++) counted.push(await whoAmI(credentials()).then(() => 200, (e: HubApiError) => e.statusCode));
    expect(counted).toEqual([200, 503, 503, 200]);
    hub.setFaults(undefined);
  });

  it('passes a reset over requests too short to be cut, in whatever order they arrive', () => {
    const injector = new FaultInjector({ rules: [{ fault: 'reset', afterBytes: 1024, kinds: ['lfs-part'], count: 1 }] }, 1);
    expect(injector.decide('lfs-part', 1024).failure).toBeUndefined();
    expect(injector.decide('lfs-part', 0).failure).toBeUndefined();
    expect(injector.decide('lfs-part', 4096).failure).toEqual({ fault: 'reset', afterBytes: 1024 });
    expect(injector.decide('lfs-part', 4096).failure).toBeUndefined();
    // Without a declared length (a chunked body) the request may be cut; afterBytes 0 resets bodiless requests too.
    const open = new FaultInjector({ rules: [{ fault: 'reset', afterBytes: 1024 }, { fault: 'reset', afterBytes: 0, kinds: ['resolve'] }] }, 1);
    expect(open.decide('lfs-put').failure).toEqual({ fault: 'reset', afterBytes: 1024 });
    expect(open.decide('resolve', 0).failure).toEqual({ fault: 'reset', afterBytes: 0 });
  });

  it('parses the command-line form of rules and rejects unknown ones', () => {
    expect(parseFaultRule('status=503,kinds=commit+lfs-part,count=2')).toEqual({
      fault: 'status',
      status: 503,
      kinds: ['commit', 'lfs-part'],
      count: 2,
      skip: undefined,
      share: undefined,
      message: undefined,
    });
    expect(parseFaultRule('rate-limit=30,kinds=preupload')).toMatchObject({ fault: 'rate-limit', retryAfterSeconds: 30 });
    expect(parseFaultRule('reset=1048576,kinds=lfs-part,count=1')).toMatchObject({ fault: 'reset', afterBytes: 1048576 });
    expect(parseFaultRule('latency=200,share=0.5')).toMatchObject({ fault: 'latency', ms: 200, share: 0.5 });
    expect(() => parseFaultRule('status=503,kinds=nope')).toThrow(/unknown kind/);
    expect(() => parseFaultRule('explode=1')).toThrow(/unknown field/);
  });
});

describe('command line', () => {
  it('starts with one command, prints its URL, injects flagged faults and stops on SIGTERM', async () => {
    const dataDir = join(workDir, 'cli-data');
    // `npm run local-hub`'s own command line, with the Node flags a server in its own process runs with.
    const [program, ...command] = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
      .scripts['local-hub']!.split(' ');
    expect(program).toBe('node');
    expect(command.slice(0, localHubNodeFlags.length)).toEqual(localHubNodeFlags);
    const child = spawn(
      process.execPath,
      [
        ...command,
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--user',
        'alice:hf_cli_token:write',
        '--org',
        'acme:alice',
        '--fault',
        'status=503,kinds=create-repo,count=1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const lines = createInterface({ input: child.stdout! });
      const firstLine = await new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`CLI exited early with ${code}`)));
      });
      const match = /^Local Hub listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(firstLine);
      expect(match).not.toBeNull();
      const url = match![1]!;
      const me = await whoAmI({ accessToken: 'hf_cli_token', hubUrl: url });
      expect(me.type === 'user' && me.orgs.map((o) => o.name)).toEqual(['acme']);
      const error = await rejection(createRepo({ repo: 'acme/from-cli', accessToken: 'hf_cli_token', hubUrl: url }));
      expect((error as HubApiError).statusCode).toBe(503);
      const created = await createRepo({ repo: 'acme/from-cli', accessToken: 'hf_cli_token', hubUrl: url });
      expect(created.repoUrl).toBe(`${url}/acme/from-cli`);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', resolve);
    });
    expect(code).toBe(0);
  });

  it('explains bad arguments instead of starting', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'e2e/local-hub/cli.ts', '--data-dir', join(workDir, 'x'), '--user', 'alice:nottoken:write'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('must start with hf_');
  });
});
