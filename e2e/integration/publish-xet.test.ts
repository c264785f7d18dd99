/**
 * The app's upload through Xet, end to end against the local Hub with the real clients reading back: the Hub
 * offers Xet, so the publish chunks, deduplicates and registers the files with the CAS; the JS client (its
 * defaults, through the CAS) and the Python client (with hf_xet, its default) read them back byte for byte; a
 * re-publish of a checkpoint with 1% of its bytes changed sends only the changed chunks; a cancelled publish,
 * run again, sends no xorb the CAS already holds; a Hub without Xet still gets classic LFS.
 */
import { downloadFile, pathsInfo } from '@huggingface/hub';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountInfo } from '../../shared/publish';
import type { CheckpointInfo, JobProgress } from '../../shared/types';
import { renderProgressLine } from '../../electron/cli/terminal';
import { Hasher } from '../../electron/services/hash';
import { planPublish, type LocalPlan } from '../../electron/services/publish/plan';
import { publish, type PublishInput } from '../../electron/services/publish/upload';
import { describeAccount } from '../../electron/services/token';
import { verifyPublish } from '../../electron/services/verify';
import { buildWorkspace, tempDir } from '../fixtures/workspace';
import { startLocalHub, type LocalHub, type RequestLogEntry } from '../local-hub';
import { probePythonClient, runPython } from '../python/client';

const WRITE = 'hf_' + 'AliceXetWriteTokenForIntegrationTst';
const MiB = 1024 * 1024;
const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 200, retries: 6 };
const repoRoot = path.resolve(__dirname, '../..');
/** Publishes of 96–160 MiB, some through two CLI processes: minutes on a loaded 2-core machine, seconds in CI. */
const HEAVY_TIMEOUT = 240_000;

const { client: pythonClient, skipReason: pythonSkip } = probePythonClient();
const pythonXetSkip =
  pythonSkip ??
  (pythonClient && !pythonClient.xet ? `hf_xet is not installed next to ${pythonClient.python}` : undefined);

let work: string;
let hub: LocalHub;
let lfsHub: LocalHub;
let hasher: Hasher;

beforeAll(async () => {
  work = await tempDir('publish-xet-');
  const users = [{ name: 'alice', token: WRITE, role: 'write' as const }];
  hub = await startLocalHub({ dataDir: path.join(work, 'hub'), users });
  // A mirror without Xet: no token endpoints, no CAS, the LFS batch always answers basic/multipart.
  lfsHub = await startLocalHub({ dataDir: path.join(work, 'lfs-hub'), users, xet: false });
  hasher = new Hasher({ dataDir: path.join(work, 'data') });
});

afterAll(async () => {
  await hasher?.close();
  await hub?.close();
  await lfsHub?.close();
  await rm(work, { recursive: true, force: true });
});

let counter = 0;
/** A checkpoint folder: a config and one weights file of random bytes (incompressible, nothing dedups by luck). */
async function checkpoint(
  weightsBytes: number,
): Promise<{ root: string; ckpt: CheckpointInfo; weights: string }> {
  const root = path.join(work, `ws-${++counter}`);
  const dir = path.join(root, 'checkpoint-1');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'test', n: counter }) + '\n');
  const weights = path.join(dir, 'model.safetensors');
  const fh = await open(weights, 'w');
  for (let left = weightsBytes; left > 0; left -= 8 * MiB)
    await fh.write(randomBytes(Math.min(8 * MiB, left)));
  await fh.close();
  const files = [
    { path: 'config.json', bytes: (await stat(path.join(dir, 'config.json'))).size, role: 'config' as const },
    { path: 'model.safetensors', bytes: weightsBytes, role: 'weights' as const },
  ];
  const ckpt: CheckpointInfo = {
    name: 'checkpoint-1',
    path: dir,
    relPath: 'checkpoint-1',
    step: 1,
    valid: true,
    problems: [],
    weights: { format: 'safetensors', sharded: false, bytes: weightsBytes, parameters: null, dtypes: [] },
    hasTokenizer: false,
    files,
    totalBytes: files.reduce((n, f) => n + f.bytes, 0),
  };
  return { root, ckpt, weights };
}

function plan(fx: { root: string; ckpt: CheckpointInfo }): Promise<LocalPlan> {
  return planPublish({
    checkpoint: fx.ckpt,
    workspaceRoot: fx.root,
    readmeText: `# Model ${counter}\n`,
    readmeAssets: [],
    evalAccuracy: 0.5,
    hasher,
    token: WRITE,
  });
}

async function run(target: LocalHub, local: LocalPlan, repo: string, extra: Partial<PublishInput> = {}) {
  const account: AccountInfo = await describeAccount(WRITE, target.url, { source: 'explicit' });
  const result = await publish({
    local,
    repo,
    endpoint: target.url,
    token: WRITE,
    account,
    retry: FAST_RETRY,
    ...extra,
  });
  const report = await verifyPublish({
    plan: result.plan,
    repo: result.repo,
    endpoint: target.url,
    token: WRITE,
    readme: (local.sources.get('README.md') as { bytes: Uint8Array }).bytes,
    dataDir: null,
    commit: result.outcome.commit,
    commits: result.outcome.commits.map((c) => c.oid),
    account: account.user,
  });
  return { ...result, report };
}

const xorbUploads = (log: RequestLogEntry[]) =>
  log.filter((r) => r.kind === 'xet-xorb' && r.method === 'POST');
const bytesOf = (log: RequestLogEntry[]) => log.reduce((n, r) => n + r.bytesReceived, 0);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('publishing through Xet', () => {
  it('stores the weights as Xet (xetHash), verified by Xet hash, and both clients read them back byte for byte', async () => {
    const fx = await checkpoint(24 * MiB);
    const local = await plan(fx);
    const mark = hub.requestLog.length;
    const progress: JobProgress[] = [];
    const result = await run(hub, local, 'xet-model', {
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    const log = hub.requestLog.slice(mark);

    expect(result.report.verified).toBe(true);
    // Through the CAS, not classic LFS.
    expect(log.filter((r) => r.kind === 'lfs-put' || r.kind === 'lfs-part')).toEqual([]);
    expect(xorbUploads(log).length).toBeGreaterThanOrEqual(1);
    expect(log.some((r) => r.kind === 'xet-shard' && r.status === 200)).toBe(true);
    expect(result.outcome.xet).toMatchObject({ files: 1 });
    // New content: about all of its bytes went out once, in xorbs (8 bytes of header per ~64 KiB chunk).
    const sent = bytesOf(xorbUploads(log));
    expect(sent).toBeGreaterThanOrEqual(24 * MiB);
    expect(sent).toBeLessThan(24 * MiB * 1.01);

    const [info] = await pathsInfo({
      repo: { type: 'model', name: 'alice/xet-model' },
      paths: ['model.safetensors'],
      hubUrl: hub.url,
      accessToken: WRITE,
    });
    const planned = result.plan.files.find((f) => f.path === 'model.safetensors')!;
    expect(info?.xetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(planned.xetHash).toBe(info?.xetHash);

    // Progress said the three numbers apart, and they add up at the end.
    const last = progress.at(-1)!;
    expect(last.transfer?.processedBytes).toBeGreaterThanOrEqual(24 * MiB);
    expect(last.transfer?.sentBytes).toBeGreaterThanOrEqual(24 * MiB);
    expect(result.outcome.transfer?.alreadyOnHubBytes).toBe(0);

    const original = await readFile(fx.weights);
    // The JS client with its defaults reads Xet-backed files through the CAS.
    const blob = await downloadFile({
      repo: { type: 'model', name: 'alice/xet-model' },
      path: 'model.safetensors',
      hubUrl: hub.url,
      accessToken: WRITE,
    });
    const readBack = Buffer.from(await blob!.arrayBuffer());
    expect(readBack.length).toBe(original.length);
    expect(sha256(readBack)).toBe(sha256(original));
    expect(hub.requestLog.slice(mark).some((r) => r.kind === 'xet-reconstruction')).toBe(true);
  });

  it.skipIf(pythonXetSkip !== undefined)(
    'the Python client with hf_xet downloads what the app published through Xet, byte for byte',
    async () => {
      const fx = await checkpoint(6 * MiB);
      await run(hub, await plan(fx), 'xet-python-read');
      const mark = hub.requestLog.length;
      const script = String.raw`
import json, os, sys
from huggingface_hub import hf_hub_download
print(json.dumps(hf_hub_download("alice/xet-python-read", "model.safetensors", endpoint=os.environ["HF_ENDPOINT"], token=os.environ["HF_TOKEN"])))
`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HF_ENDPOINT: hub.url,
        HF_TOKEN: WRITE,
        HF_HOME: path.join(work, 'hf-home'),
        HF_HUB_DISABLE_TELEMETRY: '1',
      };
      delete env.HF_HUB_DISABLE_XET;
      delete env.HF_HUB_OFFLINE;
      const out = await runPython(pythonClient!.python, ['-c', script], { env, timeout: 120_000 });
      expect(out.stderr).not.toMatch(/Traceback/);
      expect(out.code).toBe(0);
      const downloaded = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as string;
      expect(sha256(await readFile(downloaded))).toBe(sha256(await readFile(fx.weights)));
      // hf_xet read it through the CAS.
      expect(hub.requestLog.slice(mark).some((r) => r.kind === 'xet-reconstruction')).toBe(true);
    },
  );

  it(
    'a re-publish of the checkpoint with 1% of its bytes changed in place sends only the changed chunks',
    async () => {
      const size = 96 * MiB;
      const fx = await checkpoint(size);
      await run(hub, await plan(fx), 'xet-republish');

      // 1% of the bytes, in 8 places spread over the file, as a fine-tune touching a few tensors would.
      const fh = await open(fx.weights, 'r+');
      const region = Math.floor((size * 0.01) / 8);
      for (let i = 0; i < 8; i++)
        await fh.write(randomBytes(region), 0, region, Math.floor(((i + 0.5) * size) / 8));
      await fh.close();

      const mark = hub.requestLog.length;
      const progress: JobProgress[] = [];
      const second = await run(hub, await plan(fx), 'xet-republish', {
        onProgress: (p) => progress.push(p),
      });
      const log = hub.requestLog.slice(mark);
      expect(second.report.verified).toBe(true);
      // The CLI's progress line says what was sent and what the Hub already had.
      const line = renderProgressLine(progress.filter((p) => p.transfer).at(-1)!, 200, 'uploading');
      expect(line).toMatch(/\(sent [\d.]+ MB, [\d.]+ MB already on the Hub\)/);
      const sent = bytesOf(xorbUploads(log));
      // Each changed place costs its bytes plus the two chunks (≤ 128 KiB each) it cuts into.
      expect(sent).toBeGreaterThan(size * 0.01);
      expect(sent).toBeLessThan(size * 0.05);
      expect(second.outcome.transfer?.alreadyOnHubBytes).toBeGreaterThan(size * 0.9);
      // Every request of the publish together, commit and checks included, stays under 5% too.
      expect(bytesOf(log)).toBeLessThan(size * 0.05);
    },
    HEAVY_TIMEOUT,
  );

  it(
    'a cancelled publish, run again, sends no xorb the CAS already holds, and completes',
    async () => {
      const size = 160 * MiB;
      const fx = await checkpoint(size);
      const local = await plan(fx);
      const mark = hub.requestLog.length;
      const controller = new AbortController();
      // Cancel as soon as the first xorb is stored.
      const stop = setInterval(() => {
        if (xorbUploads(hub.requestLog.slice(mark)).some((r) => r.status === 200)) controller.abort();
      }, 5);
      const cancelled = await run(hub, local, 'xet-resume', { signal: controller.signal }).catch(
        (err: unknown) => err as { code?: string },
      );
      clearInterval(stop);
      expect((cancelled as { code?: string }).code).toBe('CANCELLED');
      const first = hub.requestLog.slice(mark);
      const stored = new Set(
        xorbUploads(first)
          .filter((r) => r.status === 200)
          .map((r) => r.path),
      );
      expect(stored.size).toBeGreaterThanOrEqual(1);
      expect(first.some((r) => r.kind === 'commit')).toBe(false);

      const resumeMark = hub.requestLog.length;
      const resumed = await run(hub, await plan(fx), 'xet-resume');
      const second = hub.requestLog.slice(resumeMark);
      expect(resumed.report.verified).toBe(true);
      const resent = xorbUploads(second).filter((r) => stored.has(r.path));
      expect(resent).toEqual([]);
      // What the first run stored is not sent again: the second sends at most the rest.
      const storedBytes = bytesOf(xorbUploads(first).filter((r) => r.status === 200));
      expect(bytesOf(xorbUploads(second))).toBeLessThanOrEqual(size * 1.01 - storedBytes);
    },
    HEAVY_TIMEOUT,
  );

  it('xorb and shard uploads are retried through 503s, 429s and a reset mid-body, and the file lands intact', async () => {
    const faulty = await startLocalHub({
      dataDir: path.join(work, 'faulty-hub'),
      users: [{ name: 'alice', token: WRITE, role: 'write' }],
      faults: {
        // A rule counts only the requests no earlier rule failed, and a reset passes over bodiless requests. The
        // first xorb's requests go: HEAD 503 (rule 1), HEAD 404 (skipped by rule 2), POST 429 (rule 2), POST reset
        // mid-body (rule 3), POST stored. (With a second xorb's HEAD in between, rule 2 may fail that one instead:
        // the reset still lands on the first POST that gets through.)
        rules: [
          { fault: 'status', status: 503, kinds: ['xet-xorb'], count: 1 },
          { fault: 'rate-limit', retryAfterSeconds: 0, kinds: ['xet-xorb'], skip: 1, count: 1 },
          // Early in the body: a xorb ends at the next dedup-eligible chunk (1 in 1024), so the first one may be a
          // few chunks long, and a reset after 1 MiB then never came (1-2% of runs).
          { fault: 'reset', afterBytes: 16 * 1024, kinds: ['xet-xorb'], count: 1 },
          { fault: 'status', status: 500, kinds: ['xet-shard'], count: 1 },
        ],
      },
    });
    try {
      const fx = await checkpoint(8 * MiB);
      const lines: string[] = [];
      const result = await run(faulty, await plan(fx), 'xet-faults', { onLog: (l) => lines.push(l) });
      expect(result.report.verified).toBe(true);
      const log = faulty.requestLog;
      expect(log.some((r) => r.kind === 'xet-xorb' && r.status === 503)).toBe(true);
      expect(log.some((r) => r.kind === 'xet-xorb' && r.status === 429)).toBe(true);
      expect(log.some((r) => r.kind === 'xet-xorb' && r.status === 0)).toBe(true);
      expect(log.some((r) => r.kind === 'xet-shard' && r.status === 500)).toBe(true);
      expect(lines.filter((l) => l.startsWith('Retrying xet')).length).toBeGreaterThanOrEqual(4);
      const blob = await downloadFile({
        repo: { type: 'model', name: 'alice/xet-faults' },
        path: 'model.safetensors',
        hubUrl: faulty.url,
        accessToken: WRITE,
      });
      expect(sha256(Buffer.from(await blob!.arrayBuffer()))).toBe(sha256(await readFile(fx.weights)));
    } finally {
      await faulty.close();
    }
  });

  it('CAS tokens that expire during the upload are refreshed through the write-token route', async () => {
    const shortLived = await startLocalHub({
      dataDir: path.join(work, 'short-token-hub'),
      users: [{ name: 'alice', token: WRITE, role: 'write' }],
      xetTokenLifetimeSeconds: 1,
    });
    try {
      const fx = await checkpoint(8 * MiB);
      const result = await run(shortLived, await plan(fx), 'xet-tokens');
      expect(result.report.verified).toBe(true);
      const log = shortLived.requestLog;
      // Refreshed with the Hub token at the batch's href. A request sent just before its token expired may
      // arrive after (a loaded machine, a one-second lifetime): it is refused once, then sent again and stored.
      expect(log.filter((r) => r.kind === 'xet-token' && r.status === 200).length).toBeGreaterThanOrEqual(2);
      const refused = log.filter((r) => r.kind.startsWith('xet') && r.status === 401);
      for (const r of refused) {
        const later = log.slice(log.indexOf(r) + 1);
        expect(later.some((l) => l.path === r.path && l.status >= 200 && l.status < 300), r.path).toBe(true);
      }
    } finally {
      await shortLived.close();
    }
  });

  it('an empty large-file-pattern file and two identical weights files go through Xet too', async () => {
    const fx = await checkpoint(3 * MiB);
    const dir = fx.ckpt.path;
    await writeFile(path.join(dir, 'empty.bin'), '');
    await writeFile(path.join(dir, 'copy.safetensors'), await readFile(fx.weights));
    fx.ckpt.files.push(
      { path: 'empty.bin', bytes: 0, role: 'other' },
      { path: 'copy.safetensors', bytes: 3 * MiB, role: 'weights' },
    );
    const mark = hub.requestLog.length;
    const result = await run(hub, await plan(fx), 'xet-edge');
    expect(result.report.verified).toBe(true);
    // The copy's chunks were already there: its bytes went out once.
    expect(bytesOf(xorbUploads(hub.requestLog.slice(mark)))).toBeLessThan(3 * MiB * 1.01);
    for (const name of ['empty.bin', 'copy.safetensors']) {
      const blob = await downloadFile({
        repo: { type: 'model', name: 'alice/xet-edge' },
        path: name,
        hubUrl: hub.url,
        accessToken: WRITE,
      });
      expect(sha256(Buffer.from(await blob!.arrayBuffer()))).toBe(
        sha256(await readFile(path.join(dir, name))),
      );
    }
  });

  it('a Hub without Xet gets classic LFS, verified by SHA-256; so does a publish with xet: false', async () => {
    const fx = await checkpoint(12 * MiB);
    const mark = lfsHub.requestLog.length;
    const result = await run(lfsHub, await plan(fx), 'lfs-model');
    const log = lfsHub.requestLog.slice(mark);
    expect(result.report.verified).toBe(true);
    expect(log.some((r) => r.kind === 'lfs-put' || r.kind === 'lfs-part')).toBe(true);
    expect(log.some((r) => r.kind.startsWith('xet'))).toBe(false);
    expect(result.outcome.xet).toBeUndefined();
    expect(result.plan.files.every((f) => f.xetHash === undefined)).toBe(true);
    expect(result.outcome.transfer?.sentBytes).toBeGreaterThanOrEqual(12 * MiB);

    // And a publish told not to offer Xet gets classic LFS from a Hub that speaks both.
    const other = await checkpoint(4 * MiB);
    const xetMark = hub.requestLog.length;
    const plain = await run(hub, await plan(other), 'lfs-by-choice', { xet: false });
    const plainLog = hub.requestLog.slice(xetMark);
    expect(plain.report.verified).toBe(true);
    expect(plainLog.some((r) => r.kind === 'lfs-put' || r.kind === 'lfs-part')).toBe(true);
    expect(plainLog.filter((r) => r.kind === 'xet-xorb' || r.kind === 'xet-shard')).toEqual([]);
  });
});

describe('hub-publisher publish through Xet, killed and run again', () => {
  /** The CLI as a user runs it; resolves with its exit code, or kills it (SIGKILL) once `killWhen` says so. */
  function cli(args: string[], killWhen?: () => boolean): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['bin/hub-publisher.js', ...args], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, HOME: work, HUB_PUBLISHER_DATA_DIR: path.join(work, 'cli-data') },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const watch = killWhen
        ? setInterval(() => {
            if (killWhen()) child.kill('SIGKILL');
          }, 5)
        : undefined;
      child.on('close', (code) => {
        if (watch) clearInterval(watch);
        resolve({ code, stderr });
      });
    });
  }

  it(
    'a publish killed after its first xorb was stored, run again, sends no xorb the CAS holds',
    async () => {
      const root = path.join(work, 'cli-ws');
      await buildWorkspace(root, {
        layout: 'trainer',
        steps: [100],
        weightsBytes: 128 * MiB,
        readme: '# Run\n',
      });
      // The fixture's tensors are zeros; random values make every chunk new, as real weights are.
      const weights = path.join(root, 'checkpoint-100', 'model.safetensors');
      const fh = await open(weights, 'r+');
      const header = Buffer.alloc(8);
      await fh.read(header, 0, 8, 0);
      const dataStart = 8 + Number(header.readBigUInt64LE(0));
      const size = (await fh.stat()).size;
      for (let at = dataStart; at < size; at += 8 * MiB) {
        const block = randomBytes(Math.min(8 * MiB, size - at));
        await fh.write(block, 0, block.length, at);
      }
      await fh.close();
      const tokenFile = path.join(work, 'cli-token');
      await writeFile(tokenFile, `${WRITE}\n`);
      const args = [
        'publish',
        root,
        '--repo',
        'xet-killed',
        '--checkpoint',
        'checkpoint-100',
        '--endpoint',
        hub.url,
        '--token-file',
        tokenFile,
        '--no-keychain',
        '--yes',
      ];

      const mark = hub.requestLog.length;
      const killed = await cli(args, () =>
        xorbUploads(hub.requestLog.slice(mark)).some((r) => r.status === 200),
      );
      expect(killed.code).toBeNull(); // killed by the signal, not finished
      const first = hub.requestLog.slice(mark);
      const stored = new Set(
        xorbUploads(first)
          .filter((r) => r.status === 200)
          .map((r) => r.path),
      );
      expect(stored.size).toBeGreaterThanOrEqual(1);
      expect(first.some((r) => r.kind === 'commit')).toBe(false);

      const resumeMark = hub.requestLog.length;
      const again = await cli(args);
      expect(again.code, again.stderr).toBe(0);
      const second = hub.requestLog.slice(resumeMark);
      expect(xorbUploads(second).filter((r) => stored.has(r.path))).toEqual([]);
      expect(second.some((r) => r.kind === 'commit' && r.status === 200)).toBe(true);
      const blob = await downloadFile({
        repo: { type: 'model', name: 'alice/xet-killed' },
        path: 'model.safetensors',
        hubUrl: hub.url,
        accessToken: WRITE,
      });
      expect(sha256(Buffer.from(await blob!.arrayBuffer()))).toBe(sha256(await readFile(weights)));
    },
    HEAVY_TIMEOUT,
  );
});
