import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = new URL('../../bin/hub-publisher.js', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// The bin as npm links it: a real process, exactly what `npx hub-publisher` runs after `npm ci`.
describe('hub-publisher', () => {
  it('prints usage with every subcommand', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    expect(stdout).toContain('Usage: hub-publisher');
    for (const command of ['scan', 'evaluate', 'publish', 'token'])
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('prints its version', async () => {
    const { stdout } = await run(process.execPath, [bin, '--version']);
    expect(stdout.trim()).toBe(version);
  });

  it('exits non-zero on an unknown command and says so', async () => {
    const failed = await run(process.execPath, [bin, 'frobnicate']).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain("unknown command 'frobnicate'");
  });

  // What `npm publish` ships, unpacked where no node_modules exist: the bin must start from the tarball
  // alone (compiled, not through a TypeScript loader), and say its version and usage.
  it('runs from the packed package, without the sources or node_modules', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hub-publisher-pack-'));
    try {
      const root = fileURLToPath(new URL('../..', import.meta.url));
      // Built by vitest's globalSetup (the `prepare` script does it for a real `npm pack`).
      const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
        cwd: root,
      });
      const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
      expect(packed!.files.map((f) => f.path)).toEqual(
        expect.arrayContaining(['bin/hub-publisher.js', 'dist-electron/cli/main.js', 'package.json']),
      );
      expect(packed!.files.some((f) => /\.ts$/.test(f.path))).toBe(false);
      await run('tar', ['-xzf', path.join(dir, packed!.filename), '-C', dir]);
      const unpackedBin = path.join(dir, 'package', 'bin', 'hub-publisher.js');
      const help = await run(process.execPath, [unpackedBin, '--help'], { cwd: dir });
      expect(help.stdout).toContain('Usage: hub-publisher');
      const v = await run(process.execPath, [unpackedBin, '--version'], { cwd: dir });
      expect(v.stdout.trim()).toBe(version);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
