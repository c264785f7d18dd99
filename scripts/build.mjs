// Builds the app: the renderer with Vite into dist/renderer, the main process and preload with esbuild
// into dist-electron. Runtime dependencies stay external (electron-builder ships node_modules, and
// native modules such as keytar must be loaded from there).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { build as viteBuild } from 'vite';
import { buildCli } from './build-cli.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = ['electron', ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];

await viteBuild({ logLevel: 'warn' });
await Promise.all([
  build({
    entryPoints: ['electron/main.ts'],
    outfile: 'dist-electron/main.js',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external,
    sourcemap: true,
    logLevel: 'warning',
  }),
  // Sandboxed preloads must be CommonJS and may only require `electron`.
  build({
    entryPoints: ['electron/preload.ts'],
    outfile: 'dist-electron/preload.cjs',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    sourcemap: true,
    logLevel: 'warning',
  }),
  buildCli(),
]);
console.log('Built dist/renderer and dist-electron.');
