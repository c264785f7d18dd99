import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = new URL('../../bin/hub-publisher.js', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

// The bin as npm links it: a real process, exactly what `npx hub-publisher` runs after `npm ci`.
describe('hub-publisher', () => {
  it('prints usage with every subcommand', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    expect(stdout).toContain('Usage: hub-publisher');
    for (const command of ['scan', 'evaluate', 'publish', 'token']) expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('prints its version', async () => {
    const { stdout } = await run(process.execPath, [bin, '--version']);
    expect(stdout.trim()).toBe(version);
  });

  it('exits non-zero on an unknown command and says so', async () => {
    const failed = await run(process.execPath, [bin, 'frobnicate']).catch((err: { code: number; stderr: string }) => err);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain("unknown command 'frobnicate'");
  });
});
