/**
 * The publish handlers through the registry, as the Publish screen drives them, against the local Hub with
 * the real services: the plan, hash-ahead, a publish that ends verified, a read-only token refused before
 * anything is sent, and a cancelled upload resumed without re-sending what the Hub already has.
 */
import { access, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  EventChannel,
  EventPayloads,
  PublishResult,
  WorkspaceSessionInfo,
} from '../../../shared/ipc/contract';
import type { PublishPlan, PublishReceipt } from '../../../shared/publish';
import type { Result } from '../../../shared/result';
import type { JobProgress } from '../../../shared/types';
import { buildWorkspace, tempDir, type BuiltWorkspace } from '../../../e2e/fixtures/workspace';
import { startLocalHub, type LocalHub } from '../../../e2e/local-hub';
import { createRepo, uploadFiles } from '@huggingface/hub';
import type { Keychain } from '../../services/token';
import type { HandlerRegistry } from '../registry';
import { createRegistry } from './index';

const WRITE = 'hf_' + 'AliceWriteTokenForPublishHandlersAA';
const READ = 'hf_' + 'AliceReadTokenForPublishHandlersAAA';
const README = '# Tiny model\n\nThe loss:\n\n![loss](assets/loss.png)\n';

let hub: LocalHub;
let work: string;
let ws: BuiltWorkspace;
const registries: HandlerRegistry[] = [];

beforeAll(async () => {
  work = await tempDir('publish-handlers-');
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [
      { name: 'alice', token: WRITE, role: 'write' },
      { name: 'alice-ro', token: READ, role: 'read' },
    ],
    orgs: [{ name: 'acme', members: ['alice'] }],
    // These tests count classic LFS PUTs (cancel and resume among them): a Hub without Xet. Publishing through
    // Xet, its dedup and its resume are tested in e2e/integration/publish-xet.test.ts.
    xet: false,
  });
  ws = await buildWorkspace(path.join(work, 'run'), {
    layout: 'trainer',
    steps: [100, 200],
    sharded: true,
    weightsBytes: 3 * 1024 * 1024,
    readme: README,
    images: ['assets/loss.png'],
    tokenFile: true,
    checkpoints: [
      { name: 'checkpoint-100', trainerScores: { arc: 0.25, hellaswag: 0.5 } },
      { name: 'checkpoint-200', trainerScores: { arc: 0.5, hellaswag: 0.75 } },
    ],
  });
});

afterAll(async () => {
  for (const r of registries) await r.dispose();
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

const emptyKeychain: Keychain = {
  save: async () => undefined,
  load: async () => null,
  forget: async () => false,
};

let n = 0;
async function setup(folder: string = ws.root) {
  const dir = path.join(work, `app-${++n}`);
  const env: NodeJS.ProcessEnv = { HF_HOME: path.join(dir, 'hfhome'), HF_ENDPOINT: hub.url };
  const events: { event: EventChannel; payload: EventPayloads[EventChannel] }[] = [];
  const waiters = new Map<string, (r: Result<unknown>) => void>();
  const registry = createRegistry(
    (_sender, event, payload) => {
      events.push({ event, payload });
      if (event === 'job:done') {
        const done = payload as EventPayloads['job:done'];
        waiters.get(done.jobId)?.(done.result);
      }
    },
    {
      platform: {
        version: 'test',
        chooseFolder: async () => folder,
        openExternal: async () => undefined,
        confirm: async () => false,
        chooseInterpreter: async () => null,
      },
      dataDir: path.join(dir, 'data'),
      env,
      keychain: emptyKeychain,
    },
  );
  registries.push(registry);
  const sender = { id: 'window-1', trusted: true };
  const call = <T>(channel: string, args?: unknown) =>
    registry.dispatch(sender, channel, args) as Promise<Result<T>>;
  const start = async <T>(channel: string, args: unknown) => {
    const started = await call<{ jobId: string }>(channel, args);
    if (!started.ok) throw new Error(started.error.message);
    const { jobId } = started.value;
    const done = new Promise<Result<T>>((resolve) =>
      waiters.set(jobId, resolve as (r: Result<unknown>) => void),
    );
    const progress = () =>
      events
        .filter(
          (e) => e.event === 'job:progress' && (e.payload as EventPayloads['job:progress']).jobId === jobId,
        )
        .map((e) => (e.payload as EventPayloads['job:progress']).progress);
    return { jobId, done, progress, cancel: () => call('job:cancel', { jobId }) };
  };
  const signIn = async (token: string) => {
    const r = await call('account:setToken', { token, remember: false });
    if (!r.ok) throw new Error(r.error.message);
  };
  const root = await call<string>('workspace:choose');
  if (!root.ok) throw new Error(root.error.message);
  const opened = await call<WorkspaceSessionInfo>('workspace:open', { root: root.value });
  if (!opened.ok) throw new Error(opened.error.message);
  const { sessionId } = opened.value;
  const request = (repo: string, extra: object = {}) => ({
    sessionId,
    checkpoint: checkpoint(),
    readme: README,
    repo,
    ...extra,
  });
  return { call, start, events, signIn, sessionId, request };
}

const checkpoint = () => ws.checkpoints.at(-1)!.name;

function ok<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('publish handlers', () => {
  it('plans the checkpoint without training state or the token file, with the README and its image', async () => {
    const app = await setup();
    await app.signIn(WRITE);
    const plan = ok(await app.call<PublishPlan>('publish:plan', app.request('tiny-plan')));
    const paths = plan.files.map((f) => f.path);
    expect(paths).toContain('README.md');
    expect(paths).toContain('assets/loss.png');
    expect(paths).toContain('config.json');
    expect(paths.filter((p) => p.endsWith('.safetensors'))).toHaveLength(2);
    expect(
      paths.some((p) => /optimizer|scheduler|rng_state|training_args|trainer_state|hf_token/.test(p)),
    ).toBe(false);
    expect(plan.excluded.filter((e) => e.reason === 'training-state').map((e) => e.path)).toEqual(
      expect.arrayContaining(['optimizer.pt', 'scheduler.pt']),
    );
    for (const f of plan.files)
      expect(f.lfs).toBe(f.path.endsWith('.safetensors') || f.path.endsWith('.png'));
    expect(plan.totalBytes).toBe(plan.files.reduce((s, f) => s + f.bytes, 0));
    // The repo does not exist yet: every file is marked as to be sent.
    expect(plan.files.every((f) => f.unchanged === false)).toBe(true);
  });

  it('merges the card’s .eval_results files with the Hub’s copies, refusing a different value unless asked', async () => {
    const app = await setup();
    await app.signIn(WRITE);
    const onHub =
      '- dataset: {id: openai/gsm8k, task_id: gsm8k}\n  value: 0.3\n- dataset: {id: cais/hle, task_id: hle}\n  value: 2\n';
    await createRepo({ repo: 'alice/hub-results', accessToken: WRITE, hubUrl: hub.url });
    await uploadFiles({
      repo: 'alice/hub-results',
      files: [{ path: '.eval_results/gsm8k.yaml', content: new Blob([onHub]) }],
      accessToken: WRITE,
      hubUrl: hub.url,
    });
    const evalResults = [
      {
        path: '.eval_results/gsm8k.yaml',
        text: '- dataset:\n    id: openai/gsm8k\n    task_id: gsm8k\n  value: 0.41\n',
      },
    ];
    const refused = await app.call<PublishPlan>('publish:plan', app.request('hub-results', { evalResults }));
    expect(refused).toMatchObject({ ok: false, error: { code: 'CARD_INVALID' } });
    expect(!refused.ok && refused.error.message).toContain(
      '.eval_results/gsm8k.yaml[0].value already says 0.3 for gsm8k; this checkpoint scored 0.41',
    );
    const plan = ok(
      await app.call<PublishPlan>(
        'publish:plan',
        app.request('hub-results', { evalResults, overwriteResults: true }),
      ),
    );
    expect(plan.files.find((f) => f.path === '.eval_results/gsm8k.yaml')).toMatchObject({
      origin: 'card-metadata',
      unchanged: false,
    });
    // The same value as the Hub's: nothing to send for that file.
    const same = ok(
      await app.call<PublishPlan>(
        'publish:plan',
        app.request('hub-results', { evalResults: [{ path: evalResults[0]!.path, text: onHub }] }),
      ),
    );
    expect(same.files.map((f) => f.path)).not.toContain('.eval_results/gsm8k.yaml');
  });

  it('keeps the model-index the Hub README already has, refusing to change its values unless asked', async () => {
    const app = await setup();
    await app.signIn(WRITE);
    const entry = (name: string, type: string, value: number) =>
      `  - task:\n      type: text-generation\n    dataset:\n      name: ${name}\n      type: ${type}\n    metrics:\n    - type: accuracy\n      value: ${value}\n`;
    const card = (...entries: string[]) =>
      `---\nmodel-index:\n- name: hub-mi\n  results:\n${entries.join('')}---\n${README}`;
    await createRepo({ repo: 'alice/hub-mi', accessToken: WRITE, hubUrl: hub.url });
    const onHub = card(entry('mmlu', 'cais/mmlu', 0.61), entry('arc', 'allenai/ai2_arc', 0.3));
    await uploadFiles({
      repo: 'alice/hub-mi',
      files: [{ path: 'README.md', content: new Blob([onHub]) }],
      accessToken: WRITE,
      hubUrl: hub.url,
    });
    // The window wrote this checkpoint's arc score into the card's model-index, without the Hub's copy.
    const readme = card(entry('arc', 'allenai/ai2_arc', 0.5));
    const refused = await app.call<PublishPlan>(
      'publish:plan',
      app.request('hub-mi', { readme, modelIndex: true }),
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'CARD_INVALID' } });
    expect(!refused.ok && refused.error.message).toContain('model-index[0].results[1].metrics[0].value');

    const run = await app.start<PublishResult>(
      'publish:run',
      app.request('hub-mi', { readme, modelIndex: true, overwriteResults: true }),
    );
    ok(await run.done);
    const published = await (
      await fetch(`${hub.url}/alice/hub-mi/resolve/main/README.md`, {
        headers: { Authorization: `Bearer ${WRITE}` },
      })
    ).text();
    // mmlu, which only the Hub had, is still there; arc carries this checkpoint's value.
    expect(published).toContain('name: mmlu');
    expect(published).toMatch(/name: arc[\s\S]*value: 0.5/);
    expect(published).not.toContain('value: 0.3');
    expect(published.endsWith(README)).toBe(true);
  });

  it('reports a bad name or a namespace the account cannot use before scanning anything', async () => {
    const app = await setup();
    await app.signIn(WRITE);
    const bad = await app.call('publish:plan', app.request('my--model'));
    expect(bad.ok || bad.error.code).toBe('REPO_NAME_INVALID');
    const foreign = await app.call('publish:plan', app.request('bob/model'));
    expect(foreign.ok || foreign.error.code).toBe('REPO_FORBIDDEN');
    if (!foreign.ok) expect(foreign.error.message).toMatch(/alice\/model/);
    ok(await app.call('publish:plan', app.request('acme/model')));
  });

  it('hashes ahead when asked', async () => {
    const app = await setup();
    const job = await app.start<{ files: number; bytes: number }>('publish:prepare', {
      sessionId: app.sessionId,
      checkpoint: checkpoint(),
    });
    const prepared = ok(await job.done);
    expect(prepared.files).toBeGreaterThanOrEqual(3);
    expect(prepared.bytes).toBeGreaterThan(3 * 1024 * 1024);
    expect(job.progress().some((p) => p.phase === 'hash')).toBe(true);
  });

  it('publishes with progress, verifies, keeps a receipt, and never lets the token out', async () => {
    const app = await setup();
    await app.signIn(WRITE);
    const job = await app.start<PublishResult>('publish:run', app.request('tiny-model'));
    const { outcome, verification } = ok(await job.done);
    expect(verification.verified).toBe(true);
    expect(verification.readmeByteEqual).toBe(true);
    expect(verification.url).toBe(`${hub.url}/alice/tiny-model`);
    expect(outcome.repoId).toBe('alice/tiny-model');
    expect(outcome.commits).toHaveLength(1);
    // The commit names the checkpoint and the eval_accuracy the evaluation already knows.
    expect(outcome.commits[0]!.title).toBe(`Upload checkpoint ${checkpoint()} (eval_accuracy 0.625)`);
    const phases = new Set(job.progress().map((p: JobProgress) => p.phase));
    // Short phases may be coalesced by the throttle; these always last long enough to be seen.
    for (const phase of ['token', 'repo', 'verify']) expect(phases).toContain(phase);
    const upload = job.progress().filter((p) => p.items?.length);
    expect(upload.at(-1)?.items?.every((i) => i.state === 'done')).toBe(true);
    const receipt = JSON.parse(await readFile(verification.receiptPath!, 'utf8')) as PublishReceipt;
    expect(receipt).toMatchObject({
      repoId: 'alice/tiny-model',
      verified: true,
      checkpoint: checkpoint(),
      account: 'alice',
    });
    expect(JSON.stringify(app.events)).not.toContain(WRITE);

    // Planned again, everything is already there.
    const again = ok(await app.call<PublishPlan>('publish:plan', app.request('tiny-model')));
    expect(again.files.every((f) => f.unchanged)).toBe(true);
    expect(again.commits).toHaveLength(0);
  });

  it('refuses a read-only token before anything reaches the Hub', async () => {
    const app = await setup();
    await app.signIn(READ);
    const before = hub.requestLog.length;
    const job = await app.start('publish:run', app.request('ro-model'));
    const result = await job.done;
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('TOKEN_READ_ONLY');
      expect(result.error.message).toMatch(/Write/);
    }
    const sent = hub.requestLog.slice(before).map((e) => e.kind);
    expect(sent).not.toContain('create-repo');
    expect(sent).not.toContain('lfs-put');
    expect(sent).not.toContain('commit');
  });

  it('a cancelled upload, published again, does not re-send a large object the Hub already has', async () => {
    // Content of its own: the Hub keeps large objects by content, so another test's upload would be reused.
    const own = await buildWorkspace(path.join(work, 'run-resume'), {
      steps: [300],
      sharded: true,
      weightsBytes: 5 * 1024 * 1024,
    });
    const app = await setup(own.root);
    const resumeRequest = {
      sessionId: app.sessionId,
      checkpoint: own.checkpoints[0]!.name,
      readme: README,
      repo: 'resumed-model',
    };
    await app.signIn(WRITE);
    // The first large object goes through at once, every later one waits: a cancel lands in between.
    hub.setFaults({ rules: [{ fault: 'latency', ms: 4000, kinds: ['lfs-put'], skip: 1 }] });
    const from = hub.requestLog.length;
    const first = await app.start<PublishResult>('publish:run', resumeRequest);
    await expect
      .poll(() => hub.requestLog.slice(from).filter((e) => e.kind === 'lfs-put' && e.status === 200).length, {
        timeout: 20_000,
      })
      .toBe(1);
    await first.cancel();
    const cancelled = await first.done;
    expect(cancelled.ok || cancelled.error.code).toBe('CANCELLED');
    hub.setFaults(undefined);
    const sentBefore = hub.requestLog
      .slice(from)
      .filter((e) => e.kind === 'lfs-put' && e.status === 200)
      .map((e) => e.path);
    expect(sentBefore).toHaveLength(1);

    const resumeFrom = hub.requestLog.length;
    const second = await app.start<PublishResult>('publish:run', resumeRequest);
    const { verification, outcome } = ok(await second.done);
    expect(verification.verified).toBe(true);
    const resent = hub.requestLog
      .slice(resumeFrom)
      .filter((e) => e.kind === 'lfs-put')
      .map((e) => e.path);
    expect(resent.length).toBeGreaterThan(0);
    for (const p of resent) expect(sentBefore).not.toContain(p);
    expect(outcome.lfsObjectsReused).toBeGreaterThanOrEqual(1);
    await access(verification.receiptPath!);
  });
});
