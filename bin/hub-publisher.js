#!/usr/bin/env node
// The command-line entry: runs the CLI compiled by scripts/build-cli.mjs, without a TypeScript loader at
// start-up. The published package carries the build; in a checkout the project's .npmrc turns install
// scripts off (so `npm ci` downloads no Electron binary), which also skips `prepare`, so the first run
// builds it here (about a second), and a run after the sources changed (a `git pull`, an edit) builds it
// again: a checkout linked with `npm link` / `npm install -g .` never runs yesterday's code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist-electron/cli/main.js', import.meta.url);
const builder = new URL('../scripts/build-cli.mjs', import.meta.url);

/** Whether a source file the CLI is built from is newer than the build (a few ms for a few hundred files). */
function sourcesNewerThan(mtimeMs) {
  const stack = ['../electron/', '../shared/'].map((d) => fileURLToPath(new URL(d, import.meta.url)));
  while (stack.length > 0) {
    const dir = stack.pop();
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const full = `${dir}/${e.name}`;
      if (e.isDirectory()) stack.push(full);
      else if (/\.(ts|mjs|js|json)$/.test(e.name) && !/\.test\.ts$/.test(e.name) && statSync(full).mtimeMs > mtimeMs)
        return true;
    }
  }
  return false;
}

if (existsSync(builder)) {
  const stale = existsSync(built) && sourcesNewerThan(statSync(built).mtimeMs);
  if (!existsSync(built) || stale) {
    process.stderr.write(
      stale
        ? 'hub-publisher: the sources changed since the last build; building the command line again…\n'
        : 'hub-publisher: building the command line (first run in this checkout)…\n',
    );
    const { buildCli } = await import(builder.href);
    await buildCli();
  }
} else if (!existsSync(built)) {
  process.stderr.write('hub-publisher: this installation has no built command line; reinstall the package.\n');
  process.exit(1);
}
const cli = await import(built.href);
process.exitCode = await cli.main(process.argv);
