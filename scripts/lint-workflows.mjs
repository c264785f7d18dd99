// Validates every GitHub Actions workflow against the workflow schema with action-validator (part of
// `npm run lint`, so `npm test` catches a broken workflow before a runner does).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const cli = path.join(path.dirname(require.resolve('@action-validator/cli/package.json')), 'cli.mjs');
const dir = '.github/workflows';
const files = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
if (files.length === 0) {
  console.error(`No workflows found in ${dir}.`);
  process.exit(1);
}
let failed = 0;
for (const name of files) {
  const { status } = spawnSync(process.execPath, [cli, path.join(dir, name)], { stdio: 'inherit' });
  if (status !== 0) {
    failed++;
    console.error(`${dir}/${name}: not a valid workflow (see the errors above).`);
  }
}
if (failed) process.exit(1);
console.log(`Workflows valid: ${files.join(', ')}.`);
