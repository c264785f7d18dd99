// `npm run bench [-- name…]`: runs the benchmarks in bench/ one after another (all, or those whose file
// name contains one of the given words) and lets each print its figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const filters = process.argv.slice(2);
const benches = readdirSync(new URL('../bench/', import.meta.url))
  // harness.ts is what the publish benchmarks share, not a benchmark.
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'harness.ts')
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
// The publish benchmarks run the built `hub-publisher`: build it from the sources as they are.
if (benches.some((f) => f.startsWith('publish-')))
  spawnSync('node', ['scripts/build-cli.mjs'], { stdio: 'inherit' });
if (benches.some((f) => f.startsWith('ui-')))
  spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
let failed = 0;
for (const file of benches) {
  console.log(`\n=== bench/${file}`);
  const { status } = spawnSync('npx', ['tsx', `bench/${file}`], { stdio: 'inherit' });
  if (status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
