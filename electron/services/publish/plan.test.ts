import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointInfo, FileRole, JobProgress } from '../../../shared/types';
import { Hasher } from '../hash';
import {
  applyRemote,
  CommitPacer,
  commitTitle,
  DEFAULT_COMMIT_LIMITS,
  filesToHash,
  filesToUpload,
  groupCommits,
  planPublish,
  type RemoteEntry,
} from './plan';
import { checkRepoNameSyntax, parseRepoName } from '../../../shared/repo-name';

const TOKEN = 'hf_' + 'UserTokenForThePlanTestsXXXXXXXXXX';

async function put(root: string, rel: string, content: string | Uint8Array) {
  const file = path.join(root, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

function checkpoint(root: string, name: string, files: [string, number, FileRole][]): CheckpointInfo {
  return {
    name,
    path: path.join(root, name),
    relPath: name,
    step: 100,
    valid: true,
    problems: [],
    weights: { format: 'safetensors', sharded: false, bytes: 0, parameters: null, dtypes: [] },
    hasTokenizer: false,
    files: files.map(([p, bytes, role]) => ({ path: p, bytes, role })),
    totalBytes: 0,
  };
}

describe('planPublish', () => {
  let root: string;
  let hasher: Hasher;
  const config = '{"model_type":  "llama",\n "hidden_size": 64}\n';
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'plan-'));
    hasher = new Hasher({ dataDir: null });
    await put(root, 'step_100/config.json', config);
    await put(root, 'step_100/model.safetensors', Buffer.alloc(12 * 1024 * 1024, 3));
    await put(root, 'step_100/tokenizer.json', '{"v":1}');
    await put(root, 'step_100/optimizer.pt', Buffer.alloc(1000, 1));
    await put(root, 'step_100/trainer_state.json', '{}');
    await put(root, 'step_100/hf_token.txt', TOKEN);
    await put(root, 'step_100/.env', `HF_TOKEN=${TOKEN}`);
    await put(root, 'step_100/notes/extra.md', 'notes');
    await put(root, 'step_100/README.md', 'old card');
    await put(root, 'figures/fig1.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]));
    await put(root, 'outside.txt', 'x');
  });
  afterAll(async () => {
    await hasher.close();
    await rm(root, { recursive: true, force: true });
  });

  const ckpt = () =>
    checkpoint(root, 'step_100', [
      ['config.json', 0, 'config'],
      ['model.safetensors', 0, 'weights'],
      ['tokenizer.json', 0, 'tokenizer'],
      ['optimizer.pt', 0, 'training-state'],
      ['trainer_state.json', 0, 'other'],
      ['hf_token.txt', 0, 'other'],
      ['.env', 0, 'other'],
      ['notes/extra.md', 0, 'other'],
      ['README.md', 0, 'readme'],
    ]);

  /** A plan of the checkpoint with a fresh hasher: nothing cached, so every file is really hashed (with progress). */
  async function planFresh(extra: { onProgress?: (p: JobProgress) => void } = {}) {
    const fresh = new Hasher({ dataDir: null });
    try {
      return await planPublish({
        checkpoint: ckpt(),
        workspaceRoot: root,
        readmeText: 'card',
        readmeAssets: [],
        evalAccuracy: null,
        hasher: fresh,
        ...extra,
      });
    } finally {
      await fresh.close();
    }
  }

  it('promises no time left while hashing that finishes at once (no rate before it is measured)', async () => {
    const events: (JobProgress & { at: number })[] = [];
    const started = Date.now();
    await planFresh({ onProgress: (p) => events.push({ ...p, at: Date.now() - started }) });
    const hashing = events.filter((p) => p.phase === 'hash');
    expect(hashing.length).toBeGreaterThan(0);
    // Before the fix the first small file (ms in) made a rate that said minutes were left for 12 MB. A
    // time left may only come from a second of progress or more (a loaded machine can take that long).
    expect(hashing.filter((p) => p.eta !== undefined && p.at < 1000)).toEqual([]);
    expect(hashing.filter((p) => p.eta !== undefined && p.done >= p.total)).toEqual([]);
  });

  it('takes the checkpoint minus training state and secrets, the prepared README and its assets, nothing else', async () => {
    const { plan, sources } = await planPublish({
      checkpoint: ckpt(),
      workspaceRoot: root,
      readmeText: '# Card\n![fig](figures/fig1.png)\n',
      readmeAssets: ['figures/fig1.png'],
      evalAccuracy: 0.8125,
      hasher,
      token: TOKEN,
    });
    expect(plan.files.map((f) => f.path)).toEqual([
      'README.md',
      'config.json',
      'figures/fig1.png',
      'model.safetensors',
      'notes/extra.md',
      'tokenizer.json',
    ]);
    expect(Object.fromEntries(plan.excluded.map((e) => [e.path, e.reason]))).toEqual({
      'optimizer.pt': 'training-state',
      'trainer_state.json': 'training-state',
      'hf_token.txt': 'never-uploaded',
      '.env': 'never-uploaded',
    });
    const byPath = Object.fromEntries(plan.files.map((f) => [f.path, f]));
    expect(byPath['model.safetensors']).toMatchObject({
      lfs: true,
      bytes: 12 * 1024 * 1024,
      origin: 'checkpoint',
    });
    expect(byPath['config.json']).toMatchObject({ lfs: false, origin: 'checkpoint' });
    expect(byPath['figures/fig1.png']).toMatchObject({ lfs: true, origin: 'asset' });
    expect(byPath['README.md']).toMatchObject({ origin: 'readme', lfs: false });
    // config.json goes byte for byte: its digest is the digest of the file as written.
    expect(byPath['config.json']!.sha256).toBe(createHash('sha256').update(config).digest('hex'));
    expect(sources.get('README.md')).toMatchObject({ kind: 'memory' });
    expect(Buffer.from((sources.get('README.md') as { bytes: Uint8Array }).bytes).toString()).toContain(
      '# Card',
    );
    // A small regular file is committed from the very bytes that were hashed and scanned for secrets.
    expect(sources.get('config.json')).toMatchObject({ kind: 'memory' });
    expect(Buffer.from((sources.get('config.json') as { bytes: Uint8Array }).bytes).toString()).toBe(config);
    expect(plan.commitTitle).toBe('Upload checkpoint step_100 (eval_accuracy 0.812)');
    expect(plan.commits).toHaveLength(1);
    expect(plan.commits[0]!.at(-1)).toBe('README.md');
  });

  it('gives a hashed file what it was when hashed, for the upload to check by stat, once its times have settled', async () => {
    const weights = path.join(root, 'step_100', 'model.safetensors');
    const st = await stat(weights);
    // Hashed within a second of its last change, a file gets no identity (identityOf): wait that out.
    const settle = 1100 - (Date.now() - st.ctimeMs);
    if (settle > 0) await new Promise((r) => setTimeout(r, settle));
    const { sources } = await planFresh();
    expect(sources.get('model.safetensors')).toEqual({
      kind: 'file',
      absPath: weights,
      size: 12 * 1024 * 1024,
      hashedAs: { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, ctimeMs: st.ctimeMs },
    });
  });

  it('uploads exactly the selected files, and hashes ahead only those the plan does not read whole', () => {
    const relative = (paths: string[]) =>
      paths.map((p) => path.relative(path.join(root, 'step_100'), p)).sort();
    expect(relative(filesToUpload(ckpt(), { exclude: ['notes/**'] }))).toEqual([
      'README.md',
      'config.json',
      'model.safetensors',
      'tokenizer.json',
    ]);
    // Sizes as the scan found them: only the 12 MiB weights are worth hashing ahead (small files are read
    // whole by the plan, which hashes those very bytes); training state is never hashed.
    const scanned = ckpt();
    for (const f of scanned.files) f.bytes = f.path === 'model.safetensors' ? 12 * 1024 * 1024 : 1000;
    scanned.files.find((f) => f.path === 'optimizer.pt')!.bytes = 50 * 1024 * 1024;
    expect(relative(filesToHash(scanned, { exclude: ['notes/**'] }))).toEqual(['model.safetensors']);
  });

  it('applies include and exclude globs to checkpoint files', async () => {
    const { plan } = await planPublish({
      checkpoint: ckpt(),
      workspaceRoot: root,
      readmeText: null,
      readmeAssets: [],
      include: ['*.json', '*.safetensors', 'README.md'],
      exclude: ['tokenizer.*'],
      evalAccuracy: null,
      hasher,
    });
    expect(plan.files.map((f) => f.path)).toEqual(['README.md', 'config.json', 'model.safetensors']);
    expect(plan.excluded).toContainEqual({ path: 'tokenizer.json', reason: 'excluded-by-pattern' });
    expect(plan.excluded).toContainEqual({ path: 'notes/extra.md', reason: 'not-included' });
    expect(plan.commitTitle).toMatch(/not evaluated/);
  });

  it('refuses files containing the token or anything token-shaped, naming them and uploading nothing', async () => {
    await put(root, 'step_100/leak.json', `{"token": "${TOKEN}"}`);
    const c = ckpt();
    c.files.push({ path: 'leak.json', bytes: 0, role: 'other' });
    const err = await planPublish({
      checkpoint: c,
      workspaceRoot: root,
      readmeText: 'card',
      readmeAssets: [],
      evalAccuracy: 0.5,
      hasher,
    }).catch((e) => e);
    expect(err.code).toBe('SECRET_IN_UPLOAD');
    expect(err.message).toContain('leak.json');
    expect(err.message).not.toContain(TOKEN);

    const odd = 'my-internal-token-value-12345';
    await put(root, 'step_100/other.txt', `value=${odd}`);
    const c2 = ckpt();
    c2.files.push({ path: 'other.txt', bytes: 0, role: 'other' });
    const err2 = await planPublish({
      checkpoint: c2,
      workspaceRoot: root,
      readmeText: 'card',
      readmeAssets: [],
      evalAccuracy: 0.5,
      hasher,
      token: odd,
    }).catch((e) => e);
    expect(err2.code).toBe('SECRET_IN_UPLOAD');
    expect(err2.message).toContain('other.txt');

    const err3 = await planPublish({
      checkpoint: ckpt(),
      workspaceRoot: root,
      readmeText: `token: ${TOKEN}`,
      readmeAssets: [],
      evalAccuracy: 0.5,
      hasher,
    }).catch((e) => e);
    expect(err3.code).toBe('SECRET_IN_UPLOAD');
    expect(err3.message).toContain('README.md');
  });

  it('never reaches outside the workspace for assets', async () => {
    const { plan } = await planPublish({
      checkpoint: ckpt(),
      workspaceRoot: path.join(root, 'step_100'),
      readmeText: 'x',
      readmeAssets: ['../outside.txt', 'missing.png'],
      evalAccuracy: 0.5,
      hasher,
    });
    expect(plan.files.map((f) => f.path)).not.toContain('../outside.txt');
    expect(plan.excluded).toContainEqual({ path: '../outside.txt', reason: 'outside-workspace' });
    expect(plan.excluded).toContainEqual({ path: 'missing.png', reason: 'missing' });
  });

  it('skips what the repo already has and lists deletions only when asked', async () => {
    const { plan } = await planPublish({
      checkpoint: ckpt(),
      workspaceRoot: root,
      readmeText: 'card',
      readmeAssets: [],
      evalAccuracy: 0.5,
      hasher,
    });
    const f = Object.fromEntries(plan.files.map((x) => [x.path, x]));
    const remote = new Map<string, RemoteEntry>([
      [
        'config.json',
        { path: 'config.json', size: f['config.json']!.bytes, oid: f['config.json']!.gitOid!, lfs: null },
      ],
      [
        'model.safetensors',
        {
          path: 'model.safetensors',
          size: f['model.safetensors']!.bytes,
          oid: 'x',
          lfs: { oid: f['model.safetensors']!.sha256!, size: f['model.safetensors']!.bytes },
        },
      ],
      ['tokenizer.json', { path: 'tokenizer.json', size: 7, oid: 'different', lfs: null }],
      ['stale.bin', { path: 'stale.bin', size: 1, oid: 'y', lfs: null }],
      ['.gitattributes', { path: '.gitattributes', size: 1, oid: 'z', lfs: null }],
    ]);
    const kept = applyRemote(plan, remote);
    expect(kept.files.filter((x) => x.unchanged).map((x) => x.path)).toEqual([
      'config.json',
      'model.safetensors',
    ]);
    expect(kept.commits.flat().sort()).toEqual(['README.md', 'notes/extra.md', 'tokenizer.json']);
    expect(kept.deletions).toEqual([]);
    expect(applyRemote(plan, remote, { deleteRemote: true }).deletions).toEqual(['stale.bin']);
  });
});

describe('groupCommits', () => {
  const f = (p: string, bytes: number) => ({
    path: p,
    origin: 'checkpoint' as const,
    bytes,
    lfs: true,
    sha256: null,
    gitOid: null,
  });
  it('splits by count and by size, largest first, README last', () => {
    const files = [f('README.md', 10), f('a', 50), f('b', 40), f('c', 30), f('d', 20), f('e', 5)];
    expect(groupCommits(files, { maxFiles: 2, maxBytes: 1000 })).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'README.md'],
    ]);
    expect(groupCommits(files, { maxFiles: 100, maxBytes: 60 })).toEqual([
      ['a'],
      ['b'],
      ['c', 'd', 'e'],
      ['README.md'],
    ]);
  });
  it('makes ten thousand small files a handful of commits that grow like huggingface_hub does (250, 400, 600, 1000…)', () => {
    const small = Array.from({ length: 10_000 }, (_, i) => ({ ...f(`data/${i}.json`, 1000), lfs: false }));
    const commits = groupCommits(
      [f('model.safetensors', 1 << 30), ...small, f('README.md', 10)],
      DEFAULT_COMMIT_LIMITS,
    );
    expect(commits.map((c) => c.length)).toEqual([
      250, 400, 600, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 752,
    ]);
    expect(commits.flat()).toHaveLength(10_002);
    expect(new Set(commits.flat()).size).toBe(10_002);
    // Regular files first, the weights after them (sent from the start meanwhile), the card last.
    expect(commits[0]![0]).toBe('data/0.json');
    expect(commits.at(-1)!.slice(-2)).toEqual(['model.safetensors', 'README.md']);
    expect(Math.max(...commits.map((c) => c.length))).toBeLessThanOrEqual(1000);
  });
  it('keeps the regular files inlined in one commit within the byte budget', () => {
    const regular = Array.from({ length: 30 }, (_, i) => ({ ...f(`r${i}`, 9 * 1024 * 1024), lfs: false }));
    const commits = groupCommits(regular, DEFAULT_COMMIT_LIMITS);
    expect(commits.map((c) => c.length)).toEqual([11, 11, 8]);
    // LFS bytes do not count: they are not in the commit body.
    expect(
      groupCommits(
        regular.map((r) => ({ ...r, lfs: true })),
        DEFAULT_COMMIT_LIMITS,
      ),
    ).toHaveLength(1);
  });
  it('paces commits: up after a fast full one, down after a slow one, within 20..1000 and maxFiles', () => {
    const pacer = new CommitPacer(DEFAULT_COMMIT_LIMITS);
    expect(pacer.target).toBe(250);
    pacer.record(3, 250);
    expect(pacer.target).toBe(400);
    pacer.record(3, 12); // fast but not full: no reason to grow
    expect(pacer.target).toBe(400);
    pacer.record(55, 400);
    expect(pacer.target).toBe(250);
    for (let i = 0; i < 20; i++) pacer.record(90, 10);
    expect(pacer.target).toBe(20);
    for (let i = 0; i < 20; i++) pacer.record(1, 1000);
    expect(pacer.target).toBe(1000);
    const capped = new CommitPacer({ maxFiles: 3, startFiles: 250 });
    capped.record(1, 3);
    expect(capped.target).toBe(3);
  });
  it('names the checkpoint and its accuracy', () => {
    expect(commitTitle('checkpoint-500', 0.0625)).toBe(
      'Upload checkpoint checkpoint-500 (eval_accuracy 0.062)',
    );
  });
  it('names the metric the user chose to pick the best by', () => {
    expect(commitTitle('checkpoint-200', 0.6, { name: 'eval_loss', value: 0.5 })).toBe(
      'Upload checkpoint checkpoint-200 (eval_loss 0.500)',
    );
  });
});

describe('repository names', () => {
  it('accepts Hub names and fills in the owner', () => {
    expect(parseRepoName('my-model_v2.1', 'alice')).toEqual({
      namespace: 'alice',
      name: 'my-model_v2.1',
      id: 'alice/my-model_v2.1',
    });
    expect(parseRepoName('org/m', 'alice').id).toBe('org/m');
  });
  it.each([
    ['has space', /characters/],
    ['-leading', /start and end/],
    ['trailing.', /start and end/],
    ['a--b', /--/],
    ['a..b', /\.\./],
    ['model.git', /\.git/],
    ['a/b/c', /NAME or namespace\/NAME/],
    ['x'.repeat(97), /96/],
    ['ns/', /empty/],
    ['bad ns/name', /owner/],
  ])('rejects %s', (name, why) => {
    expect(() => parseRepoName(name, 'alice')).toThrow(why);
    expect(checkRepoNameSyntax(name)).toMatch(why);
  });
  it('needs an owner when none is known', () => {
    expect(() => parseRepoName('m', null)).toThrow(/owner/);
  });
});
