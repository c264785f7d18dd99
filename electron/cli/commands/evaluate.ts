import { InvalidArgumentError, type Command } from 'commander';
import path from 'node:path';
import { formatScore } from '../../../shared/format';
import { isPrototypeKey } from '../../../shared/prototype-keys';
import { plural } from '../../../shared/units';
import type { EvaluationReport, ScoreSource } from '../../../shared/types';
import type { BestSelection } from '../../../shared/evaluation';
import { defaultDataDir } from '../../services/app-data';
import { redactSecrets, redactValue } from '../../../shared/redact';
import {
  abortOnInterrupt,
  colorEnabled,
  colors,
  createProgressBar,
  printable,
  renderTable,
} from '../terminal';

// Loaded when the command runs: start-up (`--help`) must not pay for the evaluation services and their schemas.
const evaluation = () => import('../../services/evaluate');

interface EvaluateCliOptions {
  json?: boolean;
  python?: string;
  concurrency?: number;
  cache: boolean;
  onlyFailed?: boolean;
  timeout?: number;
  checkpoint?: string[];
  benchmark?: string[];
  setScore?: ManualEntry[];
  clearScore?: ManualEntry[];
  metric?: string;
  weight?: Record<string, number>;
}

/** `mmlu=2`: one benchmark's weight in eval_accuracy's mean (0 leaves it out). */
export function parseWeight(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const m = /^(.+)=(.+)$/.exec(value);
  const weight = m ? Number(m[2]) : NaN;
  if (!m || !Number.isFinite(weight) || weight < 0)
    throw new InvalidArgumentError('expected <benchmark>=<weight of 0 or more>, e.g. mmlu=2');
  return { ...previous, [m[1] as string]: weight };
}

/**
 * What picks the best this run: the flags over the choice remembered for the workspace (the window's);
 * undefined without flags, so the remembered choice applies as it is.
 */
export async function selectionFromFlags(
  dataDir: string,
  root: string,
  opts: { metric?: string; weight?: Record<string, number> },
): Promise<BestSelection | undefined> {
  if (opts.metric === undefined && opts.weight === undefined) return undefined;
  const { getBestSelection } = await evaluation();
  const remembered = await getBestSelection(dataDir, root);
  return {
    metric: opts.metric ?? remembered.metric,
    weights: { ...remembered.weights, ...opts.weight },
  };
}

interface ManualEntry {
  checkpoint: string;
  benchmark: string;
  score: number | null;
}

/** `step_200:mmlu=0.61` (set) or `step_200:mmlu` (clear); the checkpoint may itself contain colons. */
export function parseManualEntry(value: string, withScore: boolean): ManualEntry {
  const m = withScore ? /^(.+):([^:=]+)=(.+)$/.exec(value) : /^(.+):([^:=]+)$/.exec(value);
  const score = withScore && m ? Number(m[3]) : null;
  if (!m || (withScore && !Number.isFinite(score))) {
    throw new InvalidArgumentError(
      withScore
        ? 'expected <checkpoint>:<benchmark>=<score>, e.g. step_200:mmlu=0.61'
        : 'expected <checkpoint>:<benchmark>',
    );
  }
  return { checkpoint: m[1] as string, benchmark: m[2] as string, score };
}

/**
 * Why manual entries name something the workspace does not have, listing the names it has; null when
 * they are all known. A workspace without any benchmark takes new names (scores by hand are its only
 * way to have any).
 */
export function unknownNames(
  entries: readonly ManualEntry[],
  checkpoints: readonly string[],
  benchmarks: readonly string[],
): string | null {
  const reserved = entries.flatMap((e) => [e.checkpoint, e.benchmark]).find(isPrototypeKey);
  if (reserved !== undefined)
    return `"${reserved}" is a reserved name (__proto__, prototype, constructor) and cannot hold a score; rename the checkpoint or benchmark. Nothing was stored.`;
  const problems: string[] = [];
  const badCheckpoints = [
    ...new Set(entries.map((e) => e.checkpoint).filter((c) => !checkpoints.includes(c))),
  ];
  if (badCheckpoints.length > 0)
    problems.push(
      `Unknown checkpoint${badCheckpoints.length > 1 ? 's' : ''} ${badCheckpoints.join(', ')}; the workspace has ${checkpoints.join(', ') || 'no checkpoints'}.`,
    );
  const badBenchmarks =
    benchmarks.length === 0
      ? []
      : [...new Set(entries.map((e) => e.benchmark).filter((b) => !benchmarks.includes(b)))];
  if (badBenchmarks.length > 0)
    problems.push(
      `Unknown benchmark${badBenchmarks.length > 1 ? 's' : ''} ${badBenchmarks.join(', ')}; the workspace has ${benchmarks.join(', ')}.`,
    );
  return problems.length > 0 ? `${problems.join(' ')} Nothing was stored.` : null;
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1.');
  return n;
};
const positiveNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number of seconds above 0.');
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      "Score every checkpoint on the workspace's benchmarks (its own scripts, results tools wrote, manual scores) and pick the best.",
    )
    .argument('<folder>', 'the workspace folder')
    .option('--json', 'print the report as JSON on stdout')
    .option('--python <interpreter>', 'the Python to run the scripts with (path or command name)')
    .option('--concurrency <n>', 'runs at once (default: the number of cores)', positiveInt)
    .option('--no-cache', 'run everything again instead of reusing remembered results')
    .option('--only-failed', 're-run only the benchmarks that failed last time')
    .option('--timeout <seconds>', 'time limit per run', positiveNumber)
    .option('--checkpoint <name>', 'run only this checkpoint (repeatable)', collect)
    .option('--benchmark <name>', 'run only this benchmark (repeatable)', collect)
    .option(
      '--set-score <checkpoint:benchmark=score>',
      'store a score entered by hand, marked manual (repeatable)',
      (v: string, prev: ManualEntry[] = []) => [...prev, parseManualEntry(v, true)],
    )
    .option(
      '--clear-score <checkpoint:benchmark>',
      'remove a manual score (repeatable)',
      (v: string, prev: ManualEntry[] = []) => [...prev, parseManualEntry(v, false)],
    )
    .option(
      '--metric <name>',
      'pick the best by this metric: eval_accuracy (default) or one the checkpoints carry, e.g. eval_loss (lower is better)',
    )
    .option(
      '--weight <benchmark=weight>',
      "a benchmark's weight in eval_accuracy (default 1, 0 leaves it out; repeatable)",
      parseWeight,
    )
    .action(async (folder: string, opts: EvaluateCliOptions) => {
      const { evaluateWorkspace, getManualScores, scanWorkspace, setManualScore } = await evaluation();
      const root = path.resolve(folder);
      const dataDir = defaultDataDir();
      const entries = [...(opts.setScore ?? []), ...(opts.clearScore ?? [])];
      if (entries.length > 0) {
        const scan = await scanWorkspace(root);
        const manual = await getManualScores(dataDir, root);
        const benchmarks = new Set(scan.evaluation.benchmarks);
        for (const scores of Object.values(manual)) for (const b of Object.keys(scores)) benchmarks.add(b);
        const problem = unknownNames(
          entries,
          scan.checkpoints.map((c) => c.name),
          [...benchmarks],
        );
        if (problem) {
          // A typo would otherwise store a score nothing ever reads: a usage error, nothing stored.
          process.stderr.write(`hub-publisher: ${printable(problem)}\n`);
          process.exitCode = 2;
          return;
        }
      }
      for (const e of entries) {
        await setManualScore(dataDir, root, e.checkpoint, e.benchmark, e.score);
      }
      const controller = new AbortController();
      const release = abortOnInterrupt(controller);
      const bar = createProgressBar({ label: 'evaluating' });
      let report: EvaluationReport;
      try {
        report = await evaluateWorkspace({
          root,
          dataDir,
          // A path typed on the command line is relative to where the user is, not to the workspace.
          ...(opts.python
            ? { python: /[\\/]/.test(opts.python) ? path.resolve(opts.python) : opts.python }
            : {}),
          ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
          ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}),
          ...(opts.checkpoint ? { checkpoints: opts.checkpoint } : {}),
          ...(opts.benchmark ? { benchmarks: opts.benchmark } : {}),
          useCache: opts.cache,
          onlyFailed: opts.onlyFailed ?? false,
          selection: await selectionFromFlags(dataDir, root, opts),
          signal: controller.signal,
          onProgress: (p) => bar.update(p),
        });
      } finally {
        bar.done();
        release();
      }
      // Script output is in the report: masked and made inert before it reaches the terminal or a pipe.
      const secrets = [process.env.HF_TOKEN];
      if (opts.json) {
        process.stdout.write(JSON.stringify(redactValue(report, secrets), null, 2) + '\n');
        return;
      }
      process.stdout.write(printable(redactSecrets(formatReport(report, colorEnabled()), secrets)));
    });
}

const SOURCE_MARK: Record<ScoreSource, string> = {
  script: '',
  'trainer-state': 't',
  'eval-results': 'r',
  'lm-eval-harness': 'h',
  lighteval: 'l',
  manual: 'm',
};

export function formatReport(report: EvaluationReport, color = false): string {
  const c = colors(color);
  let out = '';
  if (report.interpreter)
    out += c.dim(`Python ${report.interpreter.version} (${report.interpreter.path})`) + '\n\n';
  if (report.checkpoints.length === 0) return out + 'No checkpoints found.\n';
  if (report.benchmarks.length === 0) {
    out +=
      'No benchmarks found: add evaluation/benchmarks/<name>/eval.py scripts, a hub-publisher.json, or results files.\n';
  }
  const rows = report.checkpoints.map((cp) => {
    const cells = report.benchmarks.map((b) => {
      const score = cp.scores[b];
      if (score !== undefined)
        return (
          formatScore(score) +
          (SOURCE_MARK[cp.sources[b] ?? 'script'] ? ` ${SOURCE_MARK[cp.sources[b] ?? 'script']}` : '')
        );
      const err = cp.errors[b];
      return err
        ? c.red(err.kind === 'abi-mismatch' ? 'abi' : err.kind === 'missing-script' ? 'missing' : err.kind)
        : '—';
    });
    const acc = cp.evalAccuracy === null ? '—' : formatScore(cp.evalAccuracy);
    const name = cp.name === report.best ? c.bold(`${cp.name} *`) : cp.name;
    return [
      name,
      cp.step === null ? '—' : String(cp.step),
      ...cells,
      cp.name === report.best ? c.bold(acc) : acc,
    ];
  });
  out += renderTable(['checkpoint', 'step', ...report.benchmarks, 'eval_accuracy'], rows, [
    'left',
    'right',
    ...report.benchmarks.map(() => 'right' as const),
    'right',
  ]);
  const marks = new Set(
    report.checkpoints.flatMap((cp) => Object.values(cp.sources)).filter((s) => SOURCE_MARK[s]),
  );
  if (marks.size) {
    out +=
      c.dim(
        `sources: ${[...marks].map((s) => `${SOURCE_MARK[s]} = ${s}`).join(', ')}; unmarked = workspace script`,
      ) + '\n';
  }

  const failures = report.checkpoints.flatMap((cp) =>
    Object.entries(cp.errors).map(([b, e]) => ({ cp, b, e })),
  );
  if (failures.length) {
    out += `\n${plural(failures.length, 'failed run')}:\n`;
    for (const { cp, b, e } of failures) {
      out += `  ${cp.name} · ${b}: ${c.red(e.message)}${e.exitCode !== null ? ` [exit ${e.exitCode}]` : ''}\n`;
      const tail = e.stderrTail
        .split('\n')
        .filter((l) => l.trim())
        .slice(-4);
      for (const l of tail) out += c.dim(`      ${l}`) + '\n';
    }
  }
  out += `\n${report.best ? c.green(`Best: ${report.best}`) : c.yellow('Best: none')} — ${report.bestReason}\n`;
  for (const w of report.warnings ?? []) out += c.dim(`note: ${w}`) + '\n';
  return out;
}
