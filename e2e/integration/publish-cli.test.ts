/**
 * `hub-publisher publish` as a user runs it: a child process against the local Hub, on a generated
 * workspace with benchmark scripts, a README to fill and training state to leave out.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishSummary } from '../../shared/publish';
import { buildWorkspace, tempDir } from '../fixtures/workspace';
import { startLocalHub, type LocalHub } from '../local-hub';

const WRITE = 'hf_' + 'CarolWriteTokenForTheCliTestsCCCCCC';
const READ = 'hf_' + 'CarolReadTokenForTheCliTestsCCCCCCC';
const repoRoot = path.resolve(__dirname, '../..');
const exec = promisify(execFile);

let hub: LocalHub;
let work: string;
let ws: string;

beforeAll(async () => {
  work = await tempDir('publish-cli-');
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [
      { name: 'carol', token: WRITE, role: 'write' },
      { name: 'carol-ro', token: READ, role: 'read' },
    ],
  });
  ws = path.join(work, 'ws');
  await buildWorkspace(ws, {
    layout: 'trainer',
    steps: [100, 200, 300],
    sharded: true,
    weightsBytes: 12 * 1024 * 1024,
    benchmarks: {
      arc: {
        kind: 'score',
        scores: { 'checkpoint-100': 0.41, 'checkpoint-200': 0.625, 'checkpoint-300': 0.5 },
      },
    },
    readme:
      '# Run\n\n![loss](assets/loss.png)\n\n| Benchmark | Score |\n|---|---|\n| arc | - |\n| eval_accuracy | - |\n',
    images: ['assets/loss.png'],
    tokenFile: true,
  });
  await writeFile(path.join(work, 'token'), `${WRITE}\n`);
  await writeFile(path.join(work, 'read-token'), `${READ}\n`);
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/hub-publisher.js', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: work, HUB_PUBLISHER_DATA_DIR: path.join(work, 'data'), ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const base = (folder = ws) => [
  'publish',
  folder,
  '--endpoint',
  hub.url,
  '--token-file',
  path.join(work, 'token'),
  '--no-keychain',
];

describe('hub-publisher publish', () => {
  it('--dry-run prints the plan and uploads nothing', async () => {
    const mark = hub.requestLog.length;
    const r = await cli([...base(), '--repo', 'cli-model', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/checkpoint-200/);
    expect(r.stdout).toMatch(/model-00001-of-00002\.safetensors .* LFS/);
    expect(r.stdout).toMatch(/optimizer\.pt \(training-state\)/);
    expect(r.stdout).not.toMatch(/hf_token\.txt +/);
    // validate-yaml (a POST that changes nothing) is the card check every publish makes.
    expect(
      hub.requestLog.slice(mark).filter((x) => x.method !== 'GET' && x.kind !== 'validate-yaml'),
    ).toEqual([]);
  });

  it('publishes the best checkpoint with its filled-in card, prints the JSON summary and exits 0 when verified', async () => {
    const before = await readFile(path.join(ws, 'README.md'));
    const r = await cli([...base(), '--repo', 'cli-model', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as PublishSummary;
    expect(Object.keys(out).sort()).toEqual([
      'checkpoint',
      'commit',
      'evalAccuracy',
      'files',
      'repoId',
      'url',
      'verified',
      'visibility',
    ]);
    expect(out).toMatchObject({
      visibility: 'public',
      repoId: 'carol/cli-model',
      url: `${hub.url}/carol/cli-model`,
      checkpoint: 'checkpoint-200',
      verified: true,
    });
    expect(out.evalAccuracy).toBeCloseTo(0.625);
    expect(out.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(out.files.map((f) => f.path)).toContain('assets/loss.png');
    expect(out.files.every((f) => Object.keys(f).sort().join() === 'bytes,lfs,path,sha256')).toBe(true);
    const readme = await (await fetch(`${hub.url}/carol/cli-model/resolve/main/README.md`)).text();
    expect(readme).toContain('| arc | 0.625 |');
    // The workspace is never written to.
    expect((await readFile(path.join(ws, 'README.md'))).equals(before)).toBe(true);
    expect((await readdir(ws)).sort()).toEqual([
      'README.md',
      'assets',
      'checkpoint-100',
      'checkpoint-200',
      'checkpoint-300',
      'evaluation',
      'hf_token.txt',
    ]);
    // Nothing printed carries the token.
    expect(r.stdout + r.stderr).not.toContain(WRITE);
    const receipts = await readdir(path.join(work, 'data', 'receipts'));
    expect(receipts.length).toBeGreaterThan(0);
  });

  it('--checkpoint publishes another one and names it in the commit', async () => {
    const r = await cli([
      ...base(),
      '--repo',
      'cli-model-300',
      '--checkpoint',
      'checkpoint-300',
      '--yes',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as PublishSummary;
    expect(out.checkpoint).toBe('checkpoint-300');
    const commits = (await (
      await fetch(`${hub.url}/api/models/carol/cli-model-300/commits/main`)
    ).json()) as { title: string }[];
    expect(commits[0]!.title).toBe('Upload checkpoint checkpoint-300 (eval_accuracy 0.500)');
  });


  it('publishes over what another workspace published only when told so (--yes), and says so', async () => {
    const other = path.join(work, 'other-ws');
    await buildWorkspace(other, { layout: 'trainer', steps: [100], weightsBytes: 64 * 1024 });
    const commits = async () =>
      ((await (await fetch(`${hub.url}/api/models/carol/cli-model-300/commits/main`)).json()) as unknown[]).length;
    const before = await commits();
    const args = [
      ...base(other),
      '--repo',
      'cli-model-300',
      '--checkpoint',
      'checkpoint-100',
      '--no-benchmarks',
    ];
    // Not a terminal, not --yes: nobody can answer the questions, so nothing is published.
    const refused = await cli([...args, '--json']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Not a terminal: pass --yes/);
    expect(await commits()).toBe(before);
    // The other workspace's checkpoint goes: its files are not from this publish.
    const confirmed = await cli([...args, '--delete-remote', '--yes']);
    expect(confirmed.code, confirmed.stdout + confirmed.stderr).toBe(0);
    expect(confirmed.stderr).toMatch(/was last published from .*ws: publishing this workspace there, as confirmed/);
    expect(confirmed.stdout).toMatch(/^Published and verified/m);
    expect(await commits()).toBeGreaterThan(before);
  });
  it('a read-only token fails before any upload with how to fix it; an invalid one too', async () => {
    const mark = hub.requestLog.length;
    const r = await cli([
      'publish',
      ws,
      '--endpoint',
      hub.url,
      '--token-file',
      path.join(work, 'read-token'),
      '--no-keychain',
      '--repo',
      'nope',
      '--yes',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/read/);
    expect(r.stderr).toMatch(/settings\/tokens/);
    expect(
      hub.requestLog.slice(mark).some((x) => ['create-repo', 'preupload', 'commit'].includes(x.kind)),
    ).toBe(false);

    await writeFile(path.join(work, 'bad-token'), 'hf_' + 'X'.repeat(34));
    const bad = await cli([
      'publish',
      ws,
      '--endpoint',
      hub.url,
      '--token-file',
      path.join(work, 'bad-token'),
      '--no-keychain',
      '--repo',
      'nope',
      '--yes',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/did not accept the token/);
    expect(bad.stderr).not.toContain('X'.repeat(34));
  });

  it('sends the weights through classic LFS parts to a Hub without Xet, through resets and 503s, byte for byte', async () => {
    // The CLI's own build sends file bodies with undici's dispatcher (transport.ts); a Xet Hub never asks it to.
    const lfsHub = await startLocalHub({
      dataDir: path.join(work, 'lfs-hub'),
      users: [{ name: 'carol', token: WRITE, role: 'write' }],
      xet: false,
      multipartThreshold: 1024 * 1024,
      multipartChunkSize: 1024 * 1024,
      faults: {
        rules: [
          { fault: 'reset', afterBytes: 300 * 1024, kinds: ['lfs-part'], count: 1 },
          { fault: 'status', status: 503, kinds: ['lfs-part'], skip: 2, count: 1 },
        ],
      },
    });
    try {
      const r = await cli([
        'publish',
        ws,
        '--endpoint',
        lfsHub.url,
        '--token-file',
        path.join(work, 'token'),
        '--no-keychain',
        '--repo',
        'lfs-model',
        '--checkpoint',
        'checkpoint-300',
        '--yes',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as PublishSummary).verified).toBe(true);
      const parts = lfsHub.requestLog.filter((x) => x.kind === 'lfs-part');
      expect(parts.some((x) => x.status === 0)).toBe(true);
      expect(parts.some((x) => x.status === 503)).toBe(true);
      expect(parts.filter((x) => x.status === 200).length).toBeGreaterThanOrEqual(12);
      for (const shard of ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) {
        const local = await readFile(path.join(ws, 'checkpoint-300', shard));
        const res = await fetch(`${lfsHub.url}/carol/lfs-model/resolve/main/${shard}`);
        const remote = Buffer.from(await res.arrayBuffer());
        expect(createHash('sha256').update(remote).digest('hex')).toBe(
          createHash('sha256').update(local).digest('hex'),
        );
      }
    } finally {
      await lfsHub.close();
    }
  });

  it('refuses a bad repo name before anything else', async () => {
    const r = await cli([...base(), '--repo', 'bad name!', '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not a valid repository name/);
  });
});
