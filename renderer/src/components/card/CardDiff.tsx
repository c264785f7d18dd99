/**
 * What the card changes: against the README on disk, or against the README on the Hub when the repo
 * already exists there. A unified line diff with a few lines of context.
 */
import { memo, useMemo } from 'react';
import { diffLines, displayLine, toHunks, type DiffLine } from '../../card/diff';

export const CardDiff = memo(function CardDiff({
  before,
  after,
  label,
}: {
  before: string;
  after: string;
  label: string;
}) {
  const hunks = useMemo(() => toHunks(diffLines(before, after)), [before, after]);
  const counts = useMemo(() => {
    let added = 0;
    let removed = 0;
    for (const hunk of hunks)
      for (const line of hunk.lines) {
        if (line.kind === 'add') added++;
        else if (line.kind === 'del') removed++;
      }
    return { added, removed };
  }, [hunks]);

  if (hunks.length === 0) return <p className="muted card-diff__same">No differences from {label}.</p>;
  return (
    <div className="card-diff" role="region" aria-label={`Changes from ${label}`}>
      <p className="card-diff__summary">
        <span className="card-diff__count card-diff__count--add">
          {counts.added} line{counts.added === 1 ? '' : 's'} added
        </span>
        <span className="card-diff__count card-diff__count--del">{counts.removed} removed</span>
        <span className="muted">compared with {label}</span>
      </p>
      {hunks.map((hunk, i) => (
        <table className="card-diff__hunk" key={i}>
          <caption className="card-sr-only">Change at line {hunk.bStart || hunk.aStart}</caption>
          <colgroup>
            <col className="card-diff__col-num" />
            <col className="card-diff__col-num" />
            <col className="card-diff__col-sign" />
            <col />
          </colgroup>
          <tbody>
            {hunk.lines.map((line, j) => (
              <DiffRow key={j} line={line} />
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
});

function DiffRow({ line }: { line: DiffLine }) {
  const sign = line.kind === 'add' ? '+' : line.kind === 'del' ? '−' : ' ';
  const label = line.kind === 'add' ? 'added' : line.kind === 'del' ? 'removed' : undefined;
  return (
    <tr className={`card-diff__line card-diff__line--${line.kind}`}>
      <td className="card-diff__num">{'a' in line ? line.a : ''}</td>
      <td className="card-diff__num">{'b' in line ? line.b : ''}</td>
      <td className="card-diff__sign" aria-label={label}>
        {sign}
      </td>
      <td className="card-diff__text">{displayLine(line.text) || '\u00a0'}</td>
    </tr>
  );
}
