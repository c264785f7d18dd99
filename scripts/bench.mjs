// `npm run bench [-- name…]`: runs the benchmarks in bench/ one after another (all, or those whose file
// name contains one of the given words) and lets each print its figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const filters = process.argv.slice(2);
const benches = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
if (benches.some((f) => f.startsWith('ui-'))) spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
let failed = 0;
for (const file of benches) {
  console.log(`\n=== bench/${file}`);
  const { status } = spawnSync('npx', ['tsx', `bench/${file}`], { stdio: 'inherit' });
  if (status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
