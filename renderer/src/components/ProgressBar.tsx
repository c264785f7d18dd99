import type { JobProgress } from '../../../shared/types';

/** A bar for a fraction from 0 to 1; null shows work whose size is not known yet. */
export function ProgressTrack({ fraction, label }: { fraction: number | null; label: string }) {
  return (
    <div
      className="progress__track"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={fraction === null ? undefined : Math.round(Math.min(1, fraction) * 100)}
    >
      <div className="progress__fill" style={{ width: fraction === null ? '30%' : `${Math.min(1, fraction) * 100}%` }} />
    </div>
  );
}

/** A job's progress with its label and message above the bar. */
export function ProgressBar({ progress, label }: { progress: JobProgress | null; label: string }) {
  const fraction = progress && progress.total > 0 ? progress.done / progress.total : null;
  return (
    <div className="progress">
      <div className="progress__label">
        {label}
        {progress?.message ? ` — ${progress.message}` : ''}
      </div>
      <ProgressTrack fraction={fraction} label={label} />
    </div>
  );
}
