/**
 * What the publish benchmarks share: a scratch folder, generated checkpoints of random bytes, a local Hub
 * in its own process, and child processes whose peak RSS (VmHWM) is measured on their own.
 */
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { localHubNodeFlags } from '../e2e/local-hub/node-flags';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOKEN = 'hf_' + 'BenchWriteTokenForPublishBenchmarkXX';
export const MiB = 1024 * 1024;

export interface ChildResult {
  /** The measured work: the child's own timer, or the whole process when it has none (the CLI). */
  ms: number;
  /** The child process from spawn to exit: startup and imports included. */
  wallMs: number;
  hwmKb: number;
  /** CPU time (user + system) of the whole child process, when it was measured. */
  cpuMs?: number;
  extra?: Record<string, unknown>;
}

export type Measured = ChildResult & { samples: number[] };

/** This run's scratch folder (fixtures, Hub data, peak-RSS files); removed by the caller. */
export let work = '';
let hwmPreload = '';

export async function setup(prefix = 'bench-publish-'): Promise<void> {
  work = await mkdtemp(path.join(os.tmpdir(), prefix));
  hwmPreload = path.join(work, 'hwm.mjs');
  // Peak RSS of the whole process (worker threads included), written where the parent can read it.
  await writeFile(
    hwmPreload,
    `import { readFileSync, writeFileSync } from 'node:fs';
process.on('exit', () => {
  const m = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  const cpu = process.cpuUsage();
  if (process.env.BENCH_HWM_FILE && m) writeFileSync(process.env.BENCH_HWM_FILE, m[1] + ' ' + Math.round((cpu.user + cpu.system) / 1000));
});
`,
  );
}

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(s.trim());
  if (!m) throw new Error(`Bad size "${s}": use e.g. 512M or 2G.`);
  const mult = { '': 1, K: 1024, M: MiB, G: 1024 * MiB }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.round(Number(m[1]) * mult);
}

export async function fillRandom(file: string): Promise<void> {
  // Keep the safetensors header; replace the (sparse) tensor data with random bytes.
  const fh = await open(file, 'r+');
  try {
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    const start = 8 + Number(head.readBigUInt64LE(0));
    const size = (await fh.stat()).size;
    // Fresh random bytes for every block, as trained weights are: a repeated block would be deduplicated by
    // Xet (chunks recur), and a Xet upload would then send a few MiB of a GiB.
    const block = Buffer.alloc(16 * MiB);
    for (let pos = start; pos < size; pos += block.length) {
      randomFillSync(block);
      const n = Math.min(block.length, size - pos);
      await fh.write(block, 0, n, pos);
    }
  } finally {
    await fh.close();
  }
}

export async function makeWorkspace(
  bytes: number,
): Promise<{ root: string; ckpt: string; shards: string[]; readme: string }> {
  const { buildWorkspace } = await import('../e2e/fixtures/workspace');
  const root = path.join(work, `ws-${bytes}`);
  const readme = '# Bench\n\n| Benchmark | Score |\n|---|---|\n| arc | - |\n| eval_accuracy | - |\n';
  await buildWorkspace(root, {
    layout: 'step',
    steps: [1],
    sharded: true,
    defaults: { shards: 2 },
    weightsBytes: bytes,
    benchmarks: { arc: { kind: 'score', scores: { step_1: 0.5 } } },
    readme,
  });
  const ckpt = path.join(root, 'step_1');
  const shards = (await readdir(ckpt))
    .filter((f) => f.endsWith('.safetensors'))
    .map((f) => path.join(ckpt, f));
  for (const s of shards) await fillRandom(s);
  return { root, ckpt, shards, readme };
}

export interface BenchHub {
  url: string;
  dir: string;
  /** The server process's peak RSS so far (VmHWM), in kB. */
  hwmKb(): Promise<number>;
  /** The server process's CPU time so far (user + system), in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/** A local Hub in its own process; `extraArgs` e.g. `['--no-xet']` for a mirror that speaks only classic LFS. */
export async function startHub(extraArgs: string[] = [], nodeArgs: string[] = []): Promise<BenchHub> {
  const dir = await mkdtemp(path.join(work, 'hub-'));
  const child = spawn(
    process.execPath,
    [
      ...localHubNodeFlags,
      ...nodeArgs,
      '--import',
      'tsx',
      'e2e/local-hub/cli.ts',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--user',
      `bench:${TOKEN}:write`,
      ...extraArgs,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`local Hub exited (${code}): ${buf}`)));
  });
  return {
    url,
    dir,
    cpuMs: async () => {
      // /proc/PID/stat fields 14 and 15 (after the parenthesised name): utime and stime in clock ticks (100 Hz).
      const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    hwmKb: async () => {
      // tsx runs the server in a child of the node process started here: read the deepest one.
      let pid = child.pid!;
      for (;;) {
        const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
        const next = Number(children.trim().split(/\s+/)[0]);
        if (!next) break;
        pid = next;
      }
      const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) : NaN;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a process to its end, timed from spawn to exit, with its output. */
export async function runProcess(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; wallMs: number }> {
  const t = performance.now();
  const child = spawn(file, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, stdout, stderr, wallMs: performance.now() - t };
}

export async function runChild(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ChildResult & { stdout: string }> {
  const hwmFile = path.join(work, `hwm-${Math.random().toString(36).slice(2)}`);
  const {
    code,
    stdout,
    stderr,
    wallMs: wall,
  } = await runProcess(process.execPath, ['--import', pathToFileURL(hwmPreload).href, ...argv], {
    ...process.env,
    ...env,
    BENCH_HWM_FILE: hwmFile,
  });
  if (code !== 0) throw new Error(`child ${argv.join(' ')} failed (${code}):\n${stderr}\n${stdout}`);
  const [hwm, cpu] = (await readFile(hwmFile, 'utf8')).split(' ');
  const hwmKb = Number(hwm);
  const cpuMs = cpu === undefined ? undefined : Number(cpu);
  const m = /BENCH-RESULT (.*)/.exec(stdout);
  const inner = m ? (JSON.parse(m[1]!) as { ms: number; extra?: Record<string, unknown> }) : null;
  return { ms: inner?.ms ?? wall, wallMs: wall, hwmKb, cpuMs, extra: inner?.extra, stdout };
}

/**
 * `hub-publisher publish` of the `step_1` checkpoint of a `makeWorkspace` folder, as a measured child, with the
 * token in `<work>/token` and evaluation left out; fails unless the summary says verified. `extra.commits` is
 * the number of commits it made.
 */
export async function cliPublish(
  hubUrl: string,
  root: string,
  dataDir: string,
  repo = 'bench/cli',
  nodeArgs: string[] = [],
): Promise<ChildResult> {
  await mkdir(dataDir, { recursive: true });
  const r = await runChild(
    [
      ...nodeArgs,
      'bin/hub-publisher.js',
      'publish',
      root,
      '--repo',
      repo,
      '--endpoint',
      hubUrl,
      '--token-file',
      path.join(work, 'token'),
      '--no-keychain',
      '--no-benchmarks',
      '--checkpoint',
      'step_1',
      '--yes',
      '--json',
    ],
    { HUB_PUBLISHER_DATA_DIR: dataDir },
  );
  const summary = JSON.parse(r.stdout) as { verified: boolean };
  if (!summary.verified) throw new Error('The CLI publish did not verify.');
  const res = await fetch(`${hubUrl}/api/models/${repo}/commits/main`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  // The listing is paged: the total is in X-Total-Count. Less the repo's initial commit.
  const total = Number(res.headers.get('X-Total-Count') ?? ((await res.json()) as unknown[]).length);
  return { ...r, extra: { commits: total - 1 } };
}

/** Arguments to run `script` as a measured child in `mode` (the script reads them back with `--child`). */
export const childArgs = (script: string, mode: string, args: unknown) => [
  '--import',
  'tsx',
  script,
  '--child',
  mode,
  JSON.stringify(args),
];
/** The fastest of the samples: the run least disturbed by whatever else the machine was doing. */
export function best(samples: ChildResult[]): ChildResult & { samples: number[] } {
  const fastest = samples.reduce((a, b) => (b.ms < a.ms ? b : a));
  // Wall times are compared between processes, so take the fastest of those too.
  fastest.wallMs = Math.min(...samples.map((x) => x.wallMs));
  return { ...fastest, hwmKb: Math.max(...samples.map((x) => x.hwmKb)), samples: samples.map((x) => x.ms) };
}
