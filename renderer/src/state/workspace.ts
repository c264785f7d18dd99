/** Opening a workspace: scan it through the main process and remember it among the recent ones. */
import { api, runJob } from '../api';
import { setState } from './store';

export async function openWorkspace(root: string): Promise<void> {
  const job = runJob<'workspace:scan'>(
    () => api.workspace.scan({ root }),
    (progress) => setState((s) => ({ scanning: s.scanning && { ...s.scanning, progress } })),
  );
  setState({ root, error: null, scanning: { progress: null, cancel: () => job.cancel() } });
  const result = await job.done;
  if (!result.ok) {
    setState({ scanning: null, error: result.error });
    return;
  }
  const scan = result.value;
  setState((s) => ({
    scanning: null,
    scan,
    recent: [root, ...s.recent.filter((r) => r !== root)].slice(0, 8),
    error:
      scan.checkpoints.length === 0
        ? {
            code: 'NO_CHECKPOINTS',
            message: `No checkpoints in ${root}. A checkpoint is a folder with a config.json and weights (for example step_100/ or checkpoint-500/). Drop the folder that holds them.`,
          }
        : null,
    screen: scan.checkpoints.length ? 'checkpoints' : 'workspace',
  }));
}

export async function chooseWorkspace(): Promise<void> {
  const picked = await api.workspace.choose();
  if (picked.ok && picked.value) await openWorkspace(picked.value);
  else if (!picked.ok) setState({ error: picked.error });
}
