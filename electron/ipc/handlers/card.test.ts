import { createRepo, uploadFiles } from '@huggingface/hub';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, TINY_PNG } from '../../../e2e/fixtures/workspace';
import { startLocalHub, type LocalHub } from '../../../e2e/local-hub';
import { createRegistry } from './index';
import type { CardContext, WorkspaceSessionInfo } from '../../../shared/ipc/contract';
import { HubClient } from '../../services/hub';

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'card-handlers-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/**
 * A registry where the user opened `opened` with the folder dialog: `dispatch` names that workspace's
 * session, as the window does once it opened the folder.
 */
function registry(opened: string) {
  const r = createRegistry(() => {}, {
    dataDir: path.join(tmp, 'app-data'),
    env: {},
    platform: {
      version: 'test',
      chooseFolder: async () => opened,
      openExternal: async () => {},
      confirm: async () => false,
      chooseInterpreter: async () => null,
    },
  });
  let sessionId: Promise<string> | null = null;
  const session = () =>
    (sessionId ??= (async () => {
      const root = await r.dispatch(sender, 'workspace:choose', undefined);
      const info = await r.dispatch(sender, 'workspace:open', { root: root.ok ? root.value : opened });
      if (!info.ok) throw new Error(info.error.message);
      return (info.value as WorkspaceSessionInfo).sessionId;
    })());
  return {
    dispatch: async (s: typeof sender, channel: string, args: Record<string, unknown>) =>
      r.dispatch(s, channel, { sessionId: await session(), ...args }),
  };
}

/** What the Model card screen gets for a checkpoint of a workspace the user opened. */
async function readCardContext(root: string, checkpoint: string): Promise<CardContext> {
  const result = await registry(root).dispatch(sender, 'card:context', { checkpoint });
  if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
  return result.value as CardContext;
}

/** The README on the Hub as `card:remote` fetches it: anonymously, through the one Hub client. */
function fetchRemoteReadme(repo: string, endpoint: string): Promise<string | null> {
  return new HubClient(async () => endpoint).text(repo, 'README.md', null);
}
const sender = { id: 'test', trusted: true };

describe('card:context', () => {
  it('reads the workspace README, the checkpoint config and the trainer state', async () => {
    const root = path.join(tmp, 'trainer');
    await buildWorkspace(root, { layout: 'trainer', steps: [100, 200], readme: '# Card\n' });
    const context = await readCardContext(root, 'checkpoint-200');
    expect(context.readme).toBe('# Card\n');
    expect(context.readmePath).toBe('README.md');
    expect(context.config?.model_type).toBe('llama');
    expect(context.trainerState?.global_step).toBe(200);
    // An earlier checkpoint's card still reads the run's latest state.
    expect((await readCardContext(root, 'checkpoint-100')).trainerState?.global_step).toBe(200);
  });

  it('takes the run’s latest trainer state, not the chosen checkpoint’s own snapshot', async () => {
    const root = path.join(tmp, 'trainer-latest');
    // Each checkpoint's snapshot names no best checkpoint yet; the run's final state (root) names checkpoint-200.
    await buildWorkspace(root, {
      layout: 'trainer',
      steps: [100, 200, 300],
      bestModelCheckpoint: 'out/checkpoint-200',
    });
    const early = await readCardContext(root, 'checkpoint-100');
    expect(early.trainerState?.global_step).toBe(300);
    expect(early.trainerState?.best_model_checkpoint).toBe('out/checkpoint-200');

    // Without a final state in the run folder, the newest checkpoint's snapshot is the latest.
    const noFinal = path.join(tmp, 'trainer-no-final');
    await buildWorkspace(noFinal, { layout: 'trainer', steps: [100, 200, 300] });
    expect((await readCardContext(noFinal, 'checkpoint-100')).trainerState?.global_step).toBe(300);
  });

  it('falls back to the checkpoint README and the run folder trainer state, and says when there is none', async () => {
    const root = path.join(tmp, 'nested');
    await buildWorkspace(root, {
      steps: [],
      checkpoints: [{ name: 'run/step_5', readme: '# From the checkpoint\n', config: '{not json' }],
      files: { 'run/trainer_state.json': JSON.stringify({ global_step: 5, log_history: [] }) },
    });
    const context = await readCardContext(root, 'run/step_5');
    expect(context.readme).toBe('# From the checkpoint\n');
    expect(context.readmePath).toBe('run/step_5/README.md');
    expect(context.config).toBeNull();
    expect(context.trainerState?.global_step).toBe(5);

    const bare = path.join(tmp, 'bare');
    await buildWorkspace(bare, { steps: [1] });
    expect(await readCardContext(bare, 'step_1')).toEqual({
      readme: null,
      readmeSha256: null,
      readmePath: null,
      config: expect.objectContaining({ model_type: 'llama' }),
      trainerState: null,
      evalResults: {},
    });
  });

  it('brings the workspace’s .eval_results files, which the card’s results merge into', async () => {
    const root = path.join(tmp, 'with-results');
    const gsm8k = '- dataset: {id: openai/gsm8k, task_id: gsm8k}\n  value: 0.3\n';
    await buildWorkspace(root, {
      steps: [1],
      files: {
        '.eval_results/gsm8k.yaml': gsm8k,
        '.eval_results/notes.txt': 'x',
        '.eval_results/sub/deep.yaml': '- x',
      },
    });
    expect((await readCardContext(root, 'step_1')).evalResults).toEqual({
      '.eval_results/gsm8k.yaml': gsm8k,
    });
  });

  it('knows the root itself as a checkpoint by its folder name, and refuses unknown names', async () => {
    const root = path.join(tmp, 'single-model');
    await buildWorkspace(root, { steps: [], checkpoints: [{ name: '.', config: { model_type: 'gpt2' } }] });
    expect((await readCardContext(root, 'single-model')).config?.model_type).toBe('gpt2');
    const result = await registry(root).dispatch(sender, 'card:context', { checkpoint: 'step_404' });
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('workspace:image', () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    root = path.join(tmp, 'images');
    outside = path.join(tmp, 'secret');
    await mkdir(outside, { recursive: true });
    await writeFile(path.join(outside, 'leak.png'), TINY_PNG);
    await writeFile(path.join(outside, 'notes.txt'), 'private');
    await buildWorkspace(root, {
      steps: [1],
      images: ['assets/loss.png'],
      files: { 'assets/big.png': Buffer.alloc(10 * 1024 * 1024 + 1), 'notes.md': 'text' },
      symlinks: { 'assets/escape.png': path.join(outside, 'leak.png'), linked: outside },
    });
    await symlink('../../secret/leak.png', path.join(root, 'assets', 'relative-escape.png'));
  });

  const image = (rel: string) => registry(root).dispatch(sender, 'workspace:image', { path: rel });

  it('returns an image inside the workspace as a data: URL, and null for a missing one', async () => {
    expect(await image('assets/loss.png')).toEqual({
      ok: true,
      value: `data:image/png;base64,${TINY_PNG.toString('base64')}`,
    });
    expect(await image('assets/./loss.png')).toMatchObject({
      ok: true,
      value: expect.stringMatching(/^data:image\/png;base64,/),
    });
    expect(await image('assets/missing.png')).toEqual({ ok: true, value: null });
  });

  it('never reads outside the workspace', async () => {
    for (const attempt of [
      '../secret/leak.png',
      'assets/../../secret/leak.png',
      '/etc/passwd.png',
      'C:/secret.png',
    ]) {
      const result = await image(attempt);
      expect(result.ok, attempt).toBe(false);
    }
    for (const attempt of ['assets/escape.png', 'assets/relative-escape.png', 'linked/leak.png']) {
      const result = await image(attempt);
      expect(result, attempt).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('outside the workspace') },
      });
    }
  });

  it('refuses files that are not images and images over 10 MB', async () => {
    expect(await image('notes.md')).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await image('linked/notes.txt')).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await image('assets/big.png')).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('10 MB') },
    });
  });
});

describe('card:remote', () => {
  let hub: LocalHub;
  const alice = { name: 'alice', token: 'hf_alice_card_write_token', role: 'write' as const };
  beforeAll(async () => {
    hub = await startLocalHub({ dataDir: path.join(tmp, 'hub'), users: [alice] });
    const credentials = { accessToken: alice.token, hubUrl: hub.url };
    await createRepo({ repo: 'alice/with-card', ...credentials });
    await uploadFiles({
      repo: 'alice/with-card',
      files: [{ path: 'README.md', content: new Blob(['# On the Hub\n']) }],
      ...credentials,
    });
    await createRepo({ repo: 'alice/no-card', ...credentials });
    await createRepo({ repo: 'alice/private', private: true, ...credentials });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('downloads the README of a repo from the configured endpoint', async () => {
    expect(await fetchRemoteReadme('alice/with-card', hub.url)).toBe('# On the Hub\n');
    const app = createRegistry(() => {}, {
      dataDir: path.join(tmp, 'app-data-remote'),
      env: { HF_ENDPOINT: hub.url },
      platform: {
        version: 'test',
        chooseFolder: async () => tmp,
        openExternal: async () => {},
        confirm: async () => false,
        chooseInterpreter: async () => null,
      },
    });
    const root = await app.dispatch(sender, 'workspace:choose', undefined);
    const info = await app.dispatch(sender, 'workspace:open', { root: root.ok && root.value });
    const sessionId = info.ok && (info.value as WorkspaceSessionInfo).sessionId;
    const result = await app.dispatch(sender, 'card:remote', { sessionId, repo: 'alice/with-card' });
    expect(result).toEqual({ ok: true, value: '# On the Hub\n' });
  });

  it('answers null when the repo or its README does not exist', async () => {
    expect(await fetchRemoteReadme('alice/no-card', hub.url)).toBeNull();
    expect(await fetchRemoteReadme('alice/never-created', hub.url)).toBeNull();
    expect(await fetchRemoteReadme('alice/private', hub.url)).toBeNull();
  });

  it('turns an unreachable Hub into a network error that says what to do', async () => {
    await expect(fetchRemoteReadme('alice/with-card', 'http://127.0.0.1:9')).rejects.toMatchObject({
      code: 'NETWORK',
    });
  });
});

describe('card:save', () => {
  it('writes the README atomically, keeps the previous one in the data folder, and refuses a README changed on disk', async () => {
    const { readFile, readdir } = await import('node:fs/promises');
    const root = path.join(tmp, 'save');
    await buildWorkspace(root, { steps: [1], readme: '# Before\n' });
    const app = registry(root);
    const context = (await app.dispatch(sender, 'card:context', { checkpoint: 'step_1' })) as {
      ok: true;
      value: CardContext;
    };
    const saved = await app.dispatch(sender, 'card:save', {
      text: '# After\n',
      expectedSha256: context.value.readmeSha256,
    });
    expect(saved).toMatchObject({ ok: true, value: { path: 'README.md' } });
    const value = (saved as { ok: true; value: { backup: string; sha256: string } }).value;
    expect(await readFile(path.join(root, 'README.md'), 'utf8')).toBe('# After\n');
    expect(await readFile(value.backup, 'utf8')).toBe('# Before\n');
    expect(value.backup.startsWith(path.join(tmp, 'app-data'))).toBe(true);
    // No temporary file is left beside it.
    expect((await readdir(root)).filter((name) => name.includes('README'))).toEqual(['README.md']);

    // Someone else writes the README: the next save is refused and their text stays.
    await writeFile(path.join(root, 'README.md'), '# Theirs\n');
    const refused = await app.dispatch(sender, 'card:save', {
      text: '# Mine\n',
      expectedSha256: value.sha256,
    });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', message: expect.stringContaining('changed on disk') },
    });
    expect(await readFile(path.join(root, 'README.md'), 'utf8')).toBe('# Theirs\n');
  });

  it('saves a card for a workspace without a README at its root, never into a checkpoint folder', async () => {
    const { readFile } = await import('node:fs/promises');
    const root = path.join(tmp, 'save-checkpoint-readme');
    await buildWorkspace(root, {
      steps: [],
      checkpoints: [{ name: 'step_5', readme: '# From the checkpoint\n' }],
    });
    const app = registry(root);
    const context = (await app.dispatch(sender, 'card:context', { checkpoint: 'step_5' })) as {
      ok: true;
      value: CardContext;
    };
    const saved = await app.dispatch(sender, 'card:save', {
      text: '# Edited\n',
      expectedSha256: context.value.readmeSha256,
    });
    expect(saved).toMatchObject({ ok: true, value: { path: 'README.md' } });
    expect(await readFile(path.join(root, 'step_5', 'README.md'), 'utf8')).toBe('# From the checkpoint\n');
    expect(await readFile(path.join(root, 'README.md'), 'utf8')).toBe('# Edited\n');
    // The session reads the saved card from then on.
    const again = (await app.dispatch(sender, 'card:context', { checkpoint: 'step_5' })) as {
      ok: true;
      value: CardContext;
    };
    expect(again.value.readme).toBe('# Edited\n');
  });
});
