#!/usr/bin/env node
// The command-line entry: runs the CLI compiled by scripts/build-cli.mjs, without a TypeScript loader at
// start-up. The published package carries the build; in a checkout the project's .npmrc turns install
// scripts off (so `npm ci` downloads no Electron binary), which also skips `prepare`, so the first run
// builds it here (about a second) and every later run starts at once.
import { existsSync } from 'node:fs';

const built = new URL('../dist-electron/cli/main.js', import.meta.url);
const builder = new URL('../scripts/build-cli.mjs', import.meta.url);
if (!existsSync(built)) {
  if (!existsSync(builder)) {
    process.stderr.write('hub-publisher: this installation has no built command line; reinstall the package.\n');
    process.exit(1);
  }
  process.stderr.write('hub-publisher: building the command line (first run in this checkout)…\n');
  const { buildCli } = await import(builder.href);
  await buildCli();
}
const cli = await import(built.href);
process.exitCode = await cli.main(process.argv);
