import fs from 'node:fs';
import { chmod, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildWorkspace, FAKE_TOKEN, snapshotTree, tempDir } from '../../../e2e/fixtures/workspace';
import { scanWorkspace } from '../evaluate';
import { scanFolder } from './index';
import { referencedPaths } from './readme';

const dirs: string[] = [];
const fresh = async () => {
  const d = await tempDir('hp-scan-test-');
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) {
    await chmod(d, 0o755).catch(() => {});
    await rm(d, { recursive: true, force: true });
  }
});

describe('scanFolder: layouts', () => {
  it('finds step_N checkpoints and orders them by number, not as strings', async () => {
    const root = await fresh();
    await buildWorkspace(root, { layout: 'step', steps: [1000, 200, 30, 5000] });
    const r = await scanFolder(root);
    expect(r.checkpoints.map((c) => c.name)).toEqual(['step_30', 'step_200', 'step_1000', 'step_5000']);
    expect(r.checkpoints.map((c) => c.step)).toEqual([30, 200, 1000, 5000]);
    expect(r.checkpoints.every((c) => c.valid && c.hasTokenizer)).toBe(true);
  });

  it('recognises Trainer checkpoint-N folders and their training state', async () => {
    const root = await fresh();
    await buildWorkspace(root, { layout: 'trainer', steps: [500, 1500] });
    const r = await scanFolder(root);
    expect(r.checkpoints.map((c) => c.name)).toEqual(['checkpoint-500', 'checkpoint-1500']);
    const roles = Object.fromEntries(r.checkpoints[0]!.files.map((f) => [f.path, f.role]));
    expect(roles).toMatchObject({
      'optimizer.pt': 'training-state',
      'scheduler.pt': 'training-state',
      'scaler.pt': 'training-state',
      'rng_state.pth': 'training-state',
      'training_args.bin': 'training-state',
      'trainer_state.json': 'training-state',
      'config.json': 'config',
      'model.safetensors': 'weights',
      'tokenizer.json': 'tokenizer',
      'tokenizer_config.json': 'tokenizer',
    });
    // Training state is not weights: the format stays plain safetensors.
    expect(r.checkpoints[0]!.weights.format).toBe('safetensors');
  });

  it('finds global_stepN, epoch_N and arbitrarily named checkpoints, and nested runs', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      layout: 'nested',
      steps: [10, 2],
      runs: ['run10', 'run2'],
      checkpoints: ['global_step300', 'epoch_3', 'final-model', 'deep/a/b/c/my_ckpt'],
    });
    const r = await scanFolder(root);
    expect(r.checkpoints.map((c) => c.relPath)).toEqual([
      'deep/a/b/c/my_ckpt',
      'epoch_3',
      'final-model',
      'global_step300',
      'runs/run2/checkpoint-2',
      'runs/run2/checkpoint-10',
      'runs/run10/checkpoint-2',
      'runs/run10/checkpoint-10',
    ]);
    expect(r.checkpoints.find((c) => c.name === 'final-model')!.step).toBeNull();
  });

  it('treats the folder itself as a checkpoint, alongside checkpoints inside it', async () => {
    const root = await fresh();
    await buildWorkspace(root, { layout: 'trainer', steps: [100], checkpoints: ['.'], readme: '# final' });
    const r = await scanFolder(root);
    expect(r.checkpoints.map((c) => c.relPath).sort()).toEqual(['.', 'checkpoint-100']);
    const self = r.checkpoints.find((c) => c.relPath === '.')!;
    expect(self.path).toBe(root);
    // The root checkpoint owns its own files only, not the checkpoints and scripts below it.
    expect(self.files.some((f) => f.path.includes('/'))).toBe(false);
    expect(self.files.map((f) => f.path)).toContain('model.safetensors');
  });

  it('reports a folder named like a checkpoint without weights, and ignores folders with a stray config.json', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      steps: [100],
      checkpoints: [{ name: 'step_200', weights: 'none' }],
      files: { 'configs/config.json': '{}', 'data/train.bin': 'x' },
    });
    const r = await scanFolder(root);
    expect(r.checkpoints.map((c) => c.name)).toEqual(['step_100', 'step_200']);
    const s200 = r.checkpoints[1]!;
    expect(s200.valid).toBe(false);
    expect(s200.problems.map((p) => p.code)).toEqual(['missing-weights']);
  });

  it('returns no checkpoints for an empty folder, with a warning that says what a checkpoint is', async () => {
    const root = await fresh();
    const r = await scanFolder(root);
    expect(r.checkpoints).toEqual([]);
    expect(r.warnings.join(' ')).toMatch(/config\.json and model weights/);
    expect(r.readme).toBeNull();
    expect(r.tokenFile).toBeNull();
  });
});

describe('scanFolder: weights', () => {
  it('reads parameter count and dtypes from safetensors headers', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      checkpoints: [
        {
          name: 'step_1',
          tensors: [
            { name: 'embed.weight', dtype: 'BF16', shape: [32, 16] },
            { name: 'norm.weight', dtype: 'F32', shape: [16] },
            { name: 'lm_head.weight', dtype: 'F16', shape: [16, 32] },
          ],
        },
      ],
    });
    const [c] = (await scanFolder(root)).checkpoints;
    expect(c!.weights).toMatchObject({
      format: 'safetensors',
      sharded: false,
      parameters: 32 * 16 + 16 + 16 * 32,
    });
    expect(c!.weights.dtypes).toEqual(['BF16', 'F16', 'F32']);
  });

  it('reads only the headers, never the tensor data', async () => {
    const root = await fresh();
    const ws = await buildWorkspace(root, {
      steps: [1],
      defaults: { weights: 'sharded', shards: 3, weightsBytes: 3 * 64 * 1024 * 1024 },
    });
    const spy = vi.spyOn(fs, 'read');
    try {
      const [c] = (await scanFolder(root)).checkpoints;
      expect(c!.weights.parameters).toBe(ws.checkpoints[0]!.parameters);
      expect(c!.weights.bytes).toBeGreaterThan(190 * 1024 * 1024);
      const bytesRequested = spy.mock.calls.reduce((a, call) => a + Number((call as unknown[])[3] ?? 0), 0);
      expect(spy).toHaveBeenCalled();
      expect(bytesRequested).toBeLessThan(64 * 1024);
    } finally {
      spy.mockRestore();
    }
  });

  it('checks sharded safetensors: every shard present, index total consistent', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      checkpoints: [
        { name: 'step_1', weights: 'sharded', shards: 3 },
        { name: 'step_2', weights: 'sharded', shards: 3, missingShard: true },
        { name: 'step_3', weights: 'sharded', shards: 2, indexTotalSize: 999_999 },
      ],
    });
    const [ok, missing, mismatch] = (await scanFolder(root)).checkpoints;
    expect(ok!.valid).toBe(true);
    expect(ok!.weights).toMatchObject({ format: 'safetensors', sharded: true });
    expect(ok!.files.find((f) => f.path === 'model.safetensors.index.json')!.role).toBe('weights-index');
    expect(missing!.problems).toEqual([
      expect.objectContaining({ code: 'missing-shard', file: 'model-00003-of-00003.safetensors' }),
    ]);
    expect(missing!.valid).toBe(false);
    expect(mismatch!.problems.map((p) => p.code)).toEqual(['index-size-mismatch']);
    expect(mismatch!.problems[0]!.message).toContain('999999');
  });

  it('flags corrupt headers, truncated data and empty weights without throwing', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      checkpoints: [
        { name: 'step_1', corrupt: 'header-length' },
        { name: 'step_2', corrupt: 'header-json' },
        { name: 'step_3', corrupt: 'truncated' },
        { name: 'step_4', corrupt: 'empty' },
        { name: 'step_5', weights: 'sharded', corrupt: 'header-json' },
      ],
    });
    const cs = (await scanFolder(root)).checkpoints;
    expect(cs.map((c) => c.problems.map((p) => p.code))).toEqual([
      ['corrupt-safetensors'],
      ['corrupt-safetensors'],
      ['corrupt-safetensors'],
      ['empty-weights'],
      ['corrupt-safetensors'],
    ]);
    expect(cs[0]!.problems[0]!.message).toMatch(/declares a \d+-byte header/);
    expect(cs[1]!.problems[0]!.message).toMatch(/not valid JSON/);
    expect(cs[2]!.problems[0]!.message).toMatch(/truncated/);
    expect(cs.every((c) => !c.valid)).toBe(true);
  });

  it('recognises PyTorch .bin, sharded .bin and mixed formats', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      checkpoints: [
        { name: 'step_1', weights: 'pytorch' },
        { name: 'step_2', weights: 'pytorch-sharded', shards: 2 },
        { name: 'step_3', weights: 'mixed' },
        { name: 'step_4', weights: 'pytorch-sharded', shards: 2, missingShard: true },
      ],
    });
    const [pt, sharded, mixed, missing] = (await scanFolder(root)).checkpoints;
    expect(pt!.weights).toMatchObject({ format: 'pytorch', sharded: false, parameters: null });
    expect(pt!.valid).toBe(true);
    expect(sharded!.weights).toMatchObject({ format: 'pytorch', sharded: true });
    expect(sharded!.valid).toBe(true);
    expect(mixed!.weights.format).toBe('mixed');
    expect(missing!.problems.map((p) => p.code)).toEqual(['missing-shard']);
  });

  it('reports missing and invalid config.json and a missing tokenizer', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      checkpoints: [
        { name: 'step_1', config: false },
        { name: 'step_2', config: '{"model_type": "llama",' },
        { name: 'step_3', tokenizer: false },
      ],
    });
    const [noConfig, badConfig, noTok] = (await scanFolder(root)).checkpoints;
    expect(noConfig!.problems.map((p) => p.code)).toEqual(['missing-config']);
    expect(badConfig!.problems.map((p) => p.code)).toEqual(['invalid-config']);
    expect(noTok!.valid).toBe(true);
    expect(noTok!.hasTokenizer).toBe(false);
  });
});

describe('scanFolder: hostile trees', () => {
  it('survives a symlink loop and does not list a checkpoint twice through an alias link', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      layout: 'trainer',
      steps: [100, 200],
      symlinks: { loop: '.', 'checkpoint-200/up': '..', last: 'checkpoint-200', 'self-ref': 'self-ref' },
    });
    const r = await scanFolder(root);
    expect(r.checkpoints.map((c) => c.name)).toEqual(['checkpoint-100', 'checkpoint-200']);
    expect(r.warnings.some((w) => w.includes('links back into the workspace'))).toBe(true);
  });

  it('never opens a FIFO (which would block forever) and reports broken links as unreadable', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      steps: [1, 2],
      fifos: ['step_1/model-extra.safetensors', 'step_1/notes.fifo'],
    });
    await rm(path.join(root, 'step_2', 'model.safetensors'));
    await symlink('/nonexistent/model.safetensors', path.join(root, 'step_2', 'model.safetensors'));
    const [one, two] = (await scanFolder(root)).checkpoints;
    expect(one!.problems).toEqual([
      expect.objectContaining({ code: 'unreadable', file: 'model-extra.safetensors' }),
    ]);
    expect(two!.problems).toEqual([
      expect.objectContaining({ code: 'unreadable', file: 'model.safetensors' }),
    ]);
  });

  it('skips an unreadable subfolder with a warning', async (ctx) => {
    if (process.getuid?.() === 0) {
      console.log('skipped: running as root, which reads folders whatever their permissions');
      ctx.skip();
    }
    const root = await fresh();
    await buildWorkspace(root, { steps: [1, 2] });
    await chmod(path.join(root, 'step_2'), 0o000);
    try {
      const r = await scanFolder(root);
      expect(r.checkpoints.map((c) => c.name)).toEqual(['step_1']);
      expect(r.warnings.join(' ')).toMatch(/step_2.*cannot be read/);
    } finally {
      await chmod(path.join(root, 'step_2'), 0o755);
    }
  });

  it('fails clearly for a missing folder or a file', async () => {
    const root = await fresh();
    await expect(scanFolder(path.join(root, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await writeFile(path.join(root, 'file.txt'), 'x');
    await expect(scanFolder(path.join(root, 'file.txt'))).rejects.toMatchObject({
      code: 'NOT_A_DIRECTORY',
    });
  });

  it('stops when cancelled', async () => {
    const root = await fresh();
    await buildWorkspace(root, { steps: [1, 2, 3] });
    const controller = new AbortController();
    controller.abort();
    await expect(scanFolder(root, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('reports progress', async () => {
    const root = await fresh();
    await buildWorkspace(root, { steps: [1, 2, 3] });
    const seen: { phase: string; done: number; total: number }[] = [];
    await scanFolder(root, { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toMatchObject({ phase: 'checkpoints', done: 3, total: 3 });
  });
});

describe('scanFolder: workspace files', () => {
  it('finds the README, the images it references, and a token file without reading it', async () => {
    const root = await fresh();
    const readme = [
      '# My model',
      '![loss curve](assets/loss.png "Loss")',
      '<img src="./assets/arch.svg" width="300">',
      '[eval details](docs/eval.md) and [site](https://example.com) and [top](#top)',
      '![missing](assets/missing.png)',
      '```md',
      '![in code](assets/ignored.png)',
      '```',
      '[ref]: assets/ref%20image.png',
    ].join('\n');
    await buildWorkspace(root, {
      steps: [1],
      readme,
      images: ['assets/loss.png', 'assets/arch.svg', 'assets/ref image.png'],
      files: { 'docs/eval.md': '# eval' },
      tokenFile: true,
    });
    const r = await scanFolder(root);
    expect(r.readme).toBe(path.join(root, 'README.md'));
    expect(r.readmeAssets).toEqual(
      expect.arrayContaining([
        { path: 'assets/loss.png', exists: true },
        { path: 'assets/arch.svg', exists: true },
        { path: 'docs/eval.md', exists: true },
        { path: 'assets/missing.png', exists: false },
        { path: 'assets/ref image.png', exists: true },
      ]),
    );
    expect(r.readmeAssets.map((a) => a.path)).not.toContain('assets/ignored.png');
    expect(r.tokenFile).toBe(path.join(root, 'hf_token.txt'));
    expect(JSON.stringify(r)).not.toContain(FAKE_TOKEN);
  });

  it('never lists the token file among a root checkpoint’s files', async () => {
    const root = await fresh();
    await buildWorkspace(root, { checkpoints: ['.'], tokenFile: true });
    const [c] = (await scanFolder(root)).checkpoints;
    expect(c!.files.map((f) => f.path)).not.toContain('hf_token.txt');
  });

  it('falls back to the latest checkpoint README when the workspace has none', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      checkpoints: [
        { name: 'step_1', readme: '# one' },
        { name: 'step_2', readme: '# two ![x](x.png)' },
      ],
    });
    const r = await scanFolder(root);
    expect(r.readme).toBe(path.join(root, 'step_2', 'README.md'));
    expect(r.readmeAssets).toEqual([{ path: 'x.png', exists: false }]);
  });

  it('describes the evaluation setup: scripts, config, imported results', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      layout: 'trainer',
      steps: [100],
      checkpoints: [{ name: 'checkpoint-100', trainerScores: { accuracy: 0.5 } }],
      benchmarks: { arc: { kind: 'score', default: 0.5 }, mmlu: { kind: 'score', default: 0.5 } },
      config: { benchmarks: ['arc'] },
      lmEval: { results: { 'checkpoint-100': { hellaswag: 0.4 } } },
    });
    const r = await scanWorkspace(root);
    expect(r.evaluation.benchmarks).toEqual(['arc']);
    expect(r.evaluation.configFile).toBe(path.join(root, 'hub-publisher.json'));
    expect(r.evaluation.sources).toEqual(['script', 'trainer-state', 'lm-eval-harness']);
  });

  it('writes nothing into the workspace', async () => {
    const root = await fresh();
    await buildWorkspace(root, {
      layout: 'trainer',
      steps: [1, 2],
      sharded: true,
      readme: '![a](a.png)',
      tokenFile: true,
      benchmarks: { arc: { kind: 'score', default: 0.5 } },
    });
    const before = await snapshotTree(root);
    await scanFolder(root);
    expect(await snapshotTree(root)).toEqual(before);
  });
});

describe('referencedPaths', () => {
  it('keeps relative file references and drops URLs, anchors and absolute paths', () => {
    expect(
      referencedPaths(
        '![a](img/a.png?raw=1) ![b](/abs.png) [c](http://x/y.png) [d](#d) ![e](<img/e f.png>) ![g](..\\up.png)',
      ),
    ).toEqual(['img/a.png', 'img/e f.png', '../up.png']);
  });
});
