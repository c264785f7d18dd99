/**
 * Finding the Python that runs a workspace's scripts: the workspace's own virtual environment, the active
 * conda environment, then `python3`/`python` on PATH. Each candidate is asked for its version and ABI tag
 * (the `cpython-311` in compiled extension names), and its real executable is remembered so every run
 * skips launcher shims (pyenv's add tens of milliseconds per start).
 */
import { execFile } from 'node:child_process';
import { access, constants, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/result';
import type { PythonInterpreter } from '../../../shared/types';
import { discoveryEnv, startedOutsideAShell } from './login-shell-env';
import { usualInterpreterLocations } from './usual-interpreters';

/** What the evaluator needs beyond what the UI shows. */
export interface ResolvedInterpreter extends PythonInterpreter {
  /** The binary actually started for each run (sys.executable). */
  executable: string;
  /** `sys.implementation.cache_tag`, e.g. `cpython-311`; null for implementations without one. */
  abiTag: string | null;
  /** Where packages get installed: a folder's mtime changes when a package is added or removed. */
  sitePackages: string[];
}

const PROBE = [
  '-c',
  'import sys, json, site\n' +
    'try:\n    paths = site.getsitepackages() + [site.getusersitepackages()]\nexcept Exception:\n    paths = []\n' +
    'print(json.dumps({"executable": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3], "tag": sys.implementation.cache_tag, "site": paths}))',
];

const isWindows = process.platform === 'win32';
const binDir = isWindows ? 'Scripts' : 'bin';
const exe = (name: string) => (isWindows ? `${name}.exe` : name);

/** A cold interpreter on a busy machine (site-packages on a network disk, a large conda env) can take a while. */
const PROBE_TIMEOUT_MS = 30_000;

const probeCache = new Map<string, { mtimeMs: number; value: Promise<ResolvedInterpreter | null> }>();

/** Asks an interpreter who it is; null when it is not a working Python. Cached per binary and mtime. */
export async function probeInterpreter(
  command: string,
  origin: PythonInterpreter['origin'],
  cwd?: string,
): Promise<ResolvedInterpreter | null> {
  const file = await resolveCommand(command);
  if (!file) return null;
  const s = await stat(file).catch(() => null);
  if (!s?.isFile()) return null;
  const key = `${file}\0${cwd ?? ''}`;
  const cached = probeCache.get(key);
  if (cached && cached.mtimeMs === s.mtimeMs) {
    const v = await cached.value;
    return v && { ...v, origin };
  }
  const value = new Promise<ResolvedInterpreter | null>((resolve) => {
    execFile(file, PROBE, { cwd, timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (err, stdout) => {
      if (err) {
        // A probe that ran out of time says the machine was busy, not that this is no Python: ask again next time.
        if (err.killed) probeCache.delete(key);
        return resolve(null);
      }
      try {
        const info = JSON.parse(String(stdout).trim()) as {
          executable?: string;
          version?: string;
          tag?: string | null;
          site?: unknown;
        };
        if (!info.version) return resolve(null);
        resolve({
          path: file,
          version: info.version,
          origin,
          executable: info.executable || file,
          abiTag: info.tag ?? null,
          sitePackages: Array.isArray(info.site)
            ? info.site.filter((p): p is string => typeof p === 'string')
            : [],
        });
      } catch {
        resolve(null);
      }
    });
  });
  probeCache.set(key, { mtimeMs: s.mtimeMs, value });
  return value;
}

/** A command name is looked up on PATH; anything with a separator is a path. */
async function resolveCommand(command: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (command.includes('/') || command.includes('\\')) return path.resolve(command);
  const exts = isWindows ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      try {
        await access(candidate, isWindows ? constants.F_OK : constants.X_OK);
        const s = await stat(candidate);
        if (s.isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/**
 * Every usable interpreter for a workspace, best first: `.venv` (or `venv`) in the workspace, the active
 * conda environment (CONDA_PREFIX), then `python3` and `python` on PATH. Duplicates (the same executable
 * reached twice) are listed once, under the first origin.
 */
export async function detectInterpreters(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PythonInterpreter[]> {
  return (await detectResolved(root, env)).map(({ path: p, version, origin }) => ({
    path: p,
    version,
    origin,
  }));
}

export async function detectResolved(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedInterpreter[]> {
  // From a desktop launcher PATH is bare: add the login shell's (see login-shell-env.ts).
  const fromLauncher = startedOutsideAShell(env);
  env = await discoveryEnv(env);
  const candidates: { command: string; origin: PythonInterpreter['origin'] }[] = [];
  for (const venv of ['.venv', 'venv']) {
    candidates.push({ command: path.join(root, venv, binDir, exe('python')), origin: 'workspace-venv' });
  }
  if (env.CONDA_PREFIX) {
    candidates.push({
      command: isWindows
        ? path.join(env.CONDA_PREFIX, 'python.exe')
        : path.join(env.CONDA_PREFIX, 'bin', 'python'),
      origin: 'conda',
    });
  }
  for (const name of ['python3', 'python']) {
    const file = await resolveCommand(name, env);
    if (file) candidates.push({ command: file, origin: 'path' });
  }
  // Last, from a launcher: conda, pyenv and Homebrew interpreters that are on no PATH at all.
  const usualLocations = fromLauncher ? await usualInterpreterLocations(env) : [];
  for (const usual of usualLocations) {
    candidates.push({ command: usual.path, origin: usual.kind === 'conda' ? 'conda' : 'path' });
  }
  const probed = await Promise.all(candidates.map((c) => probeInterpreter(c.command, c.origin, root)));
  const seen = new Set<string>();
  const out: ResolvedInterpreter[] = [];
  for (const p of probed) {
    if (!p) continue;
    const real = await realpath(p.executable).catch(() => p.executable);
    // A venv's python is a link to the base interpreter but runs with the venv's packages, so it is keyed
    // by its own path, not the link target.
    const key = p.origin === 'workspace-venv' ? p.path : real;
    if (seen.has(key) || seen.has(real)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** The interpreter for a run: the one asked for (by path or command name), else the first detected. */
export async function resolveInterpreter(
  root: string,
  requested?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedInterpreter | null> {
  if (requested) {
    const asked =
      path.isAbsolute(requested) || !/[\\/]/.test(requested) ? requested : path.resolve(root, requested);
    const found = await probeInterpreter(asked, 'user', root);
    if (!found) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `${requested} is not a working Python interpreter. Give the path of a python executable, or leave it out to use the detected one.`,
      );
    }
    return found;
  }
  return (await detectResolved(root, env))[0] ?? null;
}

/**
 * A fingerprint of what is installed: the modification times of the site-packages folders. Installing
 * the package a script was missing changes it, so remembered failures are run again.
 */
export async function packagesFingerprint(interpreter: ResolvedInterpreter): Promise<string> {
  const times = await Promise.all(
    interpreter.sitePackages.map(async (p) => `${p}:${(await stat(p).catch(() => null))?.mtimeMs ?? '-'}`),
  );
  return times.join('|');
}
