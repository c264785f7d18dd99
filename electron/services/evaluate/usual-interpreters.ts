/**
 * Where Python usually lives when it is not on PATH: conda/mamba installs (base and named environments),
 * pyenv versions, Homebrew, python.org installers. Looked at after the workspace's venv and PATH, so a
 * launcher's bare PATH still finds the interpreter the user's terminal would.
 */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface UsualLocation {
  path: string;
  kind: 'conda' | 'pyenv' | 'homebrew' | 'system';
}

const CONDA_DIRS = ['miniconda3', 'anaconda3', 'miniforge3', 'mambaforge', 'micromamba', '.conda'];

/** Conda roots: under the home folder and the usual shared prefixes. */
export function condaRoots(home: string, platform: NodeJS.Platform): string[] {
  const roots = CONDA_DIRS.map((dir) => path.join(home, dir));
  if (platform !== 'win32') roots.push('/opt/conda', '/opt/miniconda3', '/opt/anaconda3', '/opt/miniforge3');
  if (platform === 'darwin')
    roots.push('/opt/homebrew/Caskroom/miniconda/base', '/usr/local/Caskroom/miniconda/base');
  return roots;
}

async function childDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() || entry.isSymbolicLink())
      .map((entry) => path.join(dir, entry.name))
      .sort();
  } catch {
    return [];
  }
}

/** Every candidate interpreter path in the usual places (existing or not: the prober decides). */
export async function usualInterpreterLocations(
  env: NodeJS.ProcessEnv,
  options: { home?: string; platform?: NodeJS.Platform } = {},
): Promise<UsualLocation[]> {
  const home = options.home ?? (env.HOME || env.USERPROFILE || os.homedir());
  const platform = options.platform ?? process.platform;
  const windows = platform === 'win32';
  const join = windows ? path.win32.join : path.posix.join;
  const python = (prefix: string) => (windows ? join(prefix, 'python.exe') : join(prefix, 'bin', 'python'));
  const out: UsualLocation[] = [];

  for (const root of condaRoots(home, platform)) {
    out.push({ path: python(root), kind: 'conda' });
    for (const environment of await childDirs(join(root, 'envs')))
      out.push({ path: python(environment), kind: 'conda' });
  }

  const pyenvRoot = env.PYENV_ROOT || join(home, windows ? join('.pyenv', 'pyenv-win') : '.pyenv');
  // Newest version first, comparing numerically (3.13 after 3.9).
  const versions = (await childDirs(join(pyenvRoot, 'versions'))).sort((a, b) =>
    path.basename(b).localeCompare(path.basename(a), 'en', { numeric: true }),
  );
  for (const version of versions) {
    out.push({
      path: windows ? join(version, 'python.exe') : join(version, 'bin', 'python3'),
      kind: 'pyenv',
    });
  }

  if (platform === 'darwin') {
    out.push(
      { path: '/opt/homebrew/bin/python3', kind: 'homebrew' },
      { path: '/usr/local/bin/python3', kind: 'homebrew' },
    );
  } else if (platform === 'linux') {
    out.push(
      { path: '/home/linuxbrew/.linuxbrew/bin/python3', kind: 'homebrew' },
      { path: join(home, '.linuxbrew', 'bin', 'python3'), kind: 'homebrew' },
    );
    out.push(
      { path: '/usr/bin/python3', kind: 'system' },
      { path: '/usr/local/bin/python3', kind: 'system' },
    );
  } else if (windows) {
    const local = env.LOCALAPPDATA || join(home, 'AppData', 'Local');
    const installs = (await childDirs(join(local, 'Programs', 'Python'))).sort((a, b) =>
      path.basename(b).localeCompare(path.basename(a), 'en', { numeric: true }),
    );
    for (const dir of installs) {
      out.push({ path: join(dir, 'python.exe'), kind: 'system' });
    }
  }
  return out;
}
