#!/usr/bin/env node
// The command-line entry: runs the CLI compiled by scripts/build-cli.mjs (the `prepare` script, so it is
// there right after `npm ci` and in the published package), without a TypeScript loader at start-up.
let cli;
try {
  cli = await import('../dist-electron/cli/main.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist-electron')) throw err;
  process.stderr.write(
    'hub-publisher: the command line is not built yet. Run `npm run build:cli` (or `npm ci`) in the project, then try again.\n',
  );
  process.exit(1);
}
process.exitCode = await cli.main(process.argv);
