/**
 * What the user should fix before publishing: benchmark rows the scores did not reach, benchmarks with no
 * row, metadata the Hub would reject, images and files that are not in the workspace.
 */
import type { CardProblem, TableUpdateReport } from '../../../../shared/modelcard';
import { clearImageCache } from './images';

export interface CardWarningsProps {
  report: TableUpdateReport | null;
  problems: CardProblem[];
  missingImages: string[];
  hasReadme: boolean;
}

export function CardWarnings({ report, problems, missingImages, hasReadme }: CardWarningsProps) {
  const items: { key: string; severity: 'error' | 'warning'; text: string }[] = [];
  if (report) {
    for (const [i, warning] of report.warnings.entries()) items.push({ key: `w${i}`, severity: 'warning', text: warning });
    if (hasReadme && report.tables.length > 0 && report.benchmarksWithoutRow.length > 0) {
      items.push({
        key: 'no-row',
        severity: 'warning',
        text: `No row of the benchmark table names ${report.benchmarksWithoutRow.join(', ')}: add a row, or name it like the benchmark, to show its score.`,
      });
    }
    if (report.rowsWithoutScore.length > 0) {
      items.push({
        key: 'no-score',
        severity: 'warning',
        text: `These rows match no evaluated benchmark, so their cells are left as written: ${report.rowsWithoutScore.map((r) => r.replace(/[*_`]/g, '')).join(', ')}.`,
      });
    }
  }
  for (const [i, problem] of problems.entries()) {
    // Missing images are listed below from the workspace itself.
    if (problem.code === 'missing-file' && problem.path && missingImages.some((m) => m.includes(problem.path!))) continue;
    items.push({ key: `p${i}`, severity: problem.severity, text: problem.message });
  }
  for (const src of missingImages) {
    items.push({ key: `img:${src}`, severity: 'error', text: `The image ${src} is not in the workspace: it would be broken on the Hub.` });
  }

  if (items.length === 0) return null;
  const errors = items.filter((i) => i.severity === 'error').length;
  return (
    <section className="card-warnings" aria-labelledby="card-warnings-title">
      <h3 id="card-warnings-title" className="card-warnings__title">
        {errors > 0 ? `${errors} problem${errors === 1 ? '' : 's'} to fix` : 'Worth a look'}
        {items.length > errors ? `${errors > 0 ? ', ' : ': '}${items.length - errors} warning${items.length - errors === 1 ? '' : 's'}` : ''}
      </h3>
      <ul className="card-warnings__list">
        {items.map((item) => (
          <li key={item.key} className={`card-warnings__item card-warnings__item--${item.severity}`}>
            <span className="card-warnings__badge">{item.severity === 'error' ? 'Problem' : 'Warning'}</span> {item.text}
          </li>
        ))}
      </ul>
      {missingImages.length > 0 && (
        <button type="button" className="button button--quiet" onClick={clearImageCache}>
          Look for the images again
        </button>
      )}
    </section>
  );
}
