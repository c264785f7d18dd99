/**
 * The per-run overhead the evaluator adds to a trivial script, compared with spawning the same script
 * directly with the same interpreter. Target: ≤ 50 ms per run.
 *
 *   npx tsx bench/evaluate-overhead.ts [--runs N] [--rounds N]
 *
 * Both sides run one process at a time. The evaluator's side includes everything it does per run: its
 * own process group, output capture, score parsing, error classification, cache keys and writes, progress
 * events. Its fixed costs per call (scan, interpreter probe, cache load) are measured separately and
 * subtracted, then reported on their own, together with a fully cached "reopen".
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildWorkspace, tempDir } from '../e2e/fixtures/workspace';
import { evaluateWorkspace, resolveInterpreter } from '../electron/services/evaluate';
import { scanWorkspace } from '../electron/services/evaluate';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('runs', 20);
const rounds = arg('rounds', 5);

const root = await tempDir('hp-bench-eval-');
const dataDir = await tempDir('hp-bench-eval-data-');
const steps = Array.from({ length: runs }, (_, i) => (i + 1) * 10);
await buildWorkspace(root, { steps, benchmarks: { trivial: { kind: 'raw', source: 'print(0.5)' } } });
const interpreter = await resolveInterpreter(root);
if (!interpreter) throw new Error('no Python interpreter found');
const python = (await import('node:child_process'))
  .execFileSync(interpreter.path, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' })
  .trim();
const script = 'evaluation/benchmarks/trivial/eval.py';

const direct = async () => {
  const t0 = performance.now();
  for (const step of steps) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(python, [script, path.join(root, `step_${step}`)], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.resume();
      child.stderr.resume();
      child.on('error', reject);
      child.on('close', () => resolve());
    });
  }
  return (performance.now() - t0) / runs;
};

const scan = await scanWorkspace(root);
const viaEvaluator = async () => {
  const t0 = performance.now();
  const report = await evaluateWorkspace({
    root,
    dataDir,
    scan,
    concurrency: 1,
    useCache: false,
    onProgress: () => {},
  });
  const ms = performance.now() - t0;
  if (report.checkpoints.some((c) => c.scores.trivial !== 0.5)) throw new Error('unexpected scores');
  return ms;
};
const fixed = async () => {
  const t0 = performance.now();
  await evaluateWorkspace({ root, dataDir, scan, concurrency: 1, cacheOnly: true, useCache: false });
  return performance.now() - t0;
};
const reopen = async () => {
  const t0 = performance.now();
  const report = await evaluateWorkspace({ root, dataDir });
  if (report.checkpoints.some((c) => c.scores.trivial !== 0.5)) throw new Error('cache miss');
  return performance.now() - t0;
};

// Warm up both paths (interpreter probe, file cache, JIT).
await direct();
await viaEvaluator();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
const dc: number[] = [];
const ec: number[] = [];
const d: number[] = [];
const e: number[] = [];
const f: number[] = [];
const r: number[] = [];
for (let i = 0; i < rounds; i++) {
  let c0 = process.cpuUsage();
  d.push(await direct());
  dc.push(cpuMs(c0) / runs);
  const fx = await fixed();
  f.push(fx);
  c0 = process.cpuUsage();
  e.push(((await viaEvaluator()) - fx) / runs);
  ec.push(cpuMs(c0) / runs);
  r.push(await reopen());
}
const overhead = median(e) - median(d);

console.log(
  `evaluator overhead per run: ${runs} runs of a trivial script × ${rounds} rounds, one at a time (${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)})`,
);
console.log(`  interpreter: Python ${interpreter.version} (${python})`);
console.log(`  direct spawn:        ${median(d).toFixed(1)} ms/run`);
console.log(`  through evaluator:   ${median(e).toFixed(1)} ms/run`);
console.log(
  `  overhead:            ${overhead.toFixed(1)} ms/run (target ≤ 50 ms: ${overhead <= 50 ? 'met' : 'MISSED'})`,
);
console.log(
  `  CPU in this process: ${median(dc).toFixed(1)} ms/run direct, ${median(ec).toFixed(1)} ms/run through the evaluator (the overhead without the machine's load)`,
);
console.log(
  `  fixed cost per call: ${median(f).toFixed(1)} ms (config, scripts hash, imported results, cache load)`,
);
console.log(`  reopen, all cached:  ${median(r).toFixed(1)} ms for ${runs} checkpoints (scan included)`);

await rm(root, { recursive: true, force: true });
await rm(dataDir, { recursive: true, force: true });
