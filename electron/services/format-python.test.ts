import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatScore } from '../../shared/format';
import { seededRandom } from '../../shared/random';

// Compares formatScore with the real thing: a python3 subprocess formatting the same doubles.
// JS's String(x) is the shortest round-trip representation, so Python's float() reads back the same double.

function findPython(): string | null {
  for (const candidate of ['python3', 'python']) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info[0])'], { encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.trim() === '3') return candidate;
  }
  return null;
}

const python = findPython();
if (!python) console.log('format-python.test.ts: skipped, no python3 on PATH to compare against');


const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function nextAfter(x: number, up: boolean): number {
  f64[0] = x;
  u64[0] = (u64[0] ?? 0n) + (up === x >= 0 ? 1n : -1n);
  return f64[0] ?? Number.NaN;
}

function sampleValues(): number[] {
  const random = seededRandom(20261129);
  const values: number[] = [];
  // Exact ties at the third decimal (odd multiples of 1/16 … 1/2^k that end in 5 at the fourth decimal)
  // and their one-ulp neighbours.
  for (let n = -200; n <= 200; n++) {
    for (const denominator of [16, 32, 64, 128, 2000, 200]) {
      const tie = n / denominator;
      values.push(tie, nextAfter(tie, true), nextAfter(tie, false));
    }
  }
  // Decimal-looking scores such as evaluation scripts print: x.xxx5 is never an exact tie in binary.
  for (let i = 0; i < 2000; i++) {
    const value = Math.floor(random() * 100000) / 10000;
    values.push(value, nextAfter(value, true), nextAfter(value, false));
  }
  // Arbitrary accuracies in [0, 1] and arbitrary doubles from random bit patterns.
  for (let i = 0; i < 2000; i++) values.push(random(), -random());
  for (let i = 0; i < 1000; i++) {
    u64[0] = (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
    values.push(f64[0] ?? 0);
  }
  values.push(0, -0, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE);
  return values;
}

describe.skipIf(!python)('formatScore against python3 format(x, ".3f")', () => {
  it('agrees on thousands of values at, next to and away from ties', () => {
    const values = sampleValues();
    const script = "import sys\nfor line in sys.stdin:\n    print(format(float(line), '.3f'))";
    const run = spawnSync(python ?? 'python3', ['-c', script], {
      // String(-0) is "0", which would lose the sign Python must see.
      input: values.map((v) => (Object.is(v, -0) ? '-0.0' : String(v))).join('\n') + '\n',
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(run.status, run.stderr).toBe(0);
    const expected = run.stdout.split('\n').slice(0, values.length);
    expect(expected).toHaveLength(values.length);
    const mismatches = values
      .map((value, i) => ({ value, python: expected[i], ours: formatScore(value) }))
      .filter((row) => row.python !== row.ours);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(values.length).toBeGreaterThan(5000);
  });
});
