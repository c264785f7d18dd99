/** Human-readable sizes, rates and durations, the same in the app and the CLI. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Decimal units, as the Hub shows file sizes: 1 500 000 000 → "1.50 GB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 ? 0 : value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** 75 → "1m 15s"; 3725 → "1h 2m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A count with its noun, singular for exactly one: "1 file", "2 files", "0 files"; irregular plurals given. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/**
 * How long progress must have run before its rate says anything about the rest. Over the first moments a
 * rate measures start-up (workers spawning, a first block read, a connection opening), not throughput:
 * extrapolated, it promised "11m 7s left" for a file that then finished at once.
 */
export const MIN_RATE_WINDOW_SECONDS = 1;

/** Bytes per second over `elapsedSeconds`, or undefined until the window is long enough to mean anything. */
export function measuredRate(done: number, elapsedSeconds: number): number | undefined {
  if (!(elapsedSeconds >= MIN_RATE_WINDOW_SECONDS) || !(done > 0)) return undefined;
  return done / elapsedSeconds;
}

/** Seconds left at `rate`; undefined without a measured rate or once everything is done. */
export function remainingSeconds(done: number, total: number, rate: number | undefined): number | undefined {
  if (rate === undefined || !(rate > 0) || !(done < total)) return undefined;
  return (total - done) / rate;
}
