/**
 * Terminal output for the CLI commands: a progress bar on stderr (only when stderr is a terminal, so pipes
 * and CI logs stay clean), aligned tables, and a little colour that honours NO_COLOR. Reused by `scan`,
 * `evaluate` and `publish`; everything takes the stream explicitly so tests can pass their own.
 */
import { formatBytes, formatDuration, formatRate } from '../../shared/units';
import type { JobProgress } from '../../shared/types';
import { killAllRuns } from '../services/evaluate/runner';

export interface OutputStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/** Whether to draw live progress on this stream. */
export function isInteractive(
  stream: OutputStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb' && !env.CI;
}

export function colorEnabled(
  stream: OutputStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export interface Colors {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
}

export function colors(enabled: boolean): Colors {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
  };
}

/**
 * Text from the workspace (file names, script output, error messages quoting them) made safe for a
 * terminal: control characters are shown as `\x1b`-style escapes instead of moving the cursor, setting
 * the window title or clearing the screen. Newlines, tabs and plain colour codes (`ESC[…m`, which only
 * recolour, as our own output does) stay.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]{0,12}m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) =>
    c.length > 1 ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** Visible width: escape sequences take no room. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

export type Align = 'left' | 'right';

/**
 * Rows as aligned columns. Numbers read best right-aligned: pass `align` per column. The header is
 * underlined with dashes so the table survives copy-paste into an issue.
 */
export function renderTable(header: string[], rows: string[][], align: Align[] = []): string {
  const widths = header.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(cell)));
        return align[i] === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .replace(/\s+$/, '');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export interface ProgressBar {
  /** Redraws with the latest progress (throttled). */
  update(progress: JobProgress): void;
  /** Clears the bar; prints `message` on its own line when given. */
  done(message?: string): void;
}

/** What an upload sent and did not need to send (Xet dedup, unchanged files): ` (sent 12 MB, 1.0 GB on the Hub)`. */
function transferText(progress: JobProgress): string {
  const t = progress.transfer;
  if (!t || (t.sentBytes === 0 && t.alreadyOnHubBytes === 0)) return '';
  return ` (sent ${formatBytes(t.sentBytes)}, ${formatBytes(t.alreadyOnHubBytes)} already on the Hub)`;
}

/** One line, redrawn in place: `label [#####-----] 12/40 items  message` or bytes with rate and ETA. */
export function renderProgressLine(progress: JobProgress, width: number, label = ''): string {
  const fraction = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  const counts =
    progress.unit === 'bytes'
      ? `${formatBytes(progress.done)}/${formatBytes(progress.total)}${progress.rate ? ` ${formatRate(progress.rate)}` : ''}${progress.eta !== undefined ? ` ${formatDuration(progress.eta)} left` : ''}${transferText(progress)}`
      : `${progress.done}/${progress.total}`;
  const head = `${label || progress.phase} `;
  const barWidth = Math.max(10, Math.min(30, width - head.length - counts.length - 12));
  const filled = Math.round(fraction * barWidth);
  let line = `${head}[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${counts}`;
  if (progress.message) line += `  ${progress.message}`;
  const chars = [...line];
  return chars.length > width - 1 ? chars.slice(0, width - 2).join('') + '…' : line;
}

export function createProgressBar(
  options: { stream?: OutputStream; label?: string; intervalMs?: number; env?: NodeJS.ProcessEnv } = {},
): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const interactive = isInteractive(stream, options.env);
  const interval = options.intervalMs ?? 80;
  let last = 0;
  let drawn = false;
  let latest: JobProgress | null = null;
  const draw = () => {
    if (!latest) return;
    stream.write(`\r\u001b[2K${renderProgressLine(latest, stream.columns ?? 80, options.label)}`);
    drawn = true;
  };
  return {
    update(progress) {
      if (!interactive) return;
      latest = progress;
      const now = Date.now();
      if (now - last < interval && progress.done < progress.total) return;
      last = now;
      draw();
    },
    done(message) {
      if (interactive && drawn) stream.write('\r\u001b[2K');
      drawn = false;
      if (message) stream.write(message.endsWith('\n') ? message : `${message}\n`);
    },
  };
}

/**
 * Cancels `controller` on the first Ctrl-C or SIGTERM (every evaluation process is stopped on the way
 * out) and lets a second one end the process at once, after killing whatever evaluations still run.
 */
export function abortOnInterrupt(
  controller: AbortController,
  stream: OutputStream = process.stderr,
): () => void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      stream.write(
        signal === 'SIGINT' ? '\nCancelling… (Ctrl-C again to quit at once)\n' : '\nStopping (SIGTERM)…\n',
      );
      controller.abort();
    } else {
      killAllRuns();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
