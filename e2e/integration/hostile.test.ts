/**
 * Hostile input: what a booby-trapped workspace, a compromised renderer or a confused user can hand the
 * app, against the real CLI (a child process), the real handler registry and the local Hub. Every case
 * asserts a clear error, that no token got out (stdout, stderr, --json, the data folder, IPC results and
 * every file on the local Hub), that the workspace is byte-identical afterwards, and that no process is
 * left behind. Fixtures are made by code: FIFOs, links to .env, /dev/zero, tokens with control characters,
 * pollution payloads, a token-printing script, a lying mtime, a ReDoS glob.
 */
import { createRepo } from '@huggingface/hub';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { lstat, readdir, readFile, readlink, rm, stat, utimes, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../electron/ipc/handlers/index';
import type { Platform } from '../../electron/ipc/handlers/index';
import type { Result } from '../../shared/result';
import { startBridge, type Bridge } from '../bridge/server';
import { buildWorkspace, tempDir } from '../fixtures/workspace';
import { startLocalHub, type LocalHub } from '../local-hub';

const TOKEN = 'hf_' + 'HostileSuiteWriteTokenMMMMMMMMMMMMM';
/** Someone else's token, sitting in a workspace file: never to be published. */
const OTHER_TOKEN = 'hf_' + 'SomebodyElsesTokenZZZZZZZZZZZZZZZZZ';
const OAUTH_TOKEN = 'hf_oauth_' + 'OAuthTokenInAConfigFileQQQQQQQQQQQQ';
// Token-shaped values are built at run time, so no literal in the repository looks like a real token.
const SECOND_LINE_TOKEN = 'hf_' + 'SecondLineOfTheTokenFileXXXXXXXXXXX';
const LINE_TWO_TOKEN = 'hf_' + 'AnotherTokenOnLineTwoYYYYYYYYYYYYY';
const repoRoot = path.resolve(__dirname, '../..');
/** A run that takes longer than this is a hang: the CLI is killed and the case fails. */
const HANG_MS = 45_000;

let hub: LocalHub;
let work: string;
let n = 0;

beforeAll(async () => {
  work = await tempDir('hostile-');
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [{ name: 'mallory', token: TOKEN, role: 'write' }],
  });
});
afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

// ---------------------------------------------------------------------------------------------------------
// What every case checks

/** Every entry under `root`: content digest for files, target for links, kind for FIFOs and devices. */
async function checksumTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      const rel = path.relative(root, p);
      const s = await lstat(p);
      if (s.isSymbolicLink()) out.set(rel, `link ${await readlink(p)}`);
      else if (s.isDirectory()) {
        out.set(rel, 'dir');
        await walk(p);
      } else if (s.isFile())
        out.set(
          rel,
          `file ${createHash('sha256')
            .update(await readFile(p))
            .digest('hex')} ${s.mode}`,
        );
      else out.set(rel, `special ${s.mode}`);
    }
  };
  await walk(root);
  return out;
}

/** Every byte under `dir` (regular files only), for searching secrets in. */
async function filesUnder(dir: string): Promise<{ file: string; bytes: Buffer }[]> {
  const out: { file: string; bytes: Buffer }[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push({ file: p, bytes: await readFile(p) });
    }
  };
  await walk(dir);
  return out;
}

/** The secrets (and, for multi-line ones, each line of them) appear nowhere in texts, the data folder or the Hub. */
async function expectNothingLeaked(
  secrets: string[],
  texts: string[],
  dataDir: string | null,
): Promise<void> {
  const needles = [
    ...new Set(secrets.flatMap((s) => [s, ...s.split(/[\r\n\0]/).filter((part) => part.length >= 12)])),
  ];
  for (const needle of needles) {
    for (const text of texts)
      expect(text.includes(needle), `a secret appears in output: ${text.slice(0, 400)}`).toBe(false);
    for (const { file, bytes } of [
      ...(dataDir ? await filesUnder(dataDir) : []),
      ...(await filesUnder(path.join(work, 'hub'))),
    ]) {
      expect(bytes.includes(Buffer.from(needle)), `a secret is in ${file}`).toBe(false);
    }
  }
}

/** Processes whose command line mentions `marker` (a workspace path), other than this one. */
async function processesMentioning(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(Number(name));
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when it had to be killed after HANG_MS. */
  hung: boolean;
}

function cli(args: string[], env: NodeJS.ProcessEnv, dataDir: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const started = Date.now();
    execFile(
      process.execPath,
      ['bin/hub-publisher.js', ...args],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH,
          HOME: path.join(work, 'home'),
          HUB_PUBLISHER_DATA_DIR: dataDir,
          NO_COLOR: '1',
          ...env,
        },
        maxBuffer: 64 * 1024 * 1024,
        timeout: HANG_MS,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number | null }).code ?? null) : 0;
        resolve({
          code: typeof code === 'number' ? code : null,
          stdout,
          stderr,
          hung: Date.now() - started >= HANG_MS - 100,
        });
      },
    );
  });
}

interface Case {
  root: string;
  dataDir: string;
  before: Map<string, string>;
}

async function workspace(options: Parameters<typeof buildWorkspace>[1] = {}): Promise<Case> {
  const root = path.join(work, `ws-${++n}`);
  await buildWorkspace(root, { layout: 'step', steps: [100], weightsBytes: 4096, ...options });
  return { root, dataDir: path.join(work, `data-${n}`), before: new Map() };
}

async function seal(c: Case): Promise<Case> {
  c.before = await checksumTree(c.root);
  return c;
}

/** The workspace is as it was, and nothing that ran for it is still running. */
async function expectUntouched(c: Case): Promise<void> {
  expect(Object.fromEntries(await checksumTree(c.root))).toEqual(Object.fromEntries(c.before));
  expect(await processesMentioning(c.root)).toEqual([]);
}

function tokenFile(content: string | Buffer): Promise<string> {
  const file = path.join(work, `token-${++n}`);
  return writeFile(file, content).then(() => file);
}

const publishArgs = (c: Case, repo: string, extra: string[] = []) => [
  'publish',
  c.root,
  '--endpoint',
  hub.url,
  '--repo',
  repo,
  '--yes',
  '--no-keychain',
  '--checkpoint',
  'step_100',
  ...extra,
];

/** Everything the Hub holds for a repo, by path (content of regular files, LFS objects by their bytes). */
async function hubFiles(repo: string): Promise<Map<string, Buffer>> {
  const res = await fetch(`${hub.url}/api/models/mallory/${repo}/tree/main?recursive=true`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  if (res.status === 404) return new Map();
  const entries = (await res.json()) as { path: string; type: string }[];
  const out = new Map<string, Buffer>();
  for (const e of entries.filter((x) => x.type === 'file')) {
    const file = await fetch(`${hub.url}/mallory/${repo}/resolve/main/${e.path}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    out.set(e.path, Buffer.from(await file.arrayBuffer()));
  }
  return out;
}

async function commitCount(repo: string): Promise<number> {
  const res = await fetch(`${hub.url}/api/models/mallory/${repo}/commits/main`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  if (!res.ok) return 0;
  return ((await res.json()) as unknown[]).length;
}

// ---------------------------------------------------------------------------------------------------------
// The registry, as a compromised renderer would drive it

function appRegistry(dataDir: string, platform: Partial<Platform> = {}, env: NodeJS.ProcessEnv = {}) {
  const events: unknown[] = [];
  const registry = createRegistry((_sender, event, payload) => events.push({ event, payload }), {
    dataDir,
    env: {
      HF_ENDPOINT: hub.url,
      HF_HOME: path.join(dataDir, 'hf-home'),
      HUB_PUBLISHER_KEYCHAIN_SERVICE: `hostile-${n}`,
      ...env,
    },
    platform: {
      version: 'hostile',
      chooseFolder: async () => null,
      openExternal: async () => undefined,
      confirm: async () => false,
      chooseInterpreter: async () => null,
      ...platform,
    },
  });
  const sender = { id: 'window-1', trusted: true };
  const call = <T = unknown>(channel: string, args?: unknown) =>
    registry.dispatch(sender, channel, args) as Promise<Result<T>>;
  /** As another window of the app would call. */
  const callAs = <T = unknown>(id: string, channel: string, args?: unknown) =>
    registry.dispatch({ id, trusted: true }, channel, args) as Promise<Result<T>>;
  /** Opens the folder the folder dialog answers, as the window does; answers the session id. */
  const open = async (): Promise<string> => {
    const chosen = await call<string | null>('workspace:choose');
    if (!chosen.ok || !chosen.value) throw new Error('the folder dialog answered nothing');
    const opened = await call<{ sessionId: string }>('workspace:open', { root: chosen.value });
    if (!opened.ok) throw new Error(opened.error.message);
    return opened.value.sessionId;
  };
  /** Starts a job and answers every event it sent, job:done last. */
  const runJob = async (channel: string, args: unknown): Promise<unknown[]> => {
    const started = await call<{ jobId: string }>(channel, args);
    if (!started.ok) return [started];
    const { jobId } = started.value;
    const isDone = (e: unknown) =>
      (e as { event: string; payload: { jobId: string } }).event === 'job:done' &&
      (e as { payload: { jobId: string } }).payload.jobId === jobId;
    for (let i = 0; i < 1200 && !events.some(isDone); i++) await new Promise((r) => setTimeout(r, 50));
    return events.filter((e) => (e as { payload: { jobId: string } }).payload.jobId === jobId);
  };
  return { registry, call, callAs, open, runJob, events };
}

// ---------------------------------------------------------------------------------------------------------

describe('secrets that got out', () => {
  it('1. a token with a line break, a CR or a NUL is refused before any request, and never printed', async () => {
    for (const [label, content] of [
      ['second line', `${TOKEN}\n${SECOND_LINE_TOKEN}\n`],
      ['carriage return', `${TOKEN}\rtrailer-after-cr-123456789`],
      ['NUL', `${TOKEN}\0after-the-nul-byte-123456789`],
    ] as const) {
      const c = await seal(await workspace());
      const before = hub.requestLog.length;
      const r = await cli(
        publishArgs(c, `nl-${n}`, ['--token-file', await tokenFile(content)]),
        {},
        c.dataDir,
      );
      expect(r.hung, label).toBe(false);
      expect(r.code, label).toBe(1);
      expect(r.stderr, label).toMatch(/not usable: it contains (a line break|a carriage return|a NUL byte)/);
      expect(r.stderr).not.toMatch(/network|reach the Hub/i);
      expect(hub.requestLog.length, `${label}: nothing may be sent`).toBe(before);
      await expectNothingLeaked([content.trim()], [r.stdout, r.stderr], c.dataDir);
      await expectUntouched(c);
    }
    // HF_TOKEN with a newline, and a workspace hf_token.txt with two lines.
    const c = await seal(await workspace({ tokenFile: `${TOKEN}\n${LINE_TWO_TOKEN}` }));
    const env = await cli(
      publishArgs(c, 'env-nl'),
      { HF_TOKEN: `${TOKEN}\nSecondLineOfTheEnvironment` },
      c.dataDir,
    );
    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/HF_TOKEN environment variable is not usable: it contains a line break/);
    const ws = await cli(publishArgs(c, 'ws-nl'), {}, c.dataDir);
    expect(ws.stderr).toMatch(/hf_token\.txt is not usable: it contains a line break/);
    await expectNothingLeaked(
      [TOKEN, 'SecondLineOfTheEnvironment', LINE_TWO_TOKEN],
      [env.stdout, env.stderr, ws.stdout, ws.stderr],
      c.dataDir,
    );
    await expectUntouched(c);
  }, 240_000);

  it('2. a file edited behind a lying mtime is scanned and hashed again: no stale "no secret", no stale digest', async () => {
    const c = await workspace({ files: { 'step_100/notes.txt': 'harmless notes, 40 bytes long......!!\n' } });
    // Whole seconds, so utimes can put the very same mtime back after an edit.
    for (const f of await readdir(path.join(c.root, 'step_100')))
      await utimes(path.join(c.root, 'step_100', f), 1_700_000_000, 1_700_000_000);
    const file = await tokenFile(`${TOKEN}\n`);
    const first = await cli(publishArgs(c, 'mtime', ['--token-file', file]), {}, c.dataDir);
    expect(first.code, first.stderr).toBe(0);
    // Same size, same mtime (put back with utimes), different bytes: another user's token, and new weights.
    const notes = path.join(c.root, 'step_100', 'notes.txt');
    const weights = (await readdir(path.join(c.root, 'step_100'))).find((f) => f.endsWith('.safetensors'))!;
    const weightsPath = path.join(c.root, 'step_100', weights);
    const keep = async (p: string, edit: (b: Buffer) => Buffer) => {
      const s = await stat(p);
      await writeFile(p, edit(await readFile(p)));
      await utimes(p, s.atime, s.mtime);
      expect((await stat(p)).mtimeMs).toBe(s.mtimeMs);
    };
    const newWeights = Buffer.from(await readFile(weightsPath));
    newWeights[newWeights.length - 1] = newWeights[newWeights.length - 1]! ^ 0xff;
    await keep(weightsPath, () => newWeights);
    await seal(c);
    const second = await cli(publishArgs(c, 'mtime', ['--token-file', file, '--json']), {}, c.dataDir);
    expect(second.code, second.stderr).toBe(0);
    expect((await hubFiles('mtime')).get(weights)?.equals(newWeights), 'the Hub holds the new weights').toBe(
      true,
    );

    await keep(notes, (b) =>
      Buffer.from(b.toString().replace('harmless notes, 40 bytes long......!!', OTHER_TOKEN)),
    );
    await seal(c);
    const third = await cli(publishArgs(c, 'mtime', ['--token-file', file]), {}, c.dataDir);
    expect(third.code).toBe(1);
    expect(third.stderr).toMatch(/Refusing to publish: .*notes\.txt/);
    await expectNothingLeaked(
      [TOKEN, OTHER_TOKEN],
      [first.stdout, first.stderr, second.stdout, second.stderr, third.stdout, third.stderr],
      c.dataDir,
    );
    await expectUntouched(c);
  }, 240_000);

  it('3. never-upload rules look at what a link really is: notes.txt -> ../.env and an image link to .env stay home', async () => {
    const c = await workspace({
      files: { '.env': `SECRET_PASSWORD=correct-horse-battery-staple-42\n` },
      symlinks: {
        'step_100/notes.txt': '../.env',
        'assets/creds.png': '../.env',
        'step_100/leave.txt': '/etc/hostname',
      },
      readme: '# Model\n\n![creds](assets/creds.png)\n',
    });
    await seal(c);
    const r = await cli(publishArgs(c, 'links', ['--token-file', await tokenFile(TOKEN)]), {}, c.dataDir);
    expect(r.code, r.stderr).toBe(0);
    const files = await hubFiles('links');
    expect([...files.keys()]).not.toContain('notes.txt');
    expect([...files.keys()]).not.toContain('assets/creds.png');
    for (const bytes of files.values())
      expect(bytes.toString('latin1')).not.toContain('correct-horse-battery-staple');
    const dry = await cli(
      publishArgs(c, 'links', ['--token-file', await tokenFile(TOKEN), '--dry-run']),
      {},
      c.dataDir,
    );
    expect(dry.stdout).toMatch(/notes\.txt \(never-uploaded\)/);
    expect(dry.stdout).toMatch(/leave\.txt \(outside-workspace\)/);
    await expectNothingLeaked(
      [TOKEN, 'correct-horse-battery-staple'],
      [r.stdout, r.stderr, dry.stdout],
      c.dataDir,
    );
    await expectUntouched(c);
  }, 180_000);

  it('4. a script printing $HF_TOKEN gets no token, and what it prints is masked in the CLI, --json, the cache and job values', async () => {
    const c = await seal(
      await workspace({
        benchmarks: {
          leak: {
            kind: 'raw',
            source: `import os, sys\nprint("token:", os.environ.get("HF_TOKEN"), file=sys.stderr)\nprint("${OTHER_TOKEN}", file=sys.stderr)\nsys.exit(2)`,
          },
        },
      }),
    );
    const human = await cli(['evaluate', c.root], { HF_TOKEN: TOKEN }, c.dataDir);
    const json = await cli(['evaluate', c.root, '--json', '--no-cache'], { HF_TOKEN: TOKEN }, c.dataDir);
    expect(human.stdout).toMatch(/leak: .*exited with code 2/);
    const report = JSON.parse(json.stdout) as {
      checkpoints: { errors: Record<string, { stderrTail: string }> }[];
    };
    // The script saw no token at all.
    expect(report.checkpoints[0]!.errors.leak!.stderrTail).toContain('token: None');
    const { open, runJob } = appRegistry(
      c.dataDir,
      { chooseFolder: async () => c.root },
      { HF_TOKEN: TOKEN },
    );
    const sessionId = await open();
    const done = await runJob('evaluation:run', { sessionId, useCache: false });
    expect(JSON.stringify(done.at(-1))).toContain('job:done');
    await expectNothingLeaked(
      [TOKEN, OTHER_TOKEN],
      [human.stdout, human.stderr, json.stdout, json.stderr, JSON.stringify(done)],
      c.dataDir,
    );
    await expectUntouched(c);
  }, 180_000);

  it('5. the renderer cannot re-point the endpoint to collect the token', async () => {
    const seen: string[] = [];
    const evil: Server = createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? ''));
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ type: 'user', name: 'mallory', orgs: [] }));
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    const dataDir = path.join(work, `data-${++n}`);
    let asked = 0;
    const { call } = appRegistry(dataDir, {
      confirm: async () => {
        asked++;
        return false;
      },
    });
    expect((await call('account:setToken', { token: TOKEN, remember: false })).ok).toBe(true);
    const moved = await call('settings:set', { hubEndpoint: evilUrl });
    expect(moved).toMatchObject({ ok: false, error: { code: 'NOT_CONFIRMED' } });
    expect(asked).toBe(1);
    expect(await call('settings:get')).toEqual({ ok: true, value: { hubEndpoint: hub.url } });
    // Even once the user has agreed to another endpoint, the token checked against the first is not sent there.
    const agreed = appRegistry(path.join(work, `data-${++n}`), { confirm: async () => true });
    await agreed.call('account:setToken', { token: TOKEN, remember: false });
    expect((await agreed.call('settings:set', { hubEndpoint: evilUrl })).ok).toBe(true);
    const status = await agreed.call<{ account: unknown; error: { code: string } }>('account:status', {});
    expect(status).toMatchObject({ ok: true, value: { account: null, error: { code: 'TOKEN_INVALID' } } });
    expect(seen).toEqual([]);
    expect(
      (await call('settings:set', { hubEndpoint: 'not a url' })).ok === false &&
        (await call('settings:set', { hubEndpoint: 'not a url' })),
    ).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    await new Promise<void>((r) => evil.close(() => r()));
    await expectNothingLeaked([TOKEN], [JSON.stringify(status), JSON.stringify(moved)], dataDir);
  });

  it('6. hf_oauth_ tokens in files and a token as a file name are refused', async () => {
    const variants: Record<string, string>[] = [
      { 'step_100/settings.json': `{"auth": "${OAUTH_TOKEN}"}` },
      { [`step_100/${OTHER_TOKEN}.txt`]: 'x' },
    ];
    for (const files of variants) {
      const c = await seal(await workspace({ files }));
      const r = await cli(
        publishArgs(c, `oauth-${n}`, ['--token-file', await tokenFile(TOKEN)]),
        {},
        c.dataDir,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Refusing to publish/);
      expect(await commitCount(`oauth-${n}`)).toBeLessThanOrEqual(1);
      await expectNothingLeaked([TOKEN, OAUTH_TOKEN, OTHER_TOKEN], [r.stdout, r.stderr], c.dataDir);
      await expectUntouched(c);
    }
  }, 180_000);
});

describe('hangs and exhaustion', () => {
  it('7. a FIFO or /dev/zero as README.md, hf_token.txt, hub-publisher.json, trainer_state.json or config.json ends with a clear error', async () => {
    const cases: [string, Parameters<typeof buildWorkspace>[1], RegExp][] = [
      ['README.md', { fifos: ['README.md'] }, /README\.md is a named pipe \(FIFO\)/],
      ['hf_token.txt', { fifos: ['hf_token.txt'] }, /hf_token\.txt is a named pipe \(FIFO\)/],
      ['hub-publisher.json', { fifos: ['hub-publisher.json'] }, /hub-publisher\.json is a named pipe/],
      [
        '/dev/zero config',
        { symlinks: { 'hub-publisher.json': '/dev/zero' } },
        /hub-publisher\.json is a device/,
      ],
      ['trainer_state.json', { fifos: ['step_100/trainer_state.json'], readme: undefined }, /.*/],
      ['config.json', {}, /config\.json is not a regular file/],
    ];
    for (const [label, options, expected] of cases) {
      const built = await workspace(options);
      if (label === 'config.json') {
        await rm(path.join(built.root, 'step_100', 'config.json'));
        execFileSync('mkfifo', [path.join(built.root, 'step_100', 'config.json')]);
      }
      const c = await seal(built);
      const r = await cli(publishArgs(c, `fifo-${n}`, ['--dry-run']), {}, c.dataDir);
      expect(r.hung, `${label} hung`).toBe(false);
      expect(r.stdout + r.stderr, label).toMatch(expected);
      const scan = await cli(['scan', c.root], {}, c.dataDir);
      expect(scan.hung, `${label}: scan hung`).toBe(false);
      await expectUntouched(c);
    }
    // In the app: four FIFO reads at once must not starve the file-system handlers.
    const c = await seal(await workspace({ fifos: ['README.md'] }));
    const { call, open } = appRegistry(c.dataDir, { chooseFolder: async () => c.root });
    const sessionId = await open();
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map(() => call('card:context', { sessionId, checkpoint: 'step_100' })),
    );
    for (const a of answers)
      expect(a).toMatchObject({
        ok: false,
        error: { code: 'UNREADABLE', message: expect.stringMatching(/named pipe/) },
      });
    expect(await call('workspace:image', { sessionId, path: 'missing.png' })).toEqual({
      ok: true,
      value: null,
    });
    await expectUntouched(c);
  }, 300_000);

  it('8. a ReDoS glob neither blocks nor hangs; over-long patterns are refused by the contract', async () => {
    const c = await seal(await workspace({ files: { [`step_100/${'a'.repeat(60)}`]: 'x' } }));
    const redos = '*a'.repeat(24) + 'b';
    const r = await cli(publishArgs(c, 'redos', ['--dry-run', '--include', redos]), {}, c.dataDir);
    expect(r.hung).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const { call, open } = appRegistry(c.dataDir, { chooseFolder: async () => c.root });
    const sessionId = await open();
    const plan = await call('publish:plan', {
      sessionId,
      checkpoint: 'step_100',
      readme: '# x\n',
      repo: 'mallory/redos',
      exclude: [redos],
    });
    expect(plan.ok, JSON.stringify(plan)).toBe(true);
    const long = await call('publish:plan', {
      sessionId,
      checkpoint: 'step_100',
      readme: '# x\n',
      repo: 'mallory/redos',
      exclude: ['*'.repeat(300)],
    });
    expect(long).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    await expectUntouched(c);
  }, 120_000);
});

describe('trust at the IPC boundary', () => {
  it('9. __proto__ as a checkpoint or benchmark pollutes nothing, over IPC or --set-score', async () => {
    const c = await seal(await workspace());
    const { call, open } = appRegistry(c.dataDir, { chooseFolder: async () => c.root });
    const sessionId = await open();
    for (const args of [
      { sessionId, checkpoint: '__proto__', benchmark: 'polluted', score: 0.5 },
      { sessionId, checkpoint: 'step_100', benchmark: '__proto__', score: 0.5 },
      { sessionId, checkpoint: '__proto__', benchmark: 'toString', score: null },
      { sessionId, checkpoint: 'constructor', benchmark: 'prototype', score: null },
    ]) {
      expect(await call('evaluation:setScore', args)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT' },
      });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof Object.prototype.toString).toBe('function');
    expect(typeof Object.prototype.hasOwnProperty).toBe('function');
    const r = await cli(['evaluate', c.root, '--set-score', '__proto__:polluted=0.5'], {}, c.dataDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reserved name/);
    await expectUntouched(c);
  });

  it('10. only workspaces the user opened and interpreters found or chosen are acted on', async () => {
    const c = await seal(await workspace());
    const { call, callAs, open } = appRegistry(c.dataDir, { chooseFolder: async () => c.root });
    // A session is only ever opened for a folder the user opened; everything else names a session.
    const refused = [
      await call('workspace:open', { root: '/' }),
      await call('workspace:open', { root: os.homedir() }),
      await call('workspace:open', { root: '/proc/self' }),
    ];
    for (const r of refused) expect(r).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } });
    expect(await call('workspace:scan', { root: '/proc/self' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await call('card:context', { sessionId: 'ws-0000000000000000', checkpoint: '.' })).toMatchObject({
      ok: false,
      error: { code: 'SESSION_CLOSED' },
    });
    const sessionId = await open();
    expect((await call('card:context', { sessionId, checkpoint: 'step_100' })).ok).toBe(true);
    // Another window cannot use this window's session.
    expect(await callAs('window-2', 'card:context', { sessionId, checkpoint: 'step_100' })).toMatchObject({
      ok: false,
      error: { code: 'SESSION_CLOSED' },
    });
    expect(await call('evaluation:run', { sessionId, python: '/bin/sh' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_ALLOWED' },
    });
    // Through the bridge: a page that forges a dropped File's path opens nothing.
    const bridge: Bridge = await startBridge({
      dataDir: path.join(work, `bridge-${++n}`),
      hubEndpoint: hub.url,
    });
    try {
      const forged = await post(bridge.url, '/__bridge/invoke/workspace%3Adropped', { args: { path: '/' } });
      expect(JSON.parse(forged.body)).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } });
      bridge.expectDrop(c.root);
      const dropped = await post(bridge.url, '/__bridge/invoke/workspace%3Adropped', {
        args: { path: c.root },
      });
      expect(JSON.parse(dropped.body)).toEqual({ ok: true, value: c.root });
    } finally {
      await bridge.close();
    }
    await expectUntouched(c);
  });
});

describe('wrong answers', () => {
  it('11. scores are parsed strictly; values outside [0, 1] are flagged, a % is read as a percentage', async () => {
    const c = await seal(
      await workspace({
        benchmarks: {
          counted: { kind: 'raw', source: 'print("accuracy: 0.61 (n=1000)")' },
          noise: {
            kind: 'raw',
            source:
              'import sys\nsys.stdout.buffer.write(bytes((i * 7919) % 256 for i in range(2048)) + b" 6.0\\n")',
          },
          negative: { kind: 'raw', source: 'print(-0.75)' },
          percent: { kind: 'raw', source: 'print("accuracy: 87.5")' },
          marked: { kind: 'raw', source: 'print("accuracy: 87.5%")' },
        },
      }),
    );
    const r = await cli(['evaluate', c.root, '--json'], {}, c.dataDir);
    const cp = (
      JSON.parse(r.stdout) as {
        checkpoints: {
          scores: Record<string, number>;
          errors: Record<string, { kind: string; message: string }>;
        }[];
      }
    ).checkpoints[0]!;
    expect(cp.errors.counted?.kind).toBe('unparsable');
    expect(cp.errors.noise?.kind).toBe('unparsable');
    expect(cp.errors.negative).toMatchObject({
      kind: 'out-of-range',
      message: expect.stringMatching(/outside the range \[0, 1\]/),
    });
    expect(cp.errors.percent).toMatchObject({
      kind: 'out-of-range',
      message: expect.stringMatching(/print it with a % sign/),
    });
    expect(cp.scores.marked).toBe(0.875);
    expect(Object.keys(cp.scores)).toEqual(['marked']);
    await expectUntouched(c);
  }, 120_000);

  it('12. --private into an existing public repository is refused unless confirmed, and the visibility is reported', async () => {
    await createRepo({
      repo: { type: 'model', name: 'mallory/already-public' },
      accessToken: TOKEN,
      hubUrl: hub.url,
    });
    const c = await seal(await workspace());
    const file = await tokenFile(TOKEN);
    const commits = await commitCount('already-public');
    const refused = await cli(
      publishArgs(c, 'already-public', ['--token-file', file, '--private', '--json']),
      {},
      c.dataDir,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /already exists and is public; --private does not make it private.*--confirm-public/,
    );
    expect(await commitCount('already-public')).toBe(commits);
    const confirmed = await cli(
      publishArgs(c, 'already-public', ['--token-file', file, '--private', '--confirm-public', '--json']),
      {},
      c.dataDir,
    );
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(JSON.parse(confirmed.stdout)).toMatchObject({ visibility: 'public', verified: true });
    const receipts = await filesUnder(path.join(c.dataDir, 'receipts'));
    expect(JSON.parse(receipts[0]!.bytes.toString())).toMatchObject({ visibility: 'public' });
    const fresh = await cli(
      publishArgs(c, 'fresh-private', ['--token-file', file, '--private', '--json']),
      {},
      c.dataDir,
    );
    expect(JSON.parse(fresh.stdout)).toMatchObject({ visibility: 'private' });
    await expectNothingLeaked(
      [TOKEN],
      [refused.stdout, refused.stderr, confirmed.stdout, fresh.stdout],
      c.dataDir,
    );
    await expectUntouched(c);
  }, 240_000);

  it('13. a script that writes into its checkpoint is reported, and its score is not used', async () => {
    const c = await workspace({
      benchmarks: {
        writer: {
          kind: 'raw',
          source:
            'import os, sys\nopen(os.path.join(sys.argv[1], "config.json"), "a").write(" ")\nprint(0.9)',
        },
      },
    });
    const r = await cli(['evaluate', c.root, '--json'], {}, c.dataDir);
    const cp = (
      JSON.parse(r.stdout) as {
        checkpoints: {
          scores: Record<string, number>;
          errors: Record<string, { kind: string; message: string }>;
        }[];
      }
    ).checkpoints[0]!;
    expect(cp.errors.writer).toMatchObject({
      kind: 'changed-files',
      message: expect.stringMatching(/changed files of step_100 while it ran: config\.json/),
    });
    expect(cp.scores.writer).toBeUndefined();
  }, 120_000);

  it('14. SIGTERM to the CLI ends every evaluation process, setsid grandchildren included', async () => {
    const pidFile = path.join(work, `setsid-${++n}.pid`);
    const c = await seal(
      await workspace({
        benchmarks: {
          daemon: {
            kind: 'raw',
            source: `import subprocess, time\np = subprocess.Popen(["sleep", "300"], start_new_session=True)\nopen(${JSON.stringify(pidFile)}, "w").write(str(p.pid))\ntime.sleep(300)`,
          },
        },
      }),
    );
    const child = spawn(process.execPath, ['bin/hub-publisher.js', 'evaluate', c.root], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: path.join(work, 'home'), HUB_PUBLISHER_DATA_DIR: c.dataDir },
      stdio: 'ignore',
    });
    let grandchild = 0;
    for (let i = 0; i < 300 && !grandchild; i++) {
      await new Promise((r) => setTimeout(r, 100));
      grandchild = Number(await readFile(pidFile, 'utf8').catch(() => '0'));
    }
    expect(grandchild).toBeGreaterThan(0);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
    for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 100));
    const leftover = alive(grandchild);
    if (leftover) process.kill(grandchild, 'SIGKILL');
    expect(leftover, 'the setsid grandchild outlived the CLI').toBe(false);
    await expectUntouched(c);
  }, 120_000);

  it('15. the CLI applies the card checks: invalid YAML front matter and a card over 8 MB are refused', async () => {
    for (const [readme, expected] of [
      // The card checks shared with the window (shared/modelcard publishBlockers) answer first, naming the line.
      ['---\nlicense: [unclosed\n---\n# Model\n', /metadata is not valid YAML: .* at line 2/],
      [
        '# Big\n\n' + 'x'.repeat(8 * 1024 * 1024 + 10),
        /README\.md is \d+ bytes, more than the 8388608 allowed/,
      ],
    ] as const) {
      const c = await seal(await workspace({ readme }));
      const repo = `card-${n}`;
      const r = await cli(publishArgs(c, repo, ['--token-file', await tokenFile(TOKEN)]), {}, c.dataDir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(expected);
      expect(await commitCount(repo)).toBe(0);
      await expectUntouched(c);
    }
  }, 120_000);

  it('16. smaller: whoami retried on 429/5xx, the namespace checked before evaluation, escapes shown not obeyed', async () => {
    hub.setFaults({
      rules: [
        { fault: 'status', status: 503, kinds: ['whoami'], count: 1 },
        { fault: 'rate-limit', retryAfterSeconds: 1, kinds: ['whoami'], skip: 1, count: 1 },
      ],
    });
    const c = await seal(
      await workspace({
        benchmarks: { slow: { kind: 'hang', seconds: 300 } },
        files: { 'step_100/\u001b]0;owned\u0007\u001b[2Jname.txt': 'x' },
      }),
    );
    const file = await tokenFile(TOKEN);
    const dry = await cli(
      publishArgs(c, 'retry', ['--token-file', file, '--dry-run', '--no-benchmarks']),
      {},
      c.dataDir,
    );
    hub.setFaults(undefined);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout + dry.stderr).not.toContain('\u001b');
    expect(dry.stdout).toContain('\\x1b]0;owned\\x07\\x1b[2Jname.txt');
    const forbidden = await cli(publishArgs(c, 'someone-else/model', ['--token-file', file]), {}, c.dataDir);
    expect(forbidden.hung).toBe(false);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/cannot publish to "someone-else"/);
    await expectNothingLeaked([TOKEN], [dry.stdout, dry.stderr, forbidden.stderr], c.dataDir);
    await expectUntouched(c);
  }, 180_000);
});

describe('the test tools', () => {
  it('17. the local Hub survives a commit refused mid-body; the bridge refuses foreign Hosts and huge bodies', async () => {
    await createRepo({
      repo: { type: 'model', name: 'mallory/backslash' },
      accessToken: TOKEN,
      hubUrl: hub.url,
    });
    const lines = [
      JSON.stringify({ key: 'header', value: { summary: 'bad name' } }),
      JSON.stringify({ key: 'file', value: { path: 'dir\\evil.txt', content: 'eA==', encoding: 'base64' } }),
      ...Array.from({ length: 2000 }, () =>
        JSON.stringify({
          key: 'file',
          value: { path: 'pad.txt', content: 'eA=='.repeat(500), encoding: 'base64' },
        }),
      ),
    ];
    const refused = await fetch(`${hub.url}/api/models/mallory/backslash/commit/main`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/x-ndjson' },
      body: lines.join('\n'),
    }).catch((err: unknown) => err);
    expect(refused instanceof Response ? refused.status : 400).toBeGreaterThanOrEqual(400);
    expect(
      (await fetch(`${hub.url}/api/whoami-v2`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);

    const bridge = await startBridge({ dataDir: path.join(work, `bridge-${++n}`) });
    try {
      const rebinding = await post(
        bridge.url,
        '/__bridge/invoke/app%3Ainfo',
        { args: null },
        { Host: 'evil.example:80', Origin: 'http://evil.example:80' },
      );
      expect(rebinding.status).toBe(421);
      const huge = await post(bridge.url, '/__bridge/invoke/app%3Ainfo', {
        args: 'x'.repeat(21 * 1024 * 1024),
      });
      expect(huge.status).toBe(413);
    } finally {
      await bridge.close();
    }
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------

function post(
  base: string,
  route: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(route, base);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Origin: base,
          'X-Bridge-Connection': 'hostile',
          'Content-Length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', (err) =>
      String(err).includes('EPIPE') || String(err).includes('ECONNRESET')
        ? resolve({ status: 413, body: '' })
        : reject(err),
    );
    req.end(payload);
  });
}
