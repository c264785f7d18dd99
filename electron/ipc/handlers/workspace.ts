import { AppError } from '../../../shared/result';
import type { HandlerRegistry } from '../registry';
import { accessOf } from './access';
import type { HandlerContext } from './index';

export function registerWorkspaceHandlers(registry: HandlerRegistry, context: HandlerContext): void {
  const { platform, scans } = context;
  registry.handle('workspace:choose', async () => {
    const picked = await platform.chooseFolder();
    return picked === null ? null : accessOf(context).grant(picked);
  });
  // The path comes from the preload's own look-up of a dropped File (webUtils.getPathForFile), never from
  // a string the page chose: the page has no function that sends one.
  registry.handle('workspace:dropped', async ({ path }) => {
    if (!path) {
      throw new AppError(
        'NOT_A_DIRECTORY',
        'That item has no path on disk. Drop a folder from your file manager.',
      );
    }
    return accessOf(context).grant(path);
  });
  registry.handle('workspace:recent', () => accessOf(context).recent());
  registry.handleJob('workspace:scan', ({ root }, job) =>
    scans.rescan(root, { signal: job.signal, onProgress: job.progress }),
  );
}
