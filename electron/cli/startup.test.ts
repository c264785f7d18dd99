/**
 * Start-up of the built CLI: `hub-publisher --help` (and every command before it does its work) loads only
 * what parsing the command line needs. The services and their libraries (the Hub client, zod, YAML, Markdown,
 * undici for proxies) are chunks loaded when a command runs; a static import of one of them from the
 * commands' modules puts it back on every start (zod through the IPC contract did: 0.45 CPU-s per `--help`
 * against 0.24 s without it, `node -e 0` being 0.14 s).
 */
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { cliBuildOptions } from '../../scripts/build-cli.mjs';

/** The packages in node_modules that the entry reaches through static imports (dynamic ones excluded). */
function staticPackages(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const i of metafile.inputs[queue.shift()!]?.imports ?? []) {
      if (i.kind === 'dynamic-import' || i.external || seen.has(i.path)) continue;
      seen.add(i.path);
      queue.push(i.path);
    }
  }
  const packages = new Set<string>();
  for (const p of seen) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p);
    if (m) packages.add(m[1]!);
  }
  return packages;
}

describe('CLI start-up', () => {
  const metafile = async () =>
    (await build({ ...cliBuildOptions, write: false, metafile: true, sourcemap: false })).metafile;

  it('loads no library but commander before a command runs', async () => {
    expect([...staticPackages(await metafile(), 'electron/cli/main.ts')]).toEqual(['commander']);
  }, 60_000);

  it('loads zod only for a workspace that has hub-publisher.json', async () => {
    // zod was a third of the code `publish` loaded (~75 ms of its start) for a 1 KB file most workspaces lack.
    const packages = staticPackages(await metafile(), 'electron/services/publish/workspace.ts');
    expect(packages.has('@huggingface/hub')).toBe(true);
    expect(packages.has('zod')).toBe(false);
  }, 60_000);
});
