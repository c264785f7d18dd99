/**
 * The Python `huggingface_hub` client the interoperability tests and benchmarks run against the local Hub.
 *
 * `.ci/run` installs it (with `hf_xet`) into `.venv/` at the repository root from the machine's package
 * index; `npm run setup:python` does the same on a developer's machine. Where it is missing the tests skip
 * with the reason, except under `HUB_PUBLISHER_REQUIRE_PYTHON_CLIENT=1` (CI), where they fail instead.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface PythonClient {
  /** The interpreter that can `import huggingface_hub`. */
  python: string;
  /** `huggingface_hub.__version__`. */
  version: string;
  /** Whether `hf_xet` imports too (the client's default upload path). */
  xet: boolean;
}

export type PythonClientProbe =
  { client: PythonClient; skipReason: undefined } | { client: undefined; skipReason: string };

let probed: PythonClientProbe | undefined;

/** Finds the client once per process: `$HUB_PUBLISHER_PYTHON`, then `.venv/bin/python`, then `python3`. */
export function probePythonClient(): PythonClientProbe {
  if (probed) return probed;
  const venv = path.join(
    repoRoot,
    '.venv',
    process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python',
  );
  const python = process.env.HUB_PUBLISHER_PYTHON ?? (existsSync(venv) ? venv : 'python3');
  const run = spawnSync(
    python,
    [
      '-c',
      'import json, importlib.util, huggingface_hub; print(json.dumps([huggingface_hub.__version__, importlib.util.find_spec("hf_xet") is not None]))',
    ],
    { encoding: 'utf8' },
  );
  if (run.status === 0) {
    const [version, xet] = JSON.parse(run.stdout.trim()) as [string, boolean];
    probed = { client: { python, version, xet }, skipReason: undefined };
  } else {
    const why = run.error?.message ?? run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`;
    const skipReason = `Python huggingface_hub client not found (${python}: ${why}). Run \`npm run setup:python\` to install it.`;
    if (process.env.HUB_PUBLISHER_REQUIRE_PYTHON_CLIENT === '1') {
      throw new Error(`${skipReason} HUB_PUBLISHER_REQUIRE_PYTHON_CLIENT=1 says these tests must run here.`);
    }
    console.log(skipReason);
    probed = { client: undefined, skipReason };
  }
  return probed;
}

export interface PythonRun {
  /** The exit code; -1 when the process could not start or was killed (timeout). */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the Python client to its end without blocking this process's event loop: the local Hub usually
 * answers from this same process, so a synchronous spawn would deadlock.
 */
export async function runPython(
  python: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; timeout: number },
): Promise<PythonRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(python, args, {
      ...options,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr || e.message };
  }
}
