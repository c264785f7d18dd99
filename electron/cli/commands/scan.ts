import type { Command } from 'commander';
import path from 'node:path';
import { formatBytes, plural } from '../../../shared/units';
import type { ScanResult } from '../../../shared/types';
import { redactSecrets, redactValue } from '../../../shared/redact';
import { colorEnabled, colors, createProgressBar, printable, renderTable } from '../terminal';

// Loaded when the command runs: start-up (`--help`) must not pay for the scanner and its schemas.
const scanning = () => import('../../services/evaluate');

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description(
      'List the checkpoints in a folder of training output, with what each holds and what is wrong.',
    )
    .argument('<folder>', 'the workspace folder')
    .option('--json', 'print the scan as JSON on stdout')
    .action(async (folder: string, opts: { json?: boolean }) => {
      const { scanWorkspace } = await scanning();
      const bar = createProgressBar({ label: 'scanning' });
      let result: ScanResult;
      try {
        result = await scanWorkspace(path.resolve(folder), { onProgress: (p) => bar.update(p) });
      } finally {
        bar.done();
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify(redactValue(result), null, 2) + '\n');
        return;
      }
      // File names are the workspace's: a name with escape sequences is shown, not obeyed.
      process.stdout.write(printable(redactSecrets(formatScan(result, colorEnabled()))));
    });
}

/** Parameter counts the way model cards say them: 1.24B, 350M, 7.1K. */
export function formatParameters(n: number | null): string {
  if (n === null) return '—';
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${unit}`;
    }
  }
  return String(n);
}

export function formatScan(result: ScanResult, color = false): string {
  const c = colors(color);
  let out = `${c.bold(result.root)}\n\n`;
  if (result.checkpoints.length === 0) {
    out += 'No checkpoints found.\n';
  } else {
    const rows = result.checkpoints.map((cp) => [
      cp.relPath === '.' ? `${cp.name} (root)` : cp.relPath,
      cp.step === null ? '—' : String(cp.step),
      cp.valid ? c.green('ok') : c.red(plural(cp.problems.length, 'problem')),
      cp.weights.format + (cp.weights.sharded ? ' (sharded)' : ''),
      formatParameters(cp.weights.parameters),
      cp.weights.dtypes.join(',') || '—',
      formatBytes(cp.weights.bytes),
      cp.hasTokenizer ? 'yes' : c.yellow('no'),
    ]);
    out += renderTable(
      ['checkpoint', 'step', 'status', 'weights', 'params', 'dtypes', 'size', 'tokenizer'],
      rows,
      ['left', 'right', 'left', 'left', 'right', 'left', 'right', 'left'],
    );
    const broken = result.checkpoints.filter((cp) => !cp.valid);
    if (broken.length) {
      out += '\nProblems:\n';
      for (const cp of broken) for (const p of cp.problems) out += `  ${cp.relPath}: ${p.message}\n`;
    }
  }
  out += '\n';
  out += `README: ${result.readme ?? 'none'}\n`;
  const missing = result.readmeAssets.filter((a) => !a.exists);
  if (result.readmeAssets.length) {
    out += `  references ${plural(result.readmeAssets.length, 'file')}${missing.length ? c.yellow(`, missing: ${missing.map((a) => a.path).join(', ')}`) : ''}\n`;
  }
  out += `Token file: ${result.tokenFile ? c.yellow(`${result.tokenFile} (present; never read, never published)`) : 'none'}\n`;
  const ev = result.evaluation;
  out += `Evaluation: ${ev.benchmarks.length ? ev.benchmarks.join(', ') : 'no benchmarks found'}${ev.sources.length ? ` (from ${ev.sources.join(', ')})` : ''}${ev.configFile ? `; config ${path.basename(ev.configFile)}` : ''}\n`;
  for (const w of result.warnings) out += c.dim(`note: ${w}`) + '\n';
  return out;
}
