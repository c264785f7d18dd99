/**
 * Checkpoint evaluation: a score per checkpoint and benchmark from, in order of preference, the workspace's
 * own per-benchmark scripts, results tools already wrote, and values the user entered; then eval_accuracy
 * and the checkpoint to publish.
 *
 * Each benchmark of each checkpoint is its own process and succeeds or fails on its own, with a reason a
 * user can act on. An aggregate printed by a driver script is never used: drivers tend to skip the
 * benchmarks that fail and average the rest.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  checkpointEvaluation,
  chooseBest,
  DEFAULT_BEST_METRIC,
  evaluationItemId,
  parseScore,
  UnknownSelectionName,
  type BestSelection,
} from '../../../shared/evaluation';
import { redactSecrets } from '../../../shared/redact';
import { AppError } from '../../../shared/result';
import { throttleLatest } from '../../../shared/throttle';
import type {
  BenchmarkError,
  CheckpointInfo,
  EvaluationReport,
  JobItemProgress,
  JobProgress,
  ScanResult,
  ScoreSource,
} from '../../../shared/types';
import { mapFs, mapLimit } from '../scan/limit';
import { scanFolder, type ScanOptions } from '../scan';
import { discoverEvaluationSetup } from './discover';
import { cacheKey, checkpointFingerprint, EvaluationCache, inputsKey } from './cache';
import { loadWorkspaceConfig, type WorkspaceConfig } from './config';
import { BENCHMARKS_DIR, benchmarkList, importedBenchmarks, listBenchmarkScripts } from './discover';
import { loadImportedScores } from './imported';
import { packagesFingerprint, resolveInterpreter, type ResolvedInterpreter } from './interpreters';
import { getManualScores } from './manual';
import { getBestSelection } from './selection';
import { updateBenchmarkTable } from '../../../shared/modelcard/table';
import { readBoundedText } from '../safe-read';
import { filesToUpload } from '../publish/plan';
import { runCommand, stderrTail, type RunOutcome } from './runner';

export { detectInterpreters, probeInterpreter, resolveInterpreter } from './interpreters';
export { getManualScores, setManualScore } from './manual';
export { getBestSelection, setBestSelection } from './selection';
export { loadWorkspaceConfig, WORKSPACE_CONFIG_FILE, type WorkspaceConfig } from './config';
export { discoverEvaluationSetup, listBenchmarkScripts } from './discover';
export { loadImportedScores } from './imported';
export { runCommand, killTree } from './runner';

/** The folder as the scanner sees it, with how it is evaluated (scripts, config, imported results). */
export async function scanWorkspace(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const { resultFiles, ...folder } = await scanFolder(root, options);
  const evaluation = await discoverEvaluationSetup(root, folder.checkpoints, {
    resultFiles,
    warnings: folder.warnings,
    signal: options.signal,
  });
  return { ...folder, evaluation };
}

export interface EvaluateOptions {
  root: string;
  /** The workspace's scan; scanned afresh when omitted. */
  scan?: ScanResult;
  /** The app's data folder: cache and manual scores live there. */
  dataDir: string;
  /** Interpreter path or command name; default: hub-publisher.json's, else the first detected. */
  python?: string;
  /** Runs at once; default: hub-publisher.json's, else the number of cores. */
  concurrency?: number;
  /** Checkpoint names to run; all when omitted. The report always covers every checkpoint. */
  checkpoints?: string[];
  /** Benchmarks to run; all when omitted. */
  benchmarks?: string[];
  /** Use remembered outcomes (default true). False re-runs everything. */
  useCache?: boolean;
  /** Re-run only what failed last time (and what never ran); remembered successes are kept. */
  onlyFailed?: boolean;
  /** Run nothing: report what the cache, imported results and manual scores already say. */
  cacheOnly?: boolean;
  /** Per-run time limit; default: hub-publisher.json's timeoutSeconds, else 30 minutes. */
  timeoutMs?: number;
  /** Extra environment for the scripts. */
  env?: NodeJS.ProcessEnv;
  /**
   * What picks the best (metric, per-benchmark weights over hub-publisher.json's); default: the choice
   * remembered for this workspace in the data folder, else eval_accuracy with the config's weights.
   */
  selection?: Partial<BestSelection>;
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
const PROGRESS_INTERVAL_MS = 100;

interface Task {
  checkpoint: CheckpointInfo;
  benchmark: string;
  argv: string[];
  key: string;
  inputs: string;
  item: JobItemProgress;
}

interface ScriptFolder {
  hash: string;
  /** Compiled extensions near the script, for telling an ABI mismatch from any other import error. */
  extensions: string[];
  scriptExists: boolean;
}

export async function evaluateWorkspace(options: EvaluateOptions): Promise<EvaluationReport> {
  const root = path.resolve(options.root);
  const { signal } = options;
  const scan = options.scan ?? (await scanWorkspace(root, { signal }));
  const { config } = await loadWorkspaceConfig(root);
  const scripts = await listBenchmarkScripts(root);
  const imported = await loadImportedScores(root, scan.checkpoints, scan.evaluation.resultFiles ?? []);
  const manual = await getManualScores(options.dataDir, root);
  const warnings = [...imported.warnings];

  const manualNames = new Set<string>();
  for (const m of Object.values(manual)) for (const b of Object.keys(m)) manualNames.add(b);
  let benchmarks = benchmarkList({ config, file: null }, scripts, importedBenchmarks(imported.scores));
  if (!config?.benchmarks && scripts.size === 0)
    benchmarks = [...new Set([...benchmarks, ...manualNames])].sort();
  const knownMetrics = [
    DEFAULT_BEST_METRIC,
    ...[...new Set([...imported.metrics.values()].flatMap(Object.keys))].sort(),
  ];
  const selection = options.selection ?? (await getBestSelection(options.dataDir, root));
  let metric = selection.metric ?? DEFAULT_BEST_METRIC;
  let chosenWeights = selection.weights ?? {};
  const unknownWeights = Object.keys(chosenWeights).filter((b) => !benchmarks.includes(b));
  if (options.selection) {
    // Asked for now (a flag, the window's control): a name the workspace lacks is refused.
    if (!knownMetrics.includes(metric))
      throw new UnknownSelectionName(
        `Unknown metric ${metric}; the workspace has ${knownMetrics.join(', ')}.`,
      );
    if (unknownWeights.length > 0) {
      throw new UnknownSelectionName(
        `Unknown benchmark${unknownWeights.length > 1 ? 's' : ''} ${unknownWeights.join(', ')} in the weights; the workspace has ${benchmarks.join(', ') || 'none'}.`,
      );
    }
  } else {
    // Remembered from an earlier run: the workspace may have changed since; it still evaluates, and says so.
    if (!knownMetrics.includes(metric)) {
      warnings.push(
        `The best was chosen by ${metric} before, which no checkpoint carries now; chose by ${DEFAULT_BEST_METRIC} instead.`,
      );
      metric = DEFAULT_BEST_METRIC;
    }
    chosenWeights = Object.fromEntries(Object.entries(chosenWeights).filter(([b]) => benchmarks.includes(b)));
  }
  const weights = { ...config?.weights, ...chosenWeights };

  const runCheckpoints = select(
    'checkpoint',
    options.checkpoints,
    scan.checkpoints.map((c) => c.name),
  );
  const runBenchmarks = select('benchmark', options.benchmarks, benchmarks);

  // Which benchmarks are scored by running something.
  const scripted = benchmarks.filter((b) => scripts.has(b) || config?.command !== undefined);
  const needsPython = scripted.length > 0 && !options.cacheOnly;
  // A read that runs nothing matches remembered outcomes on the workspace's inputs alone (cache.latest), so it
  // does not look for an interpreter: behind pyenv shims that is hundreds of process starts.
  const interpreter =
    scripted.length > 0 && !options.cacheOnly
      ? await resolveInterpreter(root, options.python ?? pythonFromConfig(config, root), {
          ...process.env,
          ...options.env,
        })
      : null;

  const interpreterKey = interpreter
    ? `${interpreter.executable}\0${interpreter.version}\0${await packagesFingerprint(interpreter)}`
    : '';
  const folders = new Map<string, ScriptFolder>();
  await Promise.all(scripted.map(async (b) => folders.set(b, await scriptFolder(root, b))));
  const cache = await EvaluationCache.open(options.dataDir, root);
  const useCache = options.useCache ?? true;
  const timeoutMs =
    options.timeoutMs ?? (config?.timeoutSeconds ? config.timeoutSeconds * 1000 : DEFAULT_TIMEOUT_MS);
  const concurrency = Math.max(1, options.concurrency ?? config?.concurrency ?? os.availableParallelism());

  // Whatever the scripts print is kept (cache, report, job values): tokens in it are masked first.
  const secrets = knownSecrets({ ...process.env, ...options.env });
  const scriptScores = new Map<string, number>();
  const scriptErrors = new Map<string, BenchmarkError>();
  const items: JobItemProgress[] = [];
  const tasks: Task[] = [];

  for (const c of scan.checkpoints) {
    const fingerprint = checkpointFingerprint(c);
    for (const b of scripted) {
      const id = evaluationItemId(c.name, b);
      const item: JobItemProgress = { id, label: `${c.name} · ${b}`, done: 0, total: 1, state: 'pending' };
      const folder = folders.get(b);
      const argv = commandFor(config, interpreter, root, c, b);
      const workspaceParts = { checkpoint: c.name, fingerprint, benchmark: b, scripts: folder?.hash ?? '' };
      const key = cacheKey({ ...workspaceParts, argv, interpreter: interpreterKey });
      const inputs = inputsKey(workspaceParts);
      const cached = !useCache
        ? null
        : options.cacheOnly
          ? cache.latest(c.name, b, inputs)
          : cache.get(c.name, b, key, timeoutMs);
      const wanted = runCheckpoints.has(c.name) && runBenchmarks.has(b);
      const record = (score: number | null, error: BenchmarkError | null) => {
        if (score !== null) scriptScores.set(id, score);
        if (error) scriptErrors.set(id, error);
      };

      if (cached && !(options.onlyFailed && cached.error && wanted && !options.cacheOnly)) {
        // Entries written by older versions may hold unmasked output.
        const safe = redactResult({ score: cached.score, error: cached.error }, secrets);
        record(safe.score, safe.error);
        Object.assign(item, {
          done: 1,
          state: cached.error ? 'failed' : 'done',
          message: 'remembered',
          ...(safe.score !== null ? { score: safe.score } : {}),
        });
      } else if (!wanted || options.cacheOnly) {
        Object.assign(item, {
          state: 'skipped',
          message: options.cacheOnly ? 'not run yet' : 'not selected',
        });
      } else if (!c.valid) {
        Object.assign(item, {
          state: 'skipped',
          message: `not run: ${c.problems[0]?.message ?? 'the checkpoint is invalid'}`,
        });
      } else if (config?.command === undefined && !folder?.scriptExists) {
        record(null, {
          kind: 'missing-script',
          message: `No script for ${b}: expected ${BENCHMARKS_DIR}/${b}/eval.py (or a "command" in hub-publisher.json).`,
          exitCode: null,
          stderrTail: '',
        });
        Object.assign(item, { done: 1, state: 'failed', message: 'missing script' });
      } else if (!interpreter) {
        record(null, {
          kind: 'spawn',
          message:
            'No Python interpreter found (no .venv in the workspace, no active conda environment, no python3 on PATH). Install Python 3 or choose an interpreter.',
          exitCode: null,
          stderrTail: '',
        });
        Object.assign(item, { done: 1, state: 'failed', message: 'no interpreter' });
      } else {
        tasks.push({ checkpoint: c, benchmark: b, argv, key, inputs, item });
      }
      items.push(item);
    }
  }

  // Snapshots of every item are built at most every PROGRESS_INTERVAL_MS: with thousands of runs, one per
  // state change would cost more than the runs themselves.
  let lastMessage: string | undefined;
  const progress = throttleLatest<null>(() => {
    if (!options.onProgress) return;
    let done = 0;
    let total = 0;
    for (const i of items) {
      if (i.state === 'done' || i.state === 'failed') done++;
      if (i.state !== 'skipped') total++;
    }
    options.onProgress({
      phase: 'evaluate',
      done,
      total,
      unit: 'items',
      ...(lastMessage ? { message: lastMessage } : {}),
      items: items.map((i) => ({ ...i })),
    });
  }, PROGRESS_INTERVAL_MS);
  const emit = (message?: string) => {
    if (!options.onProgress) return;
    if (message) lastMessage = message;
    progress.push(null);
  };
  emit(
    tasks.length ? `Running ${tasks.length} benchmark run${tasks.length === 1 ? '' : 's'}` : 'Nothing to run',
  );

  const env = scriptEnvironment({ ...process.env, ...options.env }, config?.passHubToken === true);
  // What each checkpoint's files were before its scripts ran, to tell which files a script changed.
  const before = new Map(
    await Promise.all(
      [...new Map(tasks.map((t) => [t.checkpoint.name, t.checkpoint])).values()].map(
        async (c) => [c.name, await fileStates(c)] as const,
      ),
    ),
  );
  let cancelled = false;
  await mapLimit(tasks, concurrency, async (task) => {
    if (signal?.aborted) {
      cancelled = true;
      Object.assign(task.item, { state: 'skipped', message: 'cancelled' });
      return;
    }
    Object.assign(task.item, { state: 'running', message: undefined });
    emit(`${task.checkpoint.name} · ${task.benchmark}`);
    const outcome = await runCommand({ argv: task.argv, cwd: root, timeoutMs, signal, env });
    let result = redactResult(
      classify(outcome, task, interpreter as ResolvedInterpreter, folders.get(task.benchmark), timeoutMs),
      secrets,
    );
    // Hub Publisher never writes into a checkpoint; a script that does is reported, not trusted.
    const changed = changedFiles(before.get(task.checkpoint.name), await fileStates(task.checkpoint));
    if (changed.length > 0 && result.error?.kind !== 'cancelled') {
      result = {
        score: null,
        error: {
          kind: 'changed-files',
          message: redactSecrets(
            `${BENCHMARKS_DIR}/${task.benchmark}/eval.py changed files of ${task.checkpoint.name} while it ran: ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ` and ${changed.length - 5} more` : ''}. Its score is not used: an evaluation must only read the checkpoint. Fix the script (or copy the checkpoint before evaluating), then run it again.`,
            secrets,
          ),
          exitCode: outcome.exitCode,
          stderrTail: '',
        },
      };
    }
    const id = task.item.id;
    if (result.error?.kind === 'cancelled') {
      cancelled = true;
      Object.assign(task.item, { state: 'skipped', message: 'cancelled' });
      emit();
      return;
    }
    if (result.score !== null) scriptScores.set(id, result.score);
    if (result.error) scriptErrors.set(id, result.error);
    // A failure to start says nothing about the checkpoint, so it is not remembered.
    if (result.error?.kind !== 'spawn') {
      cache.set({
        key: task.key,
        inputs: task.inputs,
        checkpoint: task.checkpoint.name,
        benchmark: task.benchmark,
        score: result.score,
        error: result.error,
        at: new Date().toISOString(),
        durationMs: Math.round(outcome.durationMs),
        ...(result.error?.kind === 'timeout' ? { timeoutMs } : {}),
      });
    }
    Object.assign(task.item, {
      done: 1,
      state: result.error ? 'failed' : 'done',
      message: result.error
        ? result.error.message
        : `score ${result.score}${result.note ? ` (${result.note})` : ''}`,
      ...(result.score !== null && !result.error ? { score: result.score } : {}),
    });
    emit();
  });
  progress.flush();
  await cache.save();
  if (cancelled || signal?.aborted)
    throw new AppError('CANCELLED', 'Evaluation cancelled; every process it started was stopped.');

  const rows = scan.checkpoints.map((c) => {
    const scores: Record<string, number> = {};
    const errors: Record<string, BenchmarkError> = {};
    const sources: Record<string, ScoreSource> = {};
    for (const b of benchmarks) {
      const id = evaluationItemId(c.name, b);
      const s = scriptScores.get(id);
      const e = scriptErrors.get(id);
      if (e) errors[b] = e;
      if (s !== undefined) {
        scores[b] = s;
        sources[b] = 'script';
        continue;
      }
      const imp = imported.scores.get(c.name)?.get(b);
      if (imp) {
        scores[b] = imp.score;
        sources[b] = imp.source;
        continue;
      }
      const m = manual[c.name]?.[b];
      if (typeof m === 'number') {
        scores[b] = m;
        sources[b] = 'manual';
      } else if (!scripted.includes(b) && config?.benchmarks?.includes(b) && !e) {
        // Configured, but nothing can score it: say where the script was expected.
        errors[b] = {
          kind: 'missing-script',
          message: `No script for ${b}: expected ${BENCHMARKS_DIR}/${b}/eval.py (or a "command" in hub-publisher.json), and no imported or manual score.`,
          exitCode: null,
          stderrTail: '',
        };
      }
    }
    const row = checkpointEvaluation({
      name: c.name,
      step: c.step,
      benchmarks,
      scores,
      errors,
      sources,
      weights,
    });
    const metrics = imported.metrics.get(c.name);
    return metrics ? { ...row, metrics } : row;
  });
  const choice = chooseBest(rows, { metric });
  let bestReason = choice.reason;
  if (benchmarks.length === 0 && rows.length > 0) {
    bestReason =
      'No benchmarks found: add evaluation/benchmarks/<name>/eval.py scripts or a hub-publisher.json, keep the results your tools wrote (trainer_state.json, eval_results.json, lm-evaluation-harness or lighteval results), or enter scores by hand.';
  }
  if (imported.trainerBest && choice.best !== imported.trainerBest) {
    bestReason += ` (The trainer's best_model_checkpoint was ${imported.trainerBest}.)`;
  }
  if (needsPython && !interpreter)
    warnings.push('No Python interpreter found; the workspace scripts could not run.');

  return {
    benchmarks,
    checkpoints: rows,
    best: choice.best,
    bestReason,
    ...(Object.keys(weights).length > 0 ? { weights } : {}),
    metric,
    metrics: knownMetrics,
    labels: await readmeLabels(scan.readme, benchmarks),
    publishBytes: publishBytes(scan.checkpoints),
    interpreter: interpreter
      ? { path: interpreter.path, version: interpreter.version, origin: interpreter.origin }
      : null,
    trainerBest: imported.trainerBest,
    warnings,
  };
}

/** What a publish would upload of each checkpoint, counted as the publish plan selects its files. */
function publishBytes(checkpoints: readonly CheckpointInfo[]): Record<string, number> {
  const bytes: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const c of checkpoints) {
    const uploaded = new Set(filesToUpload(c));
    bytes[c.name] = c.files
      .filter((f) => uploaded.has(path.join(c.path, ...f.path.split('/'))))
      .reduce((sum, f) => sum + f.bytes, 0);
  }
  return bytes;
}

const MAX_README_BYTES = 4 * 1024 * 1024;

/**
 * How the README's benchmark table names each benchmark ("GSM8K", "HumanEval"), so the window shows the
 * author's labels rather than a guess at capitalisation. Markdown emphasis around a label is dropped.
 */
async function readmeLabels(readme: string | null, benchmarks: string[]): Promise<Record<string, string>> {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!readme || benchmarks.length === 0) return labels;
  let text: string | null = null;
  try {
    text = await readBoundedText(readme, { maxBytes: MAX_README_BYTES, label: 'README.md' });
  } catch {
    return labels; // the card screen reports an unreadable README; labels fall back to the names
  }
  if (!text) return labels;
  const { report } = updateBenchmarkTable(text, {}, { benchmarks });
  for (const row of report.matchedRows) {
    const label = row.label.replace(/^[*_`\s]+|[*_`\s]+$/g, '');
    if (label && !(row.benchmark in labels)) labels[row.benchmark] = label;
  }
  return labels;
}

function select(what: string, requested: string[] | undefined, known: string[]): Set<string> {
  if (!requested) return new Set(known);
  const unknown = requested.filter((r) => !known.includes(r));
  if (unknown.length > 0) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `Unknown ${what}${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the workspace has ${known.join(', ') || 'none'}.`,
    );
  }
  return new Set(requested);
}

function pythonFromConfig(config: WorkspaceConfig | null, root: string): string | undefined {
  if (!config?.python) return undefined;
  return /[\\/]/.test(config.python) && !path.isAbsolute(config.python)
    ? path.resolve(root, config.python)
    : config.python;
}

function commandFor(
  config: WorkspaceConfig | null,
  interpreter: ResolvedInterpreter | null,
  root: string,
  c: CheckpointInfo,
  b: string,
): string[] {
  const script = `${BENCHMARKS_DIR}/${b}/eval.py`;
  const python = interpreter?.executable ?? 'python3';
  if (!config?.command) return [python, script, c.path];
  const values: Record<string, string> = {
    python,
    script,
    benchmark: b,
    checkpoint: c.path,
    checkpoint_rel: c.relPath,
    checkpoint_name: c.name,
    root,
  };
  return config.command.map((arg) => arg.replace(/\{([a-z_]+)\}/g, (m, k: string) => values[k] ?? m));
}

/** Hash of everything a benchmark's result depends on in the evaluation folder. */
async function scriptFolder(root: string, benchmark: string): Promise<ScriptFolder> {
  const h = createHash('sha256');
  const extensions: string[] = [];
  const dir = path.join(root, 'evaluation', 'benchmarks', benchmark);
  let scriptExists = false;
  const addFiles = async (folder: string, recursive: boolean, depth = 0) => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const file = path.join(folder, e.name);
      if (e.isDirectory()) {
        if (recursive && depth < 4 && e.name !== '__pycache__' && !e.name.startsWith('.'))
          await addFiles(file, true, depth + 1);
        continue;
      }
      if (!e.isFile()) continue;
      if (/\.(so|pyd)$/i.test(e.name)) extensions.push(e.name);
      const s = await stat(file).catch(() => null);
      if (!s) continue;
      h.update(`${path.relative(root, file)}\0${s.size}\0`);
      // Small files by content, so a re-saved but unchanged script stays cached; big ones by size and time.
      if (s.size <= 4 * 1024 * 1024) h.update(await readFile(file).catch(() => Buffer.alloc(0)));
      else h.update(String(s.mtimeMs));
      if (folder === dir && e.name === 'eval.py') scriptExists = true;
    }
  };
  await addFiles(dir, true);
  // Shared helpers next to the benchmarks folder (evaluation/*.py) are imported by many scripts.
  await addFiles(path.join(root, 'evaluation'), false);
  return { hash: h.digest('hex'), extensions, scriptExists };
}

const TAGGED_EXTENSION =
  /^(?<stem>[^.]+)\.(?:cpython-(?<major>\d)(?<minor>\d+)[a-z]*-[^.]*|cp(?<wmajor>\d)(?<wminor>\d+)-[^.]*)\.(?:so|pyd)$/i;

/**
 * A compiled extension next to the script built for another Python than the one running it, e.g.
 * `fastmetric.cpython-313-x86_64-linux-gnu.so` under Python 3.11. Returns the Python it needs.
 */
export function abiMismatch(
  extensions: string[],
  interpreter: { abiTag: string | null; version: string },
): { file: string; needs: string } | null {
  const current = interpreter.abiTag ?? `cpython-${interpreter.version.split('.').slice(0, 2).join('')}`;
  const byStem = new Map<string, { file: string; tag: string; version: string }[]>();
  for (const file of extensions) {
    const m = TAGGED_EXTENSION.exec(file);
    if (!m?.groups) continue;
    const major = m.groups.major ?? m.groups.wmajor ?? '';
    const minor = m.groups.minor ?? m.groups.wminor ?? '';
    const list = byStem.get(m.groups.stem ?? '') ?? [];
    list.push({ file, tag: `cpython-${major}${minor}`, version: `${major}.${minor}` });
    byStem.set(m.groups.stem ?? '', list);
  }
  for (const list of byStem.values()) {
    if (list.some((e) => e.tag === current)) continue;
    const first = list[0];
    if (first) return { file: first.file, needs: `python${first.version}` };
  }
  return null;
}

function classify(
  outcome: RunOutcome,
  task: Task,
  interpreter: ResolvedInterpreter,
  folder: ScriptFolder | undefined,
  timeoutMs: number,
): ClassifiedRun {
  const tail = stderrTail(outcome.stderr);
  const lastLine =
    tail
      .split('\n')
      .filter((l) => l.trim())
      .pop()
      ?.trim() ?? '';
  const fail = (kind: BenchmarkError['kind'], message: string, extra: Partial<BenchmarkError> = {}) => ({
    score: null,
    error: { kind, message, exitCode: outcome.exitCode, stderrTail: tail, ...extra },
  });
  const script = `${BENCHMARKS_DIR}/${task.benchmark}/eval.py`;
  if (outcome.cancelled) return fail('cancelled', 'Cancelled.');
  if (outcome.spawnError) return fail('spawn', `Could not start ${task.argv[0]}: ${outcome.spawnError}.`);
  if (outcome.timedOut) {
    return fail(
      'timeout',
      `${script} did not finish within ${formatSeconds(timeoutMs)} and was stopped with every process it started. Raise "timeoutSeconds" in hub-publisher.json if it needs longer.`,
    );
  }
  if (outcome.exitCode !== 0) {
    const how =
      outcome.exitCode === null
        ? `was killed by ${outcome.exitSignal ?? 'a signal'}`
        : `exited with code ${outcome.exitCode}`;
    const mismatch = folder ? abiMismatch(folder.extensions, interpreter) : null;
    if (mismatch && /ImportError|ModuleNotFoundError|undefined symbol|_Py|\bimport\b/i.test(outcome.stderr)) {
      return fail(
        'abi-mismatch',
        `${mismatch.file} is compiled for ${mismatch.needs.replace('python', 'Python ')}, but the interpreter is Python ${interpreter.version} (${interpreter.path}). Choose a ${mismatch.needs} interpreter or rebuild the extension for this one.`,
        { needsInterpreter: mismatch.needs },
      );
    }
    return fail('exit', `${script} ${how}${lastLine ? `: ${lastLine}` : ' without an error message'}.`);
  }
  const parsed = parseScore(outcome.stdout);
  if (parsed === null) {
    const last = outcome.stdout.trim().split(/\r?\n/).pop()?.trim() ?? '';
    return fail(
      'unparsable',
      `${script} printed no score${last ? ` (its last line was "${JSON.stringify(last.slice(0, 120)).slice(1, -1)}")` : ' (its output was empty)'}. Print the score alone on the last line (e.g. "accuracy: 0.734" or 0.734), or {"score": x}.`,
    );
  }
  if (parsed.outOfRange) {
    return fail(
      'out-of-range',
      `${script} printed ${parsed.percent ? `${+(parsed.score * 100).toPrecision(6)}%` : parsed.score}, outside the range [0, 1] a score must be in, so it is not used. If it is a percentage, print it with a % sign (e.g. 87.5%) and it is read as one; otherwise enter the score by hand.`,
    );
  }
  return { score: parsed.score, error: null, note: parsed.percent ? 'read as a percentage' : undefined };
}

interface ClassifiedRun {
  score: number | null;
  error: BenchmarkError | null;
  /** Said next to the score (e.g. it was printed as a percentage). */
  note?: string;
}

/** Variables holding a Hub token, as the Hugging Face clients read them. */
const TOKEN_VARIABLES = ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HUGGINGFACE_TOKEN', 'HF_API_TOKEN'];

/** Tokens in the environment, to be masked wherever script output is kept even if not hf_-shaped. */
function knownSecrets(env: NodeJS.ProcessEnv): string[] {
  return TOKEN_VARIABLES.map((v) => env[v]?.trim() ?? '').filter((t) => t.length >= 8);
}

/**
 * The scripts' environment: the app's, without the Hub token unless hub-publisher.json sets
 * "passHubToken" (a script has no business with the account that publishes).
 */
export function scriptEnvironment(env: NodeJS.ProcessEnv, passHubToken: boolean): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
  if (!passHubToken) for (const v of TOKEN_VARIABLES) delete out[v];
  return out;
}

function redactResult(result: ClassifiedRun, secrets: string[]): ClassifiedRun {
  if (!result.error) return result;
  return {
    ...result,
    error: {
      ...result.error,
      message: redactSecrets(result.error.message, secrets),
      stderrTail: redactSecrets(result.error.stderrTail, secrets),
    },
  };
}

type FileStates = Map<string, string>;

/** What a checkpoint's files are now (size, mtime, ctime, inode): any write moves ctime. */
async function fileStates(c: CheckpointInfo): Promise<FileStates> {
  const states: FileStates = new Map();
  // Thousands of stats: mapFs makes them synchronously in short slices (see there).
  await mapFs(c.files, async (f, fs) => {
    let s;
    try {
      s = await fs.stat(path.join(c.path, ...f.path.split('/')));
    } catch {
      s = undefined;
    }
    states.set(f.path, s ? `${s.size}\0${s.mtimeMs}\0${s.ctimeMs}\0${s.ino}` : 'gone');
  });
  const top = await readdir(c.path).catch(() => [] as string[]);
  for (const name of top)
    if (!states.has(name) && !c.files.some((f) => f.path.startsWith(`${name}/`))) states.set(name, 'new');
  return states;
}

function changedFiles(before: FileStates | undefined, after: FileStates): string[] {
  if (!before) return [];
  const changed: string[] = [];
  for (const [file, state] of after) {
    const was = before.get(file);
    if (state === 'new' ? was === undefined : was !== state) changed.push(file);
  }
  return changed.sort();
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s < 60
    ? `${+s.toFixed(2)} s`
    : s < 3600
      ? `${+(s / 60).toFixed(1)} min`
      : `${+(s / 3600).toFixed(1)} h`;
}
