/**
 * `hub-publisher publish` against Python `huggingface_hub`'s `upload_folder`, measured in one run, each
 * upload to a fresh local Hub (in its own process), and both timed as whole processes from spawn to exit.
 * By default both sides are on the classic LFS path: the Hub runs `--no-xet` (a mirror without Xet) and
 * Python has `HF_HUB_DISABLE_XET=1`. With `--xet` both are on the Xet path: the Hub offers Xet and Python
 * runs in its default configuration (hf_xet).
 *
 *   npx tsx bench/publish-vs-python.ts [--xet] [--size 1G] [--small 10000] [--rounds 2] [--rss 256M,4G]
 *     [--rows checkpoint,small,help,rss] [--profile DIR]
 *
 *   `--rows` runs only the rows named (all by default): e.g. `--rows small --size 64M` for the small-files
 *   row with a small checkpoint. `--profile DIR` writes a V8 CPU profile of each CLI publish and of each
 *   local Hub it starts into DIR (open them in Chrome DevTools), and prints the Hub's CPU time per run.
 *
 *   - a checkpoint with `--size` of weights (two safetensors shards of random bytes), cold: the CLI has no
 *     hash cache (a fresh data folder), like a first publish;
 *   - the same with hashes ready (the cache of the cold run, as after hash-ahead in the app);
 *   - the same checkpoint plus `--small` files of 1 KB (in folders of 1,000: the Hub wants < 10k entries
 *     per folder), with the number of commits each side made;
 *   - `--help`: median of 21 starts, next to `hf --help` and a bare `node -e 0`;
 *   - peak RSS (VmHWM) of cold CLI publishes of each `--rss` size, which should stay flat.
 *
 * Evaluation is left out on both sides (`--no-benchmarks`): this is about hashing and uploading. Rounds
 * are interleaved so a burst of load elsewhere hits both sides alike; the best round counts. Fixtures are
 * generated in a scratch folder and deleted at the end.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { probePythonClient } from '../e2e/python/client';
import { buildCli } from '../scripts/build-cli.mjs';
import {
  best,
  cliPublish,
  makeWorkspace,
  MiB,
  parseSize,
  repoRoot,
  runProcess,
  setup,
  startHub,
  TOKEN,
  work,
  type ChildResult,
  type Measured,
} from './harness';

const PY_UPLOAD = `
import json, os, resource, sys, time
from huggingface_hub import HfApi
folder, repo = sys.argv[1], sys.argv[2]
api = HfApi(endpoint=os.environ["HF_ENDPOINT"], token=os.environ["HF_TOKEN"])
api.create_repo(repo, exist_ok=True)
info = api.upload_folder(folder_path=folder, repo_id=repo, commit_message="bench")
commits = len(api.list_repo_commits(repo)) - 1
print("BENCH-PY " + json.dumps({"hwmKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "commits": commits}))
`;

const xet = process.argv.includes('--xet');
const profileDir = arg('--profile', '') ? path.resolve(arg('--profile', '')) : '';
const rows = new Set(arg('--rows', 'checkpoint,small,help,rss').split(','));

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const all = (m: Measured) => `[${m.samples.map((x) => (x / 1000).toFixed(1)).join(', ')}]`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
/** The local Hub's CPU time during a run: both sides of a row share the same server work. */
const hubCpu = (m: Measured) => `Hub ${s(Number(m.extra?.serverCpuMs ?? NaN))} CPU`;

/** Node flags for a measured CLI publish: a CPU profile into `--profile DIR` when asked. */
const cliProfileArgs = () => (profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i !== -1 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function pythonUpload(python: string, hubUrl: string, folder: string): Promise<ChildResult> {
  const home = path.join(work, `hf-home-${Math.random().toString(36).slice(2)}`);
  await mkdir(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HF_ENDPOINT: hubUrl,
    HF_TOKEN: TOKEN,
    HF_HOME: home,
    HF_HUB_DISABLE_PROGRESS_BARS: '1',
    HF_HUB_DISABLE_TELEMETRY: '1',
  };
  if (xet) delete env.HF_HUB_DISABLE_XET;
  else env.HF_HUB_DISABLE_XET = '1';
  const { code, stdout, stderr, wallMs } = await runProcess(
    python,
    ['-c', PY_UPLOAD, folder, 'bench/py'],
    env,
  );
  if (code !== 0) throw new Error(`Python upload_folder failed (${code}):\n${stderr}`);
  const m = /BENCH-PY (.*)/.exec(stdout);
  const out = JSON.parse(m![1]!) as { hwmKb: number; commits: number };
  await rm(home, { recursive: true, force: true });
  return { ms: wallMs, wallMs, hwmKb: out.hwmKb, extra: { commits: out.commits } };
}

/**
 * Runs `work` against a fresh Hub that is stopped (and its data removed) afterwards; the Hub's CPU time during the
 * work (its start-up left out) goes into `extra.serverCpuMs`: what of the machine the server took.
 */
async function onFreshHub(work: (url: string) => Promise<ChildResult>, label = ''): Promise<ChildResult> {
  const hub = await startHub(
    xet ? [] : ['--no-xet'],
    profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
  );
  try {
    const before = await hub.cpuMs();
    const r = await work(hub.url);
    const serverCpuMs = (await hub.cpuMs()) - before;
    if (profileDir) process.stderr.write(`  local Hub CPU ${label}: ${serverCpuMs / 1000} s\n`);
    return { ...r, extra: { ...r.extra, serverCpuMs } };
  } finally {
    await hub.stop();
  }
}

function medianStartMs(cmd: string, args: string[], runs = 21): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function sha256Yardstick(): number {
  const buf = Buffer.alloc(256 * MiB, 7);
  const t = performance.now();
  createHash('sha256').update(buf).digest();
  return 256 / ((performance.now() - t) / 1000);
}

async function addSmallFiles(ckpt: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const dir = path.join(ckpt, 'samples', String(Math.floor(i / 1000)).padStart(2, '0'));
    if (i % 1000 === 0) await mkdir(dir, { recursive: true });
    const body = `{"id": ${i}, "text": "${'x'.repeat(1000)}"}`.slice(0, 1000);
    await writeFile(path.join(dir, `${String(i).padStart(5, '0')}.json`), body);
  }
}

async function main(): Promise<void> {
  const size = parseSize(arg('--size', '1G'));
  const small = Number(arg('--small', '10000'));
  const rounds = Math.max(1, Number(arg('--rounds', '2')));
  const rssSizes = arg('--rss', '256M,4G')
    .split(',')
    .filter(Boolean)
    .map(parseSize);
  const probe = probePythonClient();
  if (!probe.client) throw new Error(probe.skipReason);
  const python = probe.client.python;

  await buildCli();
  await setup('bench-vs-python-');
  const load: string[] = [`load ${os.loadavg()[0]!.toFixed(1)}`];
  const yardstick = sha256Yardstick();
  try {
    await writeFile(path.join(work, 'token'), TOKEN);
    const ws = await makeWorkspace(size);
    const samples: Record<'py' | 'cold' | 'warm' | 'pySmall' | 'cliSmall', ChildResult[]> = {
      py: [],
      cold: [],
      warm: [],
      pySmall: [],
      cliSmall: [],
    };
    for (let round = 0; rows.has('checkpoint') && round < rounds; round++) {
      process.stderr.write(`round ${round + 1}: ${size / MiB} MiB checkpoint…\n`);
      samples.py.push(await onFreshHub((url) => pythonUpload(python, url, ws.ckpt), 'checkpoint Python'));
      const dataDir = path.join(work, `data-${round}`);
      samples.cold.push(
        await onFreshHub((url) => cliPublish(url, ws.root, dataDir, 'bench/cli', cliProfileArgs()), 'checkpoint CLI cold'),
      );
      samples.warm.push(
        await onFreshHub((url) => cliPublish(url, ws.root, dataDir, 'bench/cli', cliProfileArgs()), 'checkpoint CLI warm'),
      );
    }
    await addSmallFiles(ws.ckpt, small);
    for (let round = 0; rows.has('small') && round < rounds; round++) {
      process.stderr.write(`round ${round + 1}: ${small} small files plus the checkpoint…\n`);
      samples.pySmall.push(await onFreshHub((url) => pythonUpload(python, url, ws.ckpt), 'small Python'));
      // A data folder of its own, so nothing is hashed yet: Python hashes every file too.
      const dataDir = path.join(work, `data-small-${round}`);
      samples.cliSmall.push(
        await onFreshHub(
          (url) => cliPublish(url, ws.root, dataDir, 'bench/cli', cliProfileArgs()),
          'small CLI',
        ),
      );
      const phases = samples.cliSmall.at(-1)!;
      process.stderr.write(
        `  CLI ${s(phases.wallMs)} wall, ${s(phases.cpuMs ?? NaN)} CPU, ${String(phases.extra?.commits)} commit(s)\n`,
      );
    }
    await rm(ws.root, { recursive: true, force: true });

    let help = NaN;
    let node = NaN;
    let hfHelp = NaN;
    if (rows.has('help')) {
      process.stderr.write('--help…\n');
      help = medianStartMs(process.execPath, ['bin/hub-publisher.js', '--help']);
      node = medianStartMs(process.execPath, ['-e', '0']);
      const hf = path.join(path.dirname(python), 'hf');
      hfHelp =
        spawnSync(hf, ['--help'], { stdio: 'ignore' }).status === 0 ? medianStartMs(hf, ['--help'], 7) : NaN;
    }

    const rss: { size: number; hwmKb: number; ms: number }[] = [];
    for (const s of rows.has('rss') ? rssSizes : []) {
      process.stderr.write(`peak RSS at ${s / MiB} MiB…\n`);
      const w = await makeWorkspace(s);
      const r = await onFreshHub((url) => cliPublish(url, w.root, path.join(work, `data-rss-${s}`)));
      rss.push({ size: s, hwmKb: r.hwmKb, ms: r.wallMs });
      await rm(w.root, { recursive: true, force: true });
    }
    load.push(`load ${os.loadavg()[0]!.toFixed(1)}`);

    const b = Object.fromEntries(
      Object.entries(samples).map(([k, v]) => [k, v.length > 0 ? best(v) : undefined]),
    ) as Record<keyof typeof samples, Measured | undefined>;
    const ratio = (ours: Measured, theirs: Measured, target: number) => {
      const r = ours.ms / theirs.ms;
      return `${r.toFixed(2)}x Python (target <= ${target}x${r <= target ? ', met' : ', NOT met'})`;
    };
    const lines = [
      `\npublish vs Python upload_folder (${os.cpus().length} cores, node ${process.version}, huggingface_hub ${probe.client.version}, ` +
        `${xet ? 'Xet path: hf_xet, Hub offering Xet' : 'LFS path: HF_HUB_DISABLE_XET=1, Hub without Xet'}; ${load.join(' -> ')}; SHA-256 yardstick ${yardstick.toFixed(0)} MB/s; best of ${rounds})`,
      `| work | Python upload_folder | hub-publisher publish | ratio |`,
      `|---|---|---|---|`,
      ...(b.py && b.cold && b.warm
        ? [
            `| ${size / MiB} MiB checkpoint, cold | ${s(b.py.ms)} ${all(b.py)}, ${mb(b.py.hwmKb)}, ${hubCpu(b.py)} | ${s(b.cold.ms)} ${all(b.cold)}, ${mb(b.cold.hwmKb)}, ${hubCpu(b.cold)} | ${ratio(b.cold, b.py, 0.8)} |`,
            `| ${size / MiB} MiB checkpoint, hashes ready | (no cache) ${s(b.py.ms)} | ${s(b.warm.ms)} ${all(b.warm)}, ${mb(b.warm.hwmKb)}, ${hubCpu(b.warm)} | ${ratio(b.warm, b.py, 0.5)} |`,
          ]
        : []),
      ...(b.pySmall && b.cliSmall
        ? [
            `| ${small} files of 1 KB + the ${size / MiB} MiB checkpoint | ${s(b.pySmall.ms)} ${all(b.pySmall)}, ${String(b.pySmall.extra?.commits)} commit(s), ${hubCpu(b.pySmall)} | ` +
              `${s(b.cliSmall.ms)} ${all(b.cliSmall)}, ${String(b.cliSmall.extra?.commits)} commit(s), ${mb(b.cliSmall.hwmKb)}, ${hubCpu(b.cliSmall)} | ${ratio(b.cliSmall, b.pySmall, 1.0)} |`,
          ]
        : []),
      ...(rows.has('help')
        ? [
            `| --help (median of 21) | hf --help ${Number.isNaN(hfHelp) ? 'n/a' : s(hfHelp)} | ${s(help)} (node -e 0: ${s(node)}) | ` +
              `${help <= 300 ? 'met' : 'NOT met'} (target <= 0.30 s) |`,
          ]
        : []),
      ...(rss.length > 0
        ? [
            `peak RSS of cold CLI publishes (target <= 300 MB, flat): ${rss.map((r) => `${r.size / MiB} MiB: ${mb(r.hwmKb)} in ${s(r.ms)}`).join(', ')}`,
          ]
        : []),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
