/**
 * An app started from a desktop launcher (GNOME, KDE, the macOS Dock) inherits the session's bare PATH,
 * not the one the user's shell profile builds: conda, pyenv and Homebrew interpreters are missing. Editors
 * solve this by asking the login shell once for its environment; so do we, for finding Python only.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const MARKER = '__HUB_PUBLISHER_ENV_7f3a__';

/**
 * True when the process was not started from a terminal: no TERM and no SHLVL (every interactive shell
 * sets SHLVL; launchers start apps without one). The CLI and `npm start` always have both.
 */
export function startedOutsideAShell(env: NodeJS.ProcessEnv): boolean {
  return !env.TERM && !env.SHLVL;
}

/** Parses `env -0` output framed by markers, so whatever the profile prints around it is ignored. */
export function parseShellEnv(output: string): Record<string, string> | null {
  const start = output.indexOf(MARKER);
  const end = output.lastIndexOf(MARKER);
  if (start < 0 || end <= start) return null;
  const result: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const entry of output.slice(start + MARKER.length, end).split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) result[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return result;
}

/**
 * The login shell's environment (`$SHELL -l -i -c env`), or null when there is no usable shell, it fails,
 * or it takes longer than `timeoutMs` (a profile waiting for input must not stall the app).
 */
export function readLoginShellEnv(
  env: NodeJS.ProcessEnv,
  options: { timeoutMs?: number; platform?: NodeJS.Platform } = {},
): Promise<Record<string, string> | null> {
  const platform = options.platform ?? process.platform;
  const shell = env.SHELL;
  if (platform === 'win32' || !shell || !path.isAbsolute(shell)) return Promise.resolve(null);
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(
      shell,
      ['-l', '-i', '-c', `printf '%s' '${MARKER}'; command env -0; printf '%s' '${MARKER}'`],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...env, HUB_PUBLISHER_READING_SHELL_ENV: '1' },
        detached: true,
      },
    );
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      resolve(null);
    }, options.timeoutMs ?? 10_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.length > 1_000_000) child.kill('SIGKILL');
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve(parseShellEnv(output));
    });
  });
}

/** `current` PATH first, then the login shell's entries it lacks. */
export function mergePath(
  current: string | undefined,
  login: string | undefined,
  delimiter = path.delimiter,
): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of [...(current ?? '').split(delimiter), ...(login ?? '').split(delimiter)]) {
    if (!dir || seen.has(dir)) continue;
    seen.add(dir);
    out.push(dir);
  }
  return out.join(delimiter);
}

let loginPath: Promise<string | null> | null = null;

/**
 * The environment for finding interpreters: unchanged from a terminal; from a desktop launcher, PATH is
 * extended with the login shell's (read once per process) and CONDA_PREFIX/PYENV_ROOT taken from it.
 */
export async function discoveryEnv(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  if (!startedOutsideAShell(env) || env.HUB_PUBLISHER_READING_SHELL_ENV) return env;
  loginPath ??= readLoginShellEnv(env).then((login) => (login ? JSON.stringify(login) : null));
  const serialised = await loginPath;
  if (!serialised) return env;
  const login = JSON.parse(serialised) as Record<string, string>;
  return {
    ...env,
    PATH: mergePath(env.PATH, login.PATH),
    CONDA_PREFIX: env.CONDA_PREFIX ?? login.CONDA_PREFIX,
    PYENV_ROOT: env.PYENV_ROOT ?? login.PYENV_ROOT,
  };
}
