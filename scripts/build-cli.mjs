// Builds the `hub-publisher` command line into dist-electron/cli/ (main.js and chunks): ES modules with
// the project's own code and its pure-JavaScript dependencies compiled in, so the bin starts without a
// TypeScript loader and without resolving hundreds of small module files (start-up is most of what
// `--help` costs). keytar stays external: it is native and loaded only when the keychain is used.
// Runs as the `prepare` script where install scripts run, on the bin's first run in a checkout, as part of
// scripts/build.mjs, and before the unit tests (vitest's globalSetup).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const root = new URL('../', import.meta.url);

/** The esbuild options of the CLI build (the start-up test reads its module graph with the same ones). */
export const cliBuildOptions = {
  absWorkingDir: root.pathname,
  entryPoints: ['electron/cli/main.ts'],
  // Split: the services each command needs are chunks loaded when it runs (see commands/*.ts).
  outdir: 'dist-electron/cli',
  entryNames: '[name]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['electron', 'keytar'],
  // CommonJS dependencies (commander…) call require() for Node built-ins; give the ES module one.
  banner: {
    js: "import { createRequire as __cliRequire } from 'node:module'; const require = __cliRequire(import.meta.url);",
  },
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
};

export async function buildCli() {
  // Chunk names carry content hashes: start empty so old chunks do not pile up (or get published).
  rmSync(new URL('dist-electron/cli/', root), { recursive: true, force: true });
  await build(cliBuildOptions);
}

/** vitest's globalSetup: the tests that spawn the bin run what the sources say now. */
export const setup = buildCli;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildCli();
  console.log('Built dist-electron/cli.');
}
