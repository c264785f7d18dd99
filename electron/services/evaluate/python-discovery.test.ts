/** Finding Python when the app was started from a desktop launcher, with a bare PATH. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectInterpreters } from './interpreters';
import { mergePath, parseShellEnv, readLoginShellEnv, startedOutsideAShell } from './login-shell-env';
import { usualInterpreterLocations } from './usual-interpreters';

let tmp: string;
const posix = process.platform !== 'win32';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hub-publisher-python-discovery-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('login shell environment', () => {
  it('tells a launcher start (no TERM, no SHLVL) from a terminal one', () => {
    expect(startedOutsideAShell({ PATH: '/usr/bin:/bin' })).toBe(true);
    expect(startedOutsideAShell({ TERM: 'xterm-256color', SHLVL: '1' })).toBe(false);
  });

  it('ignores what the profile prints around the environment', () => {
    const marker = '__HUB_PUBLISHER_ENV_7f3a__';
    const parsed = parseShellEnv(
      `Welcome!\n${marker}PATH=/opt/conda/bin:/usr/bin\0EMPTY=\0A=b=c\0${marker}bye`,
    );
    expect(parsed).toMatchObject({ PATH: '/opt/conda/bin:/usr/bin', EMPTY: '', A: 'b=c' });
    expect(parseShellEnv('no markers')).toBeNull();
  });

  it('merges PATH keeping the current entries first, once each', () => {
    expect(mergePath('/usr/bin:/bin', '/home/u/miniconda3/bin:/usr/bin', ':')).toBe(
      '/usr/bin:/bin:/home/u/miniconda3/bin',
    );
  });

  it.runIf(posix)('reads the PATH a real login shell builds from its profile', async () => {
    const home = path.join(tmp, 'home');
    await mkdir(home, { recursive: true });
    // bash -l reads ~/.bash_profile: what a user's conda init or pyenv init would add.
    await writeFile(
      path.join(home, '.bash_profile'),
      'echo "profile noise"\nexport PATH="$HOME/miniconda3/bin:$PATH"\n',
    );
    const env = await readLoginShellEnv({ SHELL: '/bin/bash', HOME: home, PATH: '/usr/bin:/bin' });
    expect(env?.PATH?.split(':')[0]).toBe(path.join(home, 'miniconda3', 'bin'));
  });

  it.runIf(posix)('gives up on a shell that does not answer in time, and on no shell', async () => {
    const home = path.join(tmp, 'slow-home');
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, '.bash_profile'), 'sleep 30\n');
    expect(
      await readLoginShellEnv({ SHELL: '/bin/bash', HOME: home, PATH: '/usr/bin:/bin' }, { timeoutMs: 300 }),
    ).toBeNull();
    expect(await readLoginShellEnv({})).toBeNull();
    expect(await readLoginShellEnv({ SHELL: 'bash' })).toBeNull();
  });
});

describe('usual interpreter locations', () => {
  it('lists conda bases and environments, pyenv versions newest first, Homebrew', async () => {
    const home = path.join(tmp, 'u');
    await mkdir(path.join(home, 'miniconda3', 'envs', 'train'), { recursive: true });
    await mkdir(path.join(home, '.pyenv', 'versions', '3.11.9'), { recursive: true });
    await mkdir(path.join(home, '.pyenv', 'versions', '3.12.4'), { recursive: true });
    await mkdir(path.join(home, '.pyenv', 'versions', '3.9.18'), { recursive: true });
    const mac = (await usualInterpreterLocations({}, { home, platform: 'darwin' })).map((l) => l.path);
    expect(mac).toContain(path.join(home, 'miniconda3', 'bin', 'python'));
    expect(mac).toContain(path.join(home, 'miniconda3', 'envs', 'train', 'bin', 'python'));
    expect(mac.indexOf(path.join(home, '.pyenv', 'versions', '3.12.4', 'bin', 'python3'))).toBeLessThan(
      mac.indexOf(path.join(home, '.pyenv', 'versions', '3.11.9', 'bin', 'python3')),
    );
    // Numeric, not string, order: 3.9 is older than 3.11.
    expect(mac.indexOf(path.join(home, '.pyenv', 'versions', '3.11.9', 'bin', 'python3'))).toBeLessThan(
      mac.indexOf(path.join(home, '.pyenv', 'versions', '3.9.18', 'bin', 'python3')),
    );
    expect(mac).toContain('/opt/homebrew/bin/python3');
    const linux = (await usualInterpreterLocations({}, { home, platform: 'linux' })).map((l) => l.path);
    expect(linux).toContain('/home/linuxbrew/.linuxbrew/bin/python3');
    expect(linux).not.toContain('/opt/homebrew/bin/python3');
  });

  it.runIf(posix)('finds a conda interpreter on no PATH when started from a launcher', async () => {
    const home = path.join(tmp, 'launcher-home');
    const bin = path.join(home, 'miniforge3', 'bin');
    await mkdir(bin, { recursive: true });
    // A real interpreter in a conda-like place: the machine's own python3, linked there.
    await symlink('/usr/bin/python3', path.join(bin, 'python'));
    const workspace = path.join(tmp, 'ws');
    await mkdir(workspace, { recursive: true });
    const bare = { HOME: home, PATH: path.join(tmp, 'empty-bin'), SHELL: path.join(tmp, 'no-shell') };
    const found = await detectInterpreters(workspace, bare);
    expect(found.map((i) => i.path)).toContain(path.join(bin, 'python'));
    expect(found.find((i) => i.path === path.join(bin, 'python'))?.origin).toBe('conda');
    // From a terminal the usual places are not searched: PATH is the user's.
    const fromTerminal = await detectInterpreters(workspace, { ...bare, TERM: 'xterm', SHLVL: '1' });
    expect(fromTerminal.map((i) => i.path)).not.toContain(path.join(bin, 'python'));
  });
});
