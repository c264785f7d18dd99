import type { JobProgress } from '../../../shared/types';

export function ProgressBar({ progress, label }: { progress: JobProgress | null; label: string }) {
  const fraction = progress && progress.total > 0 ? Math.min(1, progress.done / progress.total) : null;
  return (
    <div className="progress">
      <div className="progress__label">
        {label}
        {progress?.message ? ` — ${progress.message}` : ''}
      </div>
      <div
        className="progress__track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}
      >
        <div className="progress__fill" style={{ width: fraction === null ? '30%' : `${fraction * 100}%` }} />
      </div>
    </div>
  );
}
