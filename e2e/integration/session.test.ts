/**
 * Issue #12's six cases, as a user meets them, against the local Hub with the real services: the window's
 * side through the handler registry (what the renderer calls), the CLI as a real child process. And parity:
 * the same workspaces published through both faces give byte-identical READMEs and the same files.
 */
import { execFile, spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CardContext,
  EventChannel,
  EventPayloads,
  PreparedCard,
  PublishResult,
  WorkspaceSessionInfo,
} from '../../shared/ipc/contract';
import type { PublishPlan } from '../../shared/publish';
import type { Result } from '../../shared/result';
import type { EvaluationReport } from '../../shared/types';
import { createRegistry } from '../../electron/ipc/handlers/index';
import { memoryKeychain } from '../../electron/services/token/test-keychains';
import { buildWorkspace, tempDir, type BuildWorkspaceOptions } from '../fixtures/workspace';
import { startLocalHub, type LocalHub } from '../local-hub';

const WRITE = 'hf_' + 'AliceWriteTokenForSessionTestsAAAAA';
const repoRoot = path.resolve(__dirname, '../..');
const exec = promisify(execFile);

let work: string;
let hub: LocalHub;

beforeAll(async () => {
  work = await tempDir('session-');
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [{ name: 'alice', token: WRITE, role: 'write' }],
  });
  await writeFile(path.join(work, 'token'), `${WRITE}\n`);
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

let appCount = 0;
/** The app as the renderer sees it: the registry with a folder picker the test answers, signed in as alice. */
async function openApp(endpoint = hub.url) {
  const dir = path.join(work, `app-${++appCount}`);
  const keychain = memoryKeychain();
  let loads = 0;
  const countingKeychain = { ...keychain, load: async () => (loads++, keychain.load()) };
  let nextFolder: string | null = null;
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
        chooseFolder: async () => nextFolder,
        openExternal: async () => undefined,
        confirm: async () => true,
        chooseInterpreter: async () => null,
      },
      dataDir: path.join(dir, 'data'),
      env: { HF_HOME: path.join(dir, 'hfhome'), HF_ENDPOINT: endpoint, PATH: process.env.PATH },
      keychain: countingKeychain,
    },
  );
  const sender = { id: 'window-1', trusted: true };
  const call = async <T>(channel: string, args?: unknown): Promise<T> => {
    const r = (await registry.dispatch(sender, channel, args)) as Result<T>;
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
    return r.value;
  };
  const attempt = (channel: string, args?: unknown) => registry.dispatch(sender, channel, args);
  const start = async <T>(channel: string, args: unknown) => {
    const { jobId } = await call<{ jobId: string }>(channel, args);
    const done = new Promise<Result<T>>((resolve) =>
      waiters.set(jobId, resolve as (r: Result<unknown>) => void),
    );
    return { jobId, done };
  };
  const job = async <T>(channel: string, args: unknown): Promise<T> => {
    const r = await (await start<T>(channel, args)).done;
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
    return r.value;
  };
  const open = async (folder: string): Promise<WorkspaceSessionInfo> => {
    nextFolder = folder;
    const root = await call<string>('workspace:choose');
    return call<WorkspaceSessionInfo>('workspace:open', { root });
  };
  await call('account:setToken', { token: WRITE, remember: false });
  return {
    registry,
    call,
    attempt,
    start,
    job,
    open,
    events,
    keychainLoads: () => loads,
    close: () => registry.dispose(),
  };
}

type App = Awaited<ReturnType<typeof openApp>>;

/** What the window does for a publish: scan, evaluate, prepare the card, plan, run. */
async function publishFromWindow(
  app: App,
  folder: string,
  repo: string,
  extra: Record<string, unknown> = {},
) {
  const { sessionId } = await app.open(folder);
  await app.job('workspace:scan', { sessionId });
  const report = await app.job<EvaluationReport>('evaluation:run', { sessionId });
  const checkpoint = report.best!;
  const card = await app.call<PreparedCard>('card:prepare', { sessionId, checkpoint, repo });
  const request = { sessionId, checkpoint, readme: card.text, repo, ...extra };
  const plan = await app.call<PublishPlan>('publish:plan', request);
  const result = await app.job<PublishResult>('publish:run', request);
  return { sessionId, card, plan, result };
}

async function hubFile(url: string, repoId: string, file: string): Promise<Buffer | null> {
  const res = await fetch(`${url}/${repoId}/resolve/main/${file}`, {
    headers: { Authorization: `Bearer ${WRITE}` },
  });
  return res.ok ? Buffer.from(await res.arrayBuffer()) : null;
}

async function hubFiles(url: string, repoId: string): Promise<string[]> {
  const res = await fetch(`${url}/api/models/${repoId}/tree/main?recursive=true`, {
    headers: { Authorization: `Bearer ${WRITE}` },
  });
  if (!res.ok) return [];
  return ((await res.json()) as { type: string; path: string }[])
    .filter((e) => e.type === 'file')
    .map((e) => e.path)
    .sort();
}

async function hubHead(url: string, repoId: string): Promise<string | null> {
  const res = await fetch(`${url}/api/models/${repoId}/revision/main`, {
    headers: { Authorization: `Bearer ${WRITE}` },
  });
  return res.ok ? ((await res.json()) as { sha: string }).sha : null;
}

function cliArgs(
  folder: string,
  repo: string,
  endpoint: string,
  dataDir: string,
): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: [
      'bin/hub-publisher.js',
      'publish',
      folder,
      '--repo',
      repo,
      '--endpoint',
      endpoint,
      '--token-file',
      path.join(work, 'token'),
      '--no-keychain',
      '--yes',
    ],
    env: { PATH: process.env.PATH, HOME: work, HUB_PUBLISHER_DATA_DIR: dataDir },
  };
}

async function cli(folder: string, repo: string, endpoint: string, dataDir: string) {
  const { args, env } = cliArgs(folder, repo, endpoint, dataDir);
  try {
    const { stdout, stderr } = await exec(process.execPath, args, {
      cwd: repoRoot,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const bertRun = (root: string) =>
  buildWorkspace(root, {
    layout: 'trainer',
    steps: [100],
    readme: '# BERT base fine-tune\n',
    checkpoints: [{ name: 'checkpoint-100', weights: 'safetensors', trainerScores: { arc: 0.3 } }],
  });
const llamaRun = (root: string) =>
  buildWorkspace(root, {
    layout: 'trainer',
    steps: [100],
    readme: '# Llama chat\n',
    checkpoints: [{ name: 'checkpoint-100', weights: 'pytorch', trainerScores: { arc: 0.6 } }],
  });

describe('case 1: a workspace publishes into its own repository', () => {
  it("a second workspace is not offered the first one's repository, and is stopped before mixing into it", async () => {
    const app = await openApp();
    try {
      const bert = path.join(work, 'bert-run');
      const llama = path.join(work, 'llama-run');
      await bertRun(bert);
      await llamaRun(llama);
      const first = await publishFromWindow(app, bert, 'tr1');
      expect(first.result.verification.verified).toBe(true);
      const bertFiles = await hubFiles(hub.url, 'alice/tr1');
      expect(bertFiles).toContain('model.safetensors');

      // Opening the Llama run proposes its own name, never the BERT run's repository.
      const opened = await app.open(llama);
      expect(opened.target).toEqual({ repo: 'Llama-chat', source: 'readme-title' });
      // Reopening the BERT run remembers where it went.
      const reopened = await app.open(bert);
      expect(reopened.target).toEqual({ repo: 'alice/tr1', source: 'remembered' });

      // Typed in by hand anyway: the plan says what is there and where it came from; the run asks first.
      const { sessionId } = await app.open(llama);
      await app.job('workspace:scan', { sessionId });
      const card = await app.call<PreparedCard>('card:prepare', {
        sessionId,
        checkpoint: 'checkpoint-100',
        repo: 'tr1',
      });
      const request = { sessionId, checkpoint: 'checkpoint-100', readme: card.text, repo: 'tr1' };
      const plan = await app.call<PublishPlan>('publish:plan', request);
      expect(plan.remoteOnly.map((f) => f.path)).toContain('model.safetensors');
      expect(plan.remoteOnly.every((f) => f.action === 'keep')).toBe(true);
      expect(plan.target?.lastPublishedFrom?.workspace).toBe(bert);
      const head = await hubHead(hub.url, 'alice/tr1');
      const refused = await (await app.start('publish:run', request)).done;
      expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_CONFIRMED' } });
      expect(await hubHead(hub.url, 'alice/tr1')).toBe(head);

      // Confirmed, but the BERT files kept without saying so: published, not called verified.
      const mixed = await app.job<PublishResult>('publish:run', { ...request, confirmOtherWorkspace: true });
      expect(mixed.verification.verified).toBe(false);
      expect(mixed.verification.unaccounted.map((f) => f.path)).toContain('model.safetensors');
      // Kept knowingly ("keep" on each entry), the same repository is verified; "delete" would remove them.
      const keepRemote = plan.remoteOnly.map((f) => f.path);
      const kept = await app.job<PublishResult>('publish:run', {
        ...request,
        confirmOtherWorkspace: true,
        keepRemote,
      });
      expect(kept.verification).toMatchObject({ verified: true, unaccounted: [] });
      expect(kept.verification.kept).toEqual(keepRemote);
      const deleting = await app.call<PublishPlan>('publish:plan', { ...request, deleteRemote: true });
      expect(deleting.remoteOnly.every((f) => f.action === 'delete')).toBe(true);
      expect(deleting.deletions).toEqual(expect.arrayContaining(['model.safetensors']));
    } finally {
      await app.close();
    }
  });
});

describe("case 2: another workspace's scores", () => {
  it("opening B cancels A's evaluation, A's session stops answering, and B's card has B's numbers", async () => {
    const app = await openApp();
    try {
      const a = path.join(work, 'ws-a');
      const b = path.join(work, 'ws-b');
      await buildWorkspace(a, {
        steps: [100],
        readme: '# A\n\n| Benchmark | Score |\n|---|---|\n| arc | - |\n',
        benchmarks: { arc: { kind: 'hang', seconds: 60 } },
      });
      await buildWorkspace(b, {
        layout: 'trainer',
        steps: [100],
        readme: '# B\n\n| Benchmark | Score |\n|---|---|\n| arc | - |\n',
        checkpoints: [{ name: 'checkpoint-100', trainerScores: { arc: 0.875 } }],
      });
      const sa = await app.open(a);
      await app.job('workspace:scan', { sessionId: sa.sessionId });
      const evaluation = await app.start<EvaluationReport>('evaluation:run', { sessionId: sa.sessionId });
      const sb = await app.open(b);
      const ended = await evaluation.done;
      expect(ended).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
      const closed = app.events.find((e) => e.event === 'workspace:closed');
      expect(closed?.payload).toEqual({ sessionId: sa.sessionId, reason: 'replaced' });
      // Every event of A's job says it was A's, so a window drops it by session.
      const aEvents = app.events.filter((e) => (e.payload as { jobId?: string }).jobId === evaluation.jobId);
      expect(aEvents.every((e) => (e.payload as { sessionId: string }).sessionId === sa.sessionId)).toBe(
        true,
      );
      expect(
        await app.attempt('card:prepare', { sessionId: sa.sessionId, checkpoint: 'step_100' }),
      ).toMatchObject({
        ok: false,
        error: { code: 'SESSION_CLOSED' },
      });

      await app.job('workspace:scan', { sessionId: sb.sessionId });
      const report = await app.job<EvaluationReport>('evaluation:run', { sessionId: sb.sessionId });
      expect(report.checkpoints.map((c) => c.name)).toEqual(['checkpoint-100']);
      const card = await app.call<PreparedCard>('card:prepare', {
        sessionId: sb.sessionId,
        checkpoint: 'checkpoint-100',
        repo: 'b',
      });
      expect(card.text).toContain('| arc | 0.875 |');
      expect(card.text.startsWith('# B\n')).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('case 5: re-planning is cheap', () => {
  it('planning again reads no keychain, asks no whoami and lists the repository once; the title has the score', async () => {
    const app = await openApp();
    try {
      const root = path.join(work, 'replan');
      await buildWorkspace(root, {
        layout: 'trainer',
        steps: [100],
        readme: '# Replan\n',
        checkpoints: [{ name: 'checkpoint-100', trainerScores: { arc: 0.5, hellaswag: 0.75 } }],
      });
      const { sessionId } = await app.open(root);
      await app.job('workspace:scan', { sessionId });
      await app.job('evaluation:run', { sessionId });
      const base = { sessionId, checkpoint: 'checkpoint-100', repo: 'replan', modelIndex: true };
      await app.call('publish:plan', { ...base, readme: '# Replan\n' });
      const loads = app.keychainLoads();
      const mark = hub.requestLog.length;
      let plan: PublishPlan | null = null;
      for (const text of ['# Replan\nA', '# Replan\nAb', '# Replan\nAbc', '# Replan\nAbcd']) {
        plan = await app.call<PublishPlan>('publish:plan', { ...base, readme: text });
      }
      const kinds = hub.requestLog.slice(mark).map((r) => r.kind);
      expect(kinds.filter((k) => k === 'whoami')).toEqual([]);
      expect(kinds.filter((k) => k === 'tree')).toEqual([]);
      expect(kinds.filter((k) => k === 'resolve')).toEqual([]);
      expect(app.keychainLoads()).toBe(loads);
      expect(plan!.commitTitle).toContain('0.625');
    } finally {
      await app.close();
    }
  });
});

describe('case 6: Ctrl-C in the CLI', () => {
  async function interruptAfter(pattern: RegExp, repo: string, folder: string) {
    const { args, env } = cliArgs(folder, repo, hub.url, path.join(work, 'cli-interrupt-data'));
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && pattern.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    return { code, stderr, stdout, sent };
  }

  it('right after "Created …" nothing is committed, the new repository is said to be left empty, exit 130', async () => {
    const root = path.join(work, 'cli-cancel');
    await buildWorkspace(root, {
      layout: 'trainer',
      steps: [100],
      weightsBytes: 2 * 1024 * 1024,
      readme: '# Cancel\n',
      checkpoints: [{ name: 'checkpoint-100', trainerScores: { arc: 0.5 } }],
    });
    // The first upload request waits long enough for the interrupt to arrive before any commit.
    hub.setFaults({ rules: [{ kinds: ['preupload'], fault: 'latency', ms: 3000 }] });
    try {
      const r = await interruptAfter(/Created alice\/cancel-early/, 'cancel-early', root);
      expect(r.sent, r.stderr).toBe(true);
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(/Cancelling/);
      expect(r.stderr).toMatch(/Nothing was committed to alice\/cancel-early/);
      expect(r.stderr).toMatch(/created by this run and is left empty/);
      // Only the file the Hub puts in every new repository: no commit of this run.
      expect(await hubFiles(hub.url, 'alice/cancel-early')).toEqual(['.gitattributes']);
    } finally {
      hub.setFaults(undefined);
    }
  });

  it('after the commit it says "Too late: committed <sha>", exit 130', async () => {
    const root = path.join(work, 'cli-too-late');
    await buildWorkspace(root, {
      layout: 'trainer',
      steps: [100],
      weightsBytes: 1024 * 1024,
      readme: '# Late\n',
      checkpoints: [{ name: 'checkpoint-100', trainerScores: { arc: 0.5 } }],
    });
    // Verification downloads the README back: slow it, so the interrupt lands after the commit.
    hub.setFaults({ rules: [{ kinds: ['resolve'], fault: 'latency', ms: 3000 }] });
    try {
      const r = await interruptAfter(/Committed \d+ file/, 'cancel-late', root);
      expect(r.sent, r.stderr).toBe(true);
      expect(r.code, r.stderr).toBe(130);
      const head = await hubHead(hub.url, 'alice/cancel-late');
      expect(head).toMatch(/^[0-9a-f]{40}$/);
      expect(r.stderr).toContain(`Too late: committed ${head}`);
    } finally {
      hub.setFaults(undefined);
    }
  });
});

/** Parity: each workspace is published by the CLI to one local Hub and by the window to another. */
describe('parity: the CLI and the window publish the same card and files', () => {
  let second: LocalHub;
  beforeAll(async () => {
    second = await startLocalHub({
      dataDir: path.join(work, 'hub-2'),
      users: [{ name: 'alice', token: WRITE, role: 'write' }],
    });
  });
  afterAll(async () => {
    await second?.close();
  });

  const layouts: [string, BuildWorkspaceOptions][] = [
    [
      'benchmark scripts with {RESULT} placeholders and figures',
      {
        steps: [100, 200],
        benchmarks: {
          arc: { kind: 'score', scores: { step_100: 0.25, step_200: 0.5 } },
          gsm8k: { kind: 'score', scores: { step_100: 0.125, step_200: 0.375 } },
        },
        readme:
          '# Scripts\n\n![loss](figures/loss.png)\n\n| Benchmark | Score |\n|---|---|\n| arc | {RESULT} |\n| gsm8k | {RESULT} |\n| eval_accuracy | {RESULT} |\n',
        images: ['figures/loss.png'],
      },
    ],
    [
      'a Trainer run',
      {
        layout: 'trainer',
        steps: [100, 200],
        bestModelCheckpoint: 'checkpoint-200',
        checkpoints: [
          { name: 'checkpoint-100', trainerScores: { arc: 0.25 } },
          { name: 'checkpoint-200', trainerScores: { arc: 0.5 } },
        ],
      },
    ],
    [
      'a lowercase readme.md',
      {
        layout: 'trainer',
        steps: [100],
        checkpoints: [{ name: 'checkpoint-100', trainerScores: { arc: 0.5 } }],
        files: { 'readme.md': '# Lowercase\n\n| Benchmark | Score |\n|---|---|\n| arc | - |\n' },
      },
    ],
    [
      "a table with the model's name and a baseline column",
      {
        layout: 'trainer',
        steps: [100],
        checkpoints: [{ name: 'checkpoint-100', trainerScores: { arc: 0.5 } }],
        readme: '# Named\n\n| Benchmark | my-model | Baseline |\n|---|---|---|\n| arc | - | 0.400 |\n',
      },
    ],
  ];

  it.each(layouts)('%s', async (label, options) => {
    const root = path.join(work, `parity-${label.replace(/[^a-z]+/gi, '-')}`);
    await buildWorkspace(root, options);
    const repo = 'my-model';
    const viaCli = await cli(root, repo, hub.url, path.join(work, `cli-data-${root.length}-${label.length}`));
    expect(viaCli.code, viaCli.stderr).toBe(0);
    const app = await openApp(second.url);
    try {
      const viaWindow = await publishFromWindow(app, root, repo);
      expect(viaWindow.result.verification.verified).toBe(true);
    } finally {
      await app.close();
    }
    const cliReadme = await hubFile(hub.url, `alice/${repo}`, 'README.md');
    const appReadme = await hubFile(second.url, `alice/${repo}`, 'README.md');
    expect(cliReadme).not.toBeNull();
    // A generated card links the repository on the endpoint it is published to (each side its own Hub);
    // apart from that, byte for byte.
    const onEndpoint = (bytes: Buffer | null, url: string) => bytes?.toString().replaceAll(url, '<endpoint>');
    expect(onEndpoint(appReadme, second.url)).toBe(onEndpoint(cliReadme, hub.url));
    if (!cliReadme!.toString().includes(hub.url)) expect(Buffer.compare(appReadme!, cliReadme!)).toBe(0);
    expect(await hubFiles(second.url, `alice/${repo}`)).toEqual(await hubFiles(hub.url, `alice/${repo}`));
    if (label.startsWith('a lowercase')) {
      expect(cliReadme!.toString().startsWith('# Lowercase\n')).toBe(true);
      // The Model card screen finds it too (the scanner's rule), instead of offering to generate one.
      const again = await openApp(second.url);
      try {
        const { sessionId } = await again.open(root);
        const context = await again.call<CardContext>('card:context', {
          sessionId,
          checkpoint: 'checkpoint-100',
        });
        expect(context.readmePath).toBe('readme.md');
        expect(context.readme?.startsWith('# Lowercase\n')).toBe(true);
      } finally {
        await again.close();
      }
    }
    if (label.startsWith('a table')) expect(cliReadme!.toString()).toContain('| arc | 0.500 | 0.400 |');
    if (label.startsWith('benchmark')) {
      expect(cliReadme!.toString()).toContain('| arc | 0.500 |');
      expect(await hubFiles(hub.url, `alice/${repo}`)).toContain('figures/loss.png');
    }
    // The two hubs are reused: clear the repository for the next layout.
    for (const h of [hub, second]) {
      await fetch(`${h.url}/api/repos/delete`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${WRITE}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: repo, organization: 'alice', type: 'model' }),
      });
    }
  });
});

describe('a publish sends the files as they are when it runs', () => {
  const addedFile = 'notes.json';
  const run = (root: string) =>
    buildWorkspace(root, {
      layout: 'trainer',
      steps: [100],
      checkpoints: [{ name: 'checkpoint-100', trainerScores: { arc: 0.5 } }],
    });

  it('the window: a file added to the checkpoint after the plan was shown is published', async () => {
    const root = path.join(work, 'fresh-window');
    await run(root);
    const app = await openApp();
    try {
      const { sessionId } = await app.open(root);
      await app.job('workspace:scan', { sessionId });
      const report = await app.job<EvaluationReport>('evaluation:run', { sessionId });
      const card = await app.call<PreparedCard>('card:prepare', { sessionId, checkpoint: report.best!, repo: 'fresh-window' });
      const request = { sessionId, checkpoint: report.best!, readme: card.text, repo: 'fresh-window' };
      const plan = await app.call<PublishPlan>('publish:plan', request);
      expect(plan.files.map((f) => f.path)).not.toContain(addedFile);
      await writeFile(path.join(root, 'checkpoint-100', addedFile), '{"added": true}\n');
      const result = await app.job<PublishResult>('publish:run', request);
      expect(result.verification.verified).toBe(true);
      expect(await hubFiles(hub.url, 'alice/fresh-window')).toContain(addedFile);
    } finally {
      await app.close();
    }
  });

  it('the CLI: a file added while the plan prompt was open is published', async () => {
    const { publishWorkspace } = await import('../../electron/services/publish/workspace');
    const root = path.join(work, 'fresh-cli');
    await run(root);
    const result = await publishWorkspace({
      root,
      repo: 'fresh-cli',
      endpoint: hub.url,
      tokenFile: path.join(work, 'token'),
      keychain: null,
      dataDir: path.join(work, 'fresh-cli-data'),
      env: { PATH: process.env.PATH, HOME: work },
      confirmPlan: async (plan) => {
        expect(plan.files.map((f) => f.path)).not.toContain(addedFile);
        await writeFile(path.join(root, 'checkpoint-100', addedFile), '{"added": true}\n');
        return true;
      },
    });
    expect(result.verification?.verified).toBe(true);
    expect(result.plan.files.map((f) => f.path)).toContain(addedFile);
    expect(await hubFiles(hub.url, 'alice/fresh-cli')).toContain(addedFile);
  });
});
