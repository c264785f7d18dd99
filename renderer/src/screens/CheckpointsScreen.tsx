import { formatBytes } from '../../../shared/units';
import { workspaceStore } from '../state/workspace';

export function CheckpointsScreen() {
  const scan = workspaceStore.use((s) => s.scan);
  if (!scan) return <p className="muted">Open a workspace first.</p>;
  return (
    <section aria-labelledby="checkpoints-title">
      <h2 id="checkpoints-title">
        {scan.checkpoints.length} checkpoint{scan.checkpoints.length === 1 ? '' : 's'}
      </h2>
      <table className="table" aria-label="Checkpoints">
        <thead>
          <tr>
            <th scope="col">Checkpoint</th>
            <th scope="col">Step</th>
            <th scope="col">Size</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {scan.checkpoints.map((c) => (
            <tr key={c.path} data-testid="checkpoint-row">
              <td>{c.relPath}</td>
              <td className="num">{c.step ?? '—'}</td>
              <td className="num">{formatBytes(c.totalBytes)}</td>
              <td>{c.valid ? 'Ready' : c.problems.map((p) => p.message).join('; ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
