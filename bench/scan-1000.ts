/**
 * Scan time for a workspace of 1,000 checkpoints with sharded safetensors (2 shards, index, config,
 * tokenizer files each). Target: ≤ 1 s warm.
 *
 *   npx tsx bench/scan-1000.ts [--checkpoints N] [--shards N] [--runs N] [--rebuild]
 *
 * "Cold" is measured after asking the kernel to drop its page cache (needs root; otherwise says so and
 * reports the first scan in this process); "warm" is the median of the following runs.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildWorkspace } from '../e2e/fixtures/workspace';
import { scanWorkspace } from '../electron/services/evaluate';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg('checkpoints', 1000);
const shards = arg('shards', 2);
const runs = arg('runs', 7);
const dir = path.join(os.tmpdir(), `hub-publisher-bench-scan-${count}x${shards}`);
const marker = path.join(dir, '.complete');

if (process.argv.includes('--rebuild') || !existsSync(marker)) {
  await rm(dir, { recursive: true, force: true });
  const t0 = performance.now();
  await buildWorkspace(dir, {
    layout: 'step',
    steps: Array.from({ length: count }, (_, i) => (i + 1) * 100),
    defaults: { weights: 'sharded', shards, weightsBytes: 64 * 1024 * 1024, dtype: 'BF16' },
  });
  writeFileSync(marker, '');
  console.log(`built ${count} checkpoints in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${dir}`);
}

function dropCaches(): boolean {
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

const time = async () => {
  const t0 = performance.now();
  const result = await scanWorkspace(dir);
  const ms = performance.now() - t0;
  if (result.checkpoints.length !== count || result.checkpoints.some((c) => !c.valid)) {
    throw new Error(
      `unexpected scan result: ${result.checkpoints.length} checkpoints, ${result.checkpoints.filter((c) => !c.valid).length} invalid`,
    );
  }
  return { ms, result };
};

const dropped = dropCaches();
const cold = await time();
const files = cold.result.checkpoints.reduce((a, c) => a + c.files.length, 0);
const warm: number[] = [];
for (let i = 0; i < runs; i++) warm.push((await time()).ms);
warm.sort((a, b) => a - b);
const median = warm[Math.floor(warm.length / 2)] ?? NaN;

console.log(`scan ${count} checkpoints × ${shards} safetensors shards (${files} files, headers only)`);
console.log(
  `  cold ${dropped ? '(page cache dropped)' : '(first scan in this process; cannot drop the page cache without root)'}: ${cold.ms.toFixed(0)} ms`,
);
console.log(
  `  warm median of ${runs}: ${median.toFixed(0)} ms (min ${warm[0]?.toFixed(0)}, max ${warm[warm.length - 1]?.toFixed(0)})`,
);
console.log(`  target ≤ 1000 ms warm: ${median <= 1000 ? 'met' : 'MISSED'}`);
