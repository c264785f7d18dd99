/**
 * Runs one evaluation command in its own process group, so a timeout or a cancel ends everything it
 * started (data loaders, subprocesses), not just the script itself.
 */
import { spawn, execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Every run carries this variable with its own id. A descendant that left the process group (`setsid`,
 * a daemonising data loader) still inherits it, so on Linux it is found in /proc and ended with the rest:
 * the same trick CI servers use to reap a build's strays.
 */
export const RUN_MARKER_VARIABLE = 'HUB_PUBLISHER_RUN_ID';

/** Runs still alive, so a process-wide shutdown (SIGTERM, a second Ctrl-C) can end every one of them. */
const liveRuns = new Map<string, number>();

/** Pids of processes (other than this one) whose environment carries `marker` (Linux; empty elsewhere). */
export function markedProcesses(marker: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${RUN_MARKER_VARIABLE}=${marker}\0`);
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`).includes(needle)) found.push(Number(name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

function killMarked(marker: string, signal: NodeJS.Signals): void {
  for (const pid of markedProcesses(marker)) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Ends every evaluation process this process started, grandchildren in their own sessions included, at
 * once: for a shutdown that cannot wait (SIGTERM, a second Ctrl-C).
 */
export function killAllRuns(): void {
  for (const [marker, pid] of liveRuns) {
    killTree(pid, 'SIGKILL');
    killMarked(marker, 'SIGKILL');
  }
  liveRuns.clear();
}

export interface RunRequest {
  argv: string[];
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface RunOutcome {
  exitCode: number | null;
  /** The signal that ended the process, when one did. */
  exitSignal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
  /** Set when the process could not be started at all. */
  spawnError: string | null;
  durationMs: number;
}

const MAX_STDOUT = 1024 * 1024;
const MAX_STDERR = 256 * 1024;
/** Time between the polite signal and the forced one. */
const KILL_GRACE_MS = 1500;
/** How long to wait for pipes held open by stray grandchildren after the group was killed. */
const CLOSE_GRACE_MS = 2000;

/** Keeps the last `max` characters: the end of a log is where the error is. */
function tailBuffer(max: number) {
  let text = '';
  return {
    push(chunk: string) {
      text += chunk;
      if (text.length > max * 2) text = text.slice(-max);
    },
    value: () => (text.length > max ? text.slice(-max) : text),
  };
}

/** Signals a whole process group (POSIX) or tree (Windows); a group that is already gone is fine. */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (process.platform === 'win32') {
    execFile('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true }, () => {});
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left to kill.
  }
}

function groupAlive(pid: number): boolean {
  if (process.platform === 'win32') return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function runCommand(request: RunRequest): Promise<RunOutcome> {
  const started = performance.now();
  const [command, ...args] = request.argv;
  return new Promise((resolve) => {
    const stdout = tailBuffer(MAX_STDOUT);
    const stderr = tailBuffer(MAX_STDERR);
    let timedOut = false;
    let cancelled = false;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let settled = false;
    const timers: ReturnType<typeof setTimeout>[] = [];

    if (!command) {
      resolve({
        exitCode: null,
        exitSignal: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        cancelled: false,
        spawnError: 'empty command',
        durationMs: 0,
      });
      return;
    }
    if (request.signal?.aborted) {
      resolve({
        exitCode: null,
        exitSignal: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        cancelled: true,
        spawnError: null,
        durationMs: 0,
      });
      return;
    }

    const marker = randomUUID();
    const child = spawn(command, args, {
      cwd: request.cwd,
      env: { ...(request.env ?? process.env), [RUN_MARKER_VARIABLE]: marker },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group (POSIX), so the group id is the child's pid and one kill reaches every
      // descendant; on Windows taskkill /T walks the tree instead.
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    if (child.pid !== undefined) liveRuns.set(marker, child.pid);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => stdout.push(c));
    child.stderr.on('data', (c: string) => stderr.push(c));

    const finish = (spawnError: string | null) => {
      if (settled) return;
      settled = true;
      liveRuns.delete(marker);
      // Strays that left the group (setsid) end with the run, whatever way it ended.
      killMarked(marker, 'SIGKILL');
      for (const t of timers) clearTimeout(t);
      request.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode,
        exitSignal,
        stdout: stdout.value(),
        stderr: stderr.value(),
        timedOut,
        cancelled,
        spawnError,
        durationMs: performance.now() - started,
      });
    };

    const stop = () => {
      const pid = child.pid;
      if (pid === undefined) return;
      killTree(pid, 'SIGTERM');
      killMarked(marker, 'SIGTERM');
      const t = setTimeout(() => {
        if (groupAlive(pid)) killTree(pid, 'SIGKILL');
        killMarked(marker, 'SIGKILL');
      }, KILL_GRACE_MS);
      t.unref?.();
      timers.push(t);
    };
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout = setTimeout(() => {
      timedOut = true;
      stop();
    }, request.timeoutMs);
    timers.push(timeout);

    child.on('error', (err) =>
      finish((err as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} was not found` : err.message),
    );
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      const pid = child.pid;
      // Whatever the script left running in its group goes with it, so a finished run leaves no orphans.
      if (pid !== undefined && groupAlive(pid)) killTree(pid, 'SIGKILL');
      killMarked(marker, 'SIGKILL');
      const t = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(null);
      }, CLOSE_GRACE_MS);
      timers.push(t);
    });
    child.on('close', () => finish(null));
  });
}

/** The last lines of stderr, for an error message: enough to see the exception, short enough to read. */
export function stderrTail(stderr: string, lines = 20, chars = 4000): string {
  const all = stderr.replace(/\s+$/, '').split(/\r?\n/);
  let tail = all.slice(-lines).join('\n');
  if (tail.length > chars) tail = tail.slice(-chars);
  return tail;
}
