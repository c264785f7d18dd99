/**
 * The upload engine end to end against the local Hub-compatible server, with the unmodified
 * `@huggingface/hub` client: plan → publish → verify on generated workspaces, repeats, faults, cancel
 * and resume, tokens and namespaces.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountInfo } from '../../shared/publish';
import type { CheckpointInfo, FileRole, JobProgress } from '../../shared/types';
import { Hasher } from '../../electron/services/hash';
import { DEFAULT_COMMIT_LIMITS, planPublish, type LocalPlan } from '../../electron/services/publish/plan';
import { parseRepoName } from '../../shared/repo-name';
import { publish, type PublishInput } from '../../electron/services/publish/upload';
import { describeAccount } from '../../electron/services/token';
import { verifyPublish } from '../../electron/services/verify';
import { buildWorkspace, tempDir } from '../fixtures/workspace';
import { startLocalHub, type LocalHub } from '../local-hub';

const WRITE = 'hf_' + 'AliceWriteTokenForIntegrationTestsA';
const READ = 'hf_' + 'AliceReadOnlyTokenForIntegrationTst';
const BOB = 'hf_' + 'BobWriteTokenForIntegrationTestsBBB';
const MiB = 1024 * 1024;
// Short waits: the server's faults are few and the tests must stay fast.
const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 200, retries: 6 };

let hub: LocalHub;
let work: string;

beforeAll(async () => {
  work = await tempDir('publish-e2e-');
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [
      { name: 'alice', token: WRITE, role: 'write' },
      { name: 'alice-ro', token: READ, role: 'read' },
      { name: 'bob', token: BOB, role: 'write' },
    ],
    orgs: [{ name: 'acme', members: ['alice'] }],
    // These tests check the classic LFS transfer (parts, faults on them), what a Hub without Xet gets; the
    // Xet path has its own suite (publish-xet.test.ts).
    xet: false,
    // Small parts so a 40 MiB file is a real multipart upload.
    multipartThreshold: 8 * MiB,
    multipartChunkSize: 8 * MiB,
  });
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, base)));
    else out.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return out;
}

const roleOf = (p: string): FileRole =>
  p.endsWith('.safetensors')
    ? 'weights'
    : p === 'config.json'
      ? 'config'
      : /optimizer|scheduler|scaler|rng_state|training_args/.test(p)
        ? 'training-state'
        : 'other';

async function checkpointInfo(dir: string, name: string): Promise<CheckpointInfo> {
  const files = await listFiles(dir);
  const sized = await Promise.all(
    files.map(async (p) => ({ path: p, bytes: (await stat(path.join(dir, p))).size, role: roleOf(p) })),
  );
  return {
    name,
    path: dir,
    relPath: name,
    step: null,
    valid: true,
    problems: [],
    weights: { format: 'safetensors', sharded: true, bytes: 0, parameters: null, dtypes: [] },
    hasTokenizer: true,
    files: sized,
    totalBytes: sized.reduce((n, f) => n + f.bytes, 0),
  };
}

interface Fixture {
  root: string;
  ckpt: CheckpointInfo;
  readme: string;
}

let counter = 0;
async function workspace(weightsBytes = 40 * MiB): Promise<Fixture> {
  const root = path.join(work, `ws-${++counter}`);
  await buildWorkspace(root, {
    layout: 'trainer',
    steps: [100],
    sharded: true,
    weightsBytes,
    images: ['figures/fig1.png'],
    readme: '# Run\n![fig](figures/fig1.png)\n',
    tokenFile: true,
  });
  const ckpt = await checkpointInfo(path.join(root, 'checkpoint-100'), 'checkpoint-100');
  const readme = `---\nlicense: apache-2.0\n---\n# Model ${counter}\n\n![fig](figures/fig1.png)\n\n| Benchmark | checkpoint-100 |\n|---|---|\n| eval_accuracy | 0.750 |\n`;
  return { root, ckpt, readme };
}

async function account(token = WRITE): Promise<AccountInfo> {
  return describeAccount(token, hub.url, { source: 'explicit' });
}

async function makePlan(
  fx: Fixture,
  hasher: Hasher,
  limits?: { maxFiles?: number; maxBytes?: number },
): Promise<LocalPlan> {
  return planPublish({
    checkpoint: fx.ckpt,
    workspaceRoot: fx.root,
    readmeText: fx.readme,
    readmeAssets: ['figures/fig1.png'],
    evalAccuracy: 0.75,
    hasher,
    token: WRITE,
    limits,
  });
}

async function run(local: LocalPlan, repo: string, extra: Partial<PublishInput> = {}, token = WRITE) {
  const acct = extra.account ?? (await account(token));
  const result = await publish({
    local,
    repo,
    endpoint: hub.url,
    token,
    account: acct,
    retry: FAST_RETRY,
    ...extra,
  });
  const report = await verifyPublish({
    plan: result.plan,
    repo: result.repo,
    endpoint: hub.url,
    token,
    readme: Buffer.from(
      local.plan.files.some((f) => f.path === 'README.md')
        ? (local.sources.get('README.md') as { bytes: Uint8Array }).bytes
        : [],
    ),
    dataDir: path.join(work, 'data'),
    commit: result.outcome.commit,
    commits: result.outcome.commits.map((c) => c.oid),
    account: acct.user,
  });
  return { ...result, report };
}

const since = (mark: number) => hub.requestLog.slice(mark);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function download(repo: string, file: string, token = WRITE): Promise<Buffer> {
  const res = await fetch(`${hub.url}/${repo}/resolve/main/${file}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function commitCount(repo: string, token = WRITE): Promise<number> {
  const res = await fetch(`${hub.url}/api/models/${repo}/commits/main`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as unknown[]).length;
}

describe('publishing to the local Hub', () => {
  let hasher: Hasher;
  beforeAll(() => {
    hasher = new Hasher({ dataDir: path.join(work, 'data') });
  });
  afterAll(() => hasher.close());

  it('publishes the planned files byte for byte, verifies them, and a second run sends nothing', async () => {
    const fx = await workspace();
    const local = await makePlan(fx, hasher);
    const progress: JobProgress[] = [];
    const mark = hub.requestLog.length;
    const first = await run(local, 'first-model', {
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });

    expect(first.report.verified).toBe(true);
    expect(first.report.readmeByteEqual).toBe(true);
    expect(first.report.url).toBe(`${hub.url}/alice/first-model`);
    expect(first.outcome.createdRepo).toBe(true);
    expect(first.outcome.commits).toHaveLength(1);
    expect(first.outcome.commits[0]!.title).toBe('Upload checkpoint checkpoint-100 (eval_accuracy 0.750)');
    // Training state, the token file and the evaluation folder never leave the machine.
    const paths = first.report.files.map((f) => f.path);
    expect(paths).toContain('figures/fig1.png');
    expect(paths).toContain('README.md');
    expect(paths.some((p) => /optimizer|scheduler|rng_state|hf_token|evaluation\//.test(p))).toBe(false);
    // Byte for byte: what the Hub serves is what is on disk.
    for (const f of first.report.files) {
      if (f.path === 'README.md') continue;
      const src =
        f.path === 'figures/fig1.png' ? path.join(fx.root, f.path) : path.join(fx.ckpt.path, f.path);
      const onHub = await download('alice/first-model', f.path);
      expect(sha256(onHub)).toBe(sha256(await readFile(src)));
    }
    expect((await download('alice/first-model', 'README.md')).toString()).toBe(fx.readme);
    // The weights went through LFS, in parts.
    expect(first.report.files.filter((f) => f.path.endsWith('.safetensors')).every((f) => f.lfs)).toBe(true);
    // Each part went up exactly once, after one LFS batch: the digests come from the plan, nothing is hashed twice.
    const big = first.report.files.filter((f) => f.lfs && f.bytes >= 8 * MiB);
    const expectedParts = big.reduce((n, f) => n + Math.ceil(f.bytes / (8 * MiB)), 0);
    expect(big.length).toBe(2);
    expect(since(mark).filter((r) => r.kind === 'lfs-part' && r.status === 200)).toHaveLength(expectedParts);
    expect(since(mark).filter((r) => r.kind === 'lfs-complete' && r.status === 200)).toHaveLength(2);
    expect(since(mark).filter((r) => r.kind === 'lfs-batch')).toHaveLength(1);
    // Byte-level progress reached the total, with per-file items.
    const last = progress.filter((p) => p.phase === 'upload' || p.phase === 'commit').at(-1)!;
    expect(last.done).toBe(last.total);
    expect(last.total).toBe(local.plan.totalBytes);
    expect(progress.some((p) => p.done > 0 && p.done < p.total)).toBe(true);
    expect(last.items?.every((i) => i.state === 'done')).toBe(true);
    // A receipt was kept.
    const receipt = JSON.parse(await readFile(first.report.receiptPath!, 'utf8'));
    expect(receipt).toMatchObject({
      repoId: 'alice/first-model',
      verified: true,
      checkpoint: 'checkpoint-100',
    });
    expect(JSON.stringify(receipt)).not.toContain(WRITE);

    const commitsBefore = await commitCount('alice/first-model');
    const again = hub.requestLog.length;
    const second = await run(await makePlan(fx, hasher), 'first-model');
    expect(second.report.verified).toBe(true);
    expect(second.outcome.createdRepo).toBe(false);
    expect(second.outcome.commits).toHaveLength(0);
    expect(second.outcome.files.every((f) => f.skipped)).toBe(true);
    expect(
      since(again).filter((r) => ['lfs-put', 'lfs-part', 'commit', 'preupload'].includes(r.kind)),
    ).toEqual([]);
    expect(await commitCount('alice/first-model')).toBe(commitsBefore);
  });

  it('survives 500s, connection resets mid-body and 429s with byte-identical content and one commit per planned commit', async () => {
    const fx = await workspace(24 * MiB);
    const local = await makePlan(fx, hasher, { maxFiles: 3 });
    expect(local.plan.commits.length).toBeGreaterThan(1);
    hub.setFaults({
      rules: [
        { fault: 'status', status: 500, kinds: ['preupload', 'lfs-batch', 'commit'], count: 3 },
        { fault: 'reset', afterBytes: 1 * MiB, kinds: ['lfs-part', 'lfs-put'], count: 2 },
        { fault: 'status', status: 503, kinds: ['lfs-part'], skip: 1, count: 1 },
        { fault: 'rate-limit', retryAfterSeconds: 1, kinds: ['lfs-batch', 'commit'], skip: 1, count: 2 },
      ],
    });
    const mark = hub.requestLog.length;
    const logs: string[] = [];
    let result;
    try {
      result = await run(local, 'faulty-model', { onLog: (l) => logs.push(l) });
    } finally {
      hub.setFaults(undefined);
    }
    expect(result.report.verified).toBe(true);
    const log = since(mark);
    expect(log.some((r) => r.status === 0)).toBe(true);
    expect(log.some((r) => r.status === 429)).toBe(true);
    expect(log.some((r) => r.status >= 500)).toBe(true);
    expect(logs.some((l) => /Retrying/.test(l))).toBe(true);
    const okCommits = log.filter((r) => r.kind === 'commit' && r.status === 200);
    expect(okCommits).toHaveLength(local.plan.commits.length);
    expect(result.outcome.commits).toHaveLength(local.plan.commits.length);
    // Initial commit (.gitattributes) + ours.
    expect(await commitCount('alice/faulty-model')).toBe(1 + local.plan.commits.length);
    for (const f of result.report.files.filter((x) => x.path.endsWith('.safetensors'))) {
      expect(sha256(await download('alice/faulty-model', f.path))).toBe(
        sha256(await readFile(path.join(fx.ckpt.path, f.path))),
      );
    }
  });

  /** The workspace's checkpoint with `count` small sample files (samples/N.json) added, planned. */
  async function planWithSamples(count: number) {
    const fx = await workspace(9 * MiB);
    const dir = path.join(fx.ckpt.path, 'samples');
    await mkdir(dir);
    for (let i = 0; i < count; i++) await writeFile(path.join(dir, `${i}.json`), `{"sample": ${i}}\n`);
    const ckpt = await checkpointInfo(fx.ckpt.path, 'checkpoint-100');
    return makePlan({ ...fx, ckpt }, hasher);
  }

  it("many small files go in a few commits that grow as the Hub client's do (250, then 400…), all byte for byte", async () => {
    const local = await planWithSamples(700);
    // Before: 100 files per commit, so 8 commits here.
    expect(local.plan.commits.map((c) => c.length)).toEqual([250, 400, local.plan.files.length - 650]);
    const mark = hub.requestLog.length;
    const result = await run(local, 'many-files-model');
    expect(result.report.verified).toBe(true);
    expect(result.outcome.commits.map((c) => c.files)).toEqual(local.plan.commits);
    expect(since(mark).filter((r) => r.kind === 'commit' && r.status === 200)).toHaveLength(3);
    expect((await download('alice/many-files-model', 'samples/699.json')).toString()).toBe(
      '{"sample": 699}\n',
    );
    expect(await commitCount('alice/many-files-model')).toBe(1 + 3);
    // The weights ride in the last commit, and were on their way while the first commits were made: asked for
    // before the first commit, their bytes sent before the second (request order, as the Hub saw them start).
    const weights = local.plan.files.filter((f) => f.lfs).map((f) => f.path);
    expect(weights.length).toBeGreaterThan(0);
    expect(local.plan.commits.at(-1)).toEqual(expect.arrayContaining(weights));
    const log = since(mark);
    const batch = log.findIndex((r) => r.kind === 'lfs-batch');
    const firstPart = log.findIndex((r) => r.kind === 'lfs-part' || r.kind === 'lfs-put');
    const commits = log.flatMap((r, i) => (r.kind === 'commit' ? [i] : []));
    expect(batch).toBeGreaterThanOrEqual(0);
    expect(batch).toBeLessThan(commits[0]!);
    expect(firstPart).toBeGreaterThanOrEqual(0);
    expect(firstPart).toBeLessThan(commits[1]!);
  });

  it('with thousands of files the per-file list goes out less often than the byte counts, and the last one is complete', async () => {
    const local = await planWithSamples(3000);
    const progress: JobProgress[] = [];
    const result = await run(local, 'many-files-progress', {
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 20,
    });
    expect(result.report.verified).toBe(true);
    const sending = progress.filter((p) => p.phase === 'upload' || p.phase === 'commit');
    const lists = sending.filter((p) => p.items);
    // 3,000 files: a list at most every 60 ms (three intervals), besides phase changes; counts every 20 ms.
    expect(lists.length).toBeGreaterThan(0);
    expect(lists.length).toBeLessThan(sending.length);
    expect(lists.every((p) => p.items!.length === local.plan.files.length)).toBe(true);
    expect(sending.at(-1)!.items?.every((i) => i.state === 'done')).toBe(true);
  });

  it('stops the LFS objects sent ahead when a commit fails, and a failed object fails the commit that needs it', async () => {
    // Weights of a size no other test uses: the Hub has never stored them.
    const fx = await workspace(5 * MiB);
    const dir = path.join(fx.ckpt.path, 'samples');
    await mkdir(dir);
    for (let i = 0; i < 300; i++) await writeFile(path.join(dir, `${i}.json`), `{"sample": ${i}}\n`);
    const ckpt = await checkpointInfo(fx.ckpt.path, 'checkpoint-100');
    const local = await makePlan({ ...fx, ckpt }, hasher);
    expect(local.plan.commits.length).toBe(2);
    // Every LFS part refused: the first commit (regular files) lands, the second cannot.
    hub.setFaults({ rules: [{ fault: 'status', status: 400, kinds: ['lfs-part', 'lfs-put'] }] });
    const mark = hub.requestLog.length;
    try {
      await expect(run(local, 'ahead-fails-model')).rejects.toThrow(/refused a file \(400\): Uploading model-0000/);
    } finally {
      hub.setFaults(undefined);
    }
    const commits = since(mark).filter((r) => r.kind === 'commit' && r.status === 200);
    // The regular files of the first commit do not wait for the weights: that commit landed.
    expect(commits).toHaveLength(1);
    // Nothing of that publish goes on after it returned.
    const after = hub.requestLog.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.requestLog.length).toBe(after);

    // A commit that fails stops the objects on their way: a slow part is cut off, not left running.
    hub.setFaults({
      rules: [
        { fault: 'latency', ms: 2000, kinds: ['lfs-part', 'lfs-put'] },
        { fault: 'status', status: 422, kinds: ['commit'] },
      ],
    });
    const second = hub.requestLog.length;
    try {
      await expect(run(local, 'ahead-stopped-model')).rejects.toThrow(/refused a file \(422\): Commit/);
    } finally {
      hub.setFaults(undefined);
    }
    expect(since(second).some((r) => r.kind === 'commit' && r.status === 422)).toBe(true);
    // Cut off (status 0), not answered.
    expect(since(second).filter((r) => r.kind === 'lfs-put').every((r) => r.status === 0)).toBe(true);
    const settled = hub.requestLog.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(since(settled).filter((r) => r.kind !== 'other')).toEqual([]);
  });

  it('keeps to the Hub limits with many small files: 256 per preupload, commits chained on each other, the next preupload made ahead and its 429 waited out', async () => {
    const fx = await workspace(9 * MiB);
    const dir = path.join(fx.ckpt.path, 'samples');
    await mkdir(dir);
    for (let i = 0; i < 1200; i++) await writeFile(path.join(dir, `${i}.json`), `{"sample": ${i}}\n`);
    const ckpt = await checkpointInfo(fx.ckpt.path, 'checkpoint-100');
    const local = await makePlan({ ...fx, ckpt }, hasher);
    expect(local.plan.commits.map((c) => c.length)).toEqual([250, 400, local.plan.files.length - 650]);
    // What the client really sent, seen below its retry layer.
    const sent: {
      kind: 'preupload' | 'commit';
      startedAt: number;
      at: number;
      files: number;
      status: number;
      parent?: string;
      oid?: string;
    }[] = [];
    const observe: typeof fetch = async (url, init) => {
      const target = String(url instanceof Request ? url.url : url);
      const kind = /\/preupload\//.test(target) ? 'preupload' : /\/commit\//.test(target) ? 'commit' : null;
      const startedAt = Date.now();
      const res = await fetch(url, init);
      if (kind === 'preupload') {
        const body = JSON.parse(String(init?.body)) as { files: unknown[] };
        sent.push({ kind, startedAt, at: Date.now(), files: body.files.length, status: res.status });
      } else if (kind === 'commit') {
        const lines = String(init?.body)
          .split('\n')
          .map((l) => JSON.parse(l) as { key: string; value: { parentCommit?: string } });
        const oid = res.ok ? ((await res.clone().json()) as { commitOid: string }).commitOid : undefined;
        sent.push({
          kind,
          startedAt,
          at: Date.now(),
          files: lines.filter((l) => l.key === 'file' || l.key === 'lfsFile').length,
          status: res.status,
          parent: lines[0]!.value.parentCommit,
          oid,
        });
      }
      return res;
    };
    // The third preupload request (the second commit's second batch of 256: it is made ahead, while the first
    // commit is sent) is rate limited once; its wait is honoured.
    hub.setFaults({
      rules: [{ fault: 'rate-limit', retryAfterSeconds: 1, kinds: ['preupload'], skip: 2, count: 1 }],
    });
    let result;
    try {
      result = await run(local, 'limits-model', { fetch: observe });
    } finally {
      hub.setFaults(undefined);
    }
    expect(result.report.verified).toBe(true);
    const preuploads = sent.filter((r) => r.kind === 'preupload');
    expect(Math.max(...preuploads.map((r) => r.files))).toBeLessThanOrEqual(256);
    const limited = preuploads.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    // The same batch again, no sooner than the Hub asked.
    const retried = preuploads
      .slice(limited + 1)
      .find((r) => r.files === preuploads[limited]!.files && r.status === 200)!;
    expect(retried.at - preuploads[limited]!.at).toBeGreaterThanOrEqual(900);
    const commits = sent.filter((r) => r.kind === 'commit' && r.status === 200);
    expect(commits.map((c) => c.files)).toEqual(local.plan.commits.map((c) => c.length));
    expect(Math.max(...commits.map((c) => c.files))).toBeLessThanOrEqual(DEFAULT_COMMIT_LIMITS.maxFiles);
    // The second commit's preupload went out while the first commit was still being stored.
    expect(preuploads.filter((r) => r.startedAt < commits[0]!.at).length).toBeGreaterThan(1);
    // Each commit builds on the one before it: none can land on top of something it did not see.
    for (let i = 1; i < commits.length; i++) expect(commits[i]!.parent).toBe(commits[i - 1]!.oid);
    expect(result.outcome.commits.map((c) => c.oid)).toEqual(commits.map((c) => c.oid));
    expect(await commitCount('alice/limits-model')).toBe(1 + commits.length);
    expect((await download('alice/limits-model', 'samples/1199.json')).toString()).toBe('{"sample": 1199}\n');
  });

  it('cancel leaves no commit; resuming re-sends no large object the Hub already has', async () => {
    const fx = await workspace(48 * MiB);
    const local = await makePlan(fx, hasher);
    const shards = local.plan.files.filter((f) => f.path.endsWith('.safetensors'));
    expect(shards.length).toBe(2);
    // Slow the second shard's parts so the first completes before we cancel.
    const ac = new AbortController();
    hub.setFaults({ rules: [{ fault: 'latency', ms: 300, kinds: ['lfs-part'], skip: 3 }] });
    const mark = hub.requestLog.length;
    let completed = 0;
    const err = await run(local, 'cancel-model', {
      signal: ac.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        const done = p.items?.filter((i) => i.state === 'done' && i.id.endsWith('.safetensors')).length ?? 0;
        if (done > completed) completed = done;
        if (completed >= 1) ac.abort();
      },
    }).catch((e) => e);
    hub.setFaults(undefined);
    expect(err.code).toBe('CANCELLED');
    const beforeResume = since(mark);
    expect(beforeResume.some((r) => r.kind === 'commit')).toBe(false);
    expect(await commitCount('alice/cancel-model')).toBe(1);
    const completedObjects = beforeResume.filter((r) => r.kind === 'lfs-complete' && r.status === 200).length;
    expect(completedObjects).toBeGreaterThanOrEqual(1);

    const resumeMark = hub.requestLog.length;
    const resumed = await run(local, 'cancel-model');
    expect(resumed.report.verified).toBe(true);
    expect(resumed.outcome.lfsObjectsReused).toBeGreaterThanOrEqual(completedObjects);
    const resentCompletions = since(resumeMark).filter((r) => r.kind === 'lfs-complete').length;
    // Only objects that were not complete before the cancel are sent again.
    expect(resentCompletions).toBeLessThanOrEqual(shards.length - completedObjects);
    expect(await commitCount('alice/cancel-model')).toBe(2);
  });

  it('reuses an existing repo, publishes private repos and to an organisation', async () => {
    const fx = await workspace(1 * MiB);
    const local = await makePlan(fx, hasher);
    const priv = await run(local, 'acme/private-model', { private: true });
    expect(priv.report.verified).toBe(true);
    expect(priv.outcome.repoId).toBe('acme/private-model');
    expect(priv.report.url).toBe(`${hub.url}/acme/private-model`);
    // Private: nobody else can see it.
    expect((await fetch(`${hub.url}/api/models/acme/private-model`)).status).toBeGreaterThanOrEqual(401);
    expect(
      (
        await fetch(`${hub.url}/api/models/acme/private-model`, {
          headers: { Authorization: `Bearer ${BOB}` },
        })
      ).status,
    ).toBe(404);

    // The repo exists (409 on create is expected); a changed README is the only thing sent.
    const changed = await planPublish({
      checkpoint: fx.ckpt,
      workspaceRoot: fx.root,
      readmeText: fx.readme + '\nMore text.\n',
      readmeAssets: ['figures/fig1.png'],
      evalAccuracy: 0.75,
      hasher,
    });
    const mark = hub.requestLog.length;
    const again = await run(changed, 'acme/private-model');
    expect(again.outcome.createdRepo).toBe(false);
    expect(again.outcome.commits).toHaveLength(1);
    expect(again.outcome.commits[0]!.files).toEqual(['README.md']);
    expect(since(mark).some((r) => r.kind === 'create-repo' && r.status === 409)).toBe(true);
    expect(again.report.verified).toBe(true);
  });

  it('deletes remote files only when asked, and verification catches a repo that differs', async () => {
    const fx = await workspace(1 * MiB);
    const first = await run(await makePlan(fx, hasher), 'prune-model');
    expect(first.report.verified).toBe(true);
    const smaller = await planPublish({
      checkpoint: fx.ckpt,
      workspaceRoot: fx.root,
      readmeText: fx.readme,
      readmeAssets: ['figures/fig1.png'],
      exclude: ['tokenizer*'],
      evalAccuracy: 0.75,
      hasher,
    });
    const kept = await run(smaller, 'prune-model');
    expect(kept.outcome.commits).toHaveLength(0);
    expect(kept.plan.deletions).toEqual([]);
    const remoteHas = async (p: string) =>
      (
        await fetch(`${hub.url}/alice/prune-model/resolve/main/${p}`, {
          method: 'HEAD',
          headers: { Authorization: `Bearer ${WRITE}` },
        })
      ).status === 200;
    expect(await remoteHas('tokenizer.json')).toBe(true);

    const pruned = await run(smaller, 'prune-model', { deleteRemote: true });
    expect(pruned.plan.deletions).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    expect(pruned.outcome.commits).toHaveLength(1);
    expect(pruned.report.verified).toBe(true);
    expect(await remoteHas('tokenizer.json')).toBe(false);
    expect(await remoteHas('config.json')).toBe(true);

    // Someone changes the README on the Hub: verifying the earlier publish now fails, naming the file.
    const { uploadFile } = await import('@huggingface/hub');
    await uploadFile({
      repo: { type: 'model', name: 'alice/prune-model' },
      accessToken: WRITE,
      hubUrl: hub.url,
      file: { path: 'README.md', content: new Blob(['changed elsewhere\n']) },
    });
    const readme = (smaller.sources.get('README.md') as { bytes: Uint8Array }).bytes;
    const report = await verifyPublish({
      plan: pruned.plan,
      repo: pruned.repo,
      endpoint: hub.url,
      token: WRITE,
      readme,
      dataDir: null,
      commit: null,
      commits: [],
      account: null,
    });
    expect(report.verified).toBe(false);
    expect(report.readmeByteEqual).toBe(false);
    expect(report.checks.find((c) => c.path === 'README.md')).toMatchObject({ ok: false });
    const { assertVerified } = await import('../../electron/services/verify');
    expect(() => assertVerified(report)).toThrow(/README\.md/);
  });

  it('refuses read-only and invalid tokens, and other namespaces, before uploading', async () => {
    const fx = await workspace(1 * MiB);
    const local = await makePlan(fx, hasher);
    const ro = await account(READ);
    expect(ro).toMatchObject({ user: 'alice-ro', role: 'read', canWrite: false, masked: 'hf_…nTst' });
    const mark = hub.requestLog.length;
    const e1 = await publish({ local, repo: 'm', endpoint: hub.url, token: READ, account: ro }).catch(
      (e) => e,
    );
    expect(e1.code).toBe('TOKEN_READ_ONLY');
    expect(e1.message).toMatch(/write/i);
    expect(since(mark)).toEqual([]);

    const e2 = await describeAccount('hf_' + 'Nope'.repeat(9), hub.url, { source: 'env' }).catch((e) => e);
    expect(e2.code).toBe('TOKEN_INVALID');
    expect(e2.message).not.toContain('Nope'.repeat(9));

    const e3 = await publish({
      local,
      repo: 'bob/stolen',
      endpoint: hub.url,
      token: WRITE,
      account: await account(),
    }).catch((e) => e);
    expect(e3.code).toBe('REPO_FORBIDDEN');
    expect(e3.message).toMatch(/bob/);
    // Even if our namespace check were bypassed, the Hub's 403 is a clear error too.
    const fake = { ...(await account()), orgs: ['bob'] };
    const e4 = await publish({
      local,
      repo: 'bob/stolen',
      endpoint: hub.url,
      token: WRITE,
      account: fake,
    }).catch((e) => e);
    expect(e4.code).toBe('REPO_FORBIDDEN');

    const e5 = await publish({
      local,
      repo: 'bad name',
      endpoint: hub.url,
      token: WRITE,
      account: await account(),
    }).catch((e) => e);
    expect(e5.code).toBe('REPO_NAME_INVALID');
    expect(parseRepoName('ok-name', 'alice').id).toBe('alice/ok-name');
  });

  it('a commit the Hub refuses, and rate limits that never end, are clear errors that leave no commit', async () => {
    const fx = await workspace(1 * MiB);
    const local = await makePlan(fx, hasher);
    hub.setFaults({
      rules: [{ fault: 'status', status: 422, kinds: ['commit'], message: 'Invalid metadata in README.md' }],
    });
    const refused = await run(local, 'refused-model').catch((e) => e);
    hub.setFaults(undefined);
    expect(refused.code).toBe('HUB_REJECTED');
    expect(refused.message).toMatch(/Invalid metadata in README\.md/);
    expect(refused.message).toMatch(/publish again/);
    expect(await commitCount('alice/refused-model')).toBe(1);

    hub.setFaults({ rules: [{ fault: 'rate-limit', retryAfterSeconds: 1, kinds: ['preupload'] }] });
    const limited = await run(local, 'limited-model', {
      retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    }).catch((e) => e);
    hub.setFaults(undefined);
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.message).toMatch(/Wait/);
    expect(await commitCount('alice/limited-model')).toBe(1);
  });

  it('a Hub that is down is a network error that says what to do', async () => {
    const fx = await workspace(1 * MiB);
    const local = await makePlan(fx, hasher);
    const acct = await account();
    const e = await publish({
      local,
      repo: 'down',
      endpoint: 'http://127.0.0.1:9',
      token: WRITE,
      account: acct,
      retry: { retries: 1, baseDelayMs: 1 },
    }).catch((x) => x);
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/127\.0\.0\.1:9/);
  });
});
