import type { HandlerRegistry } from '../registry';
import type { HandlerContext } from './index';

export function registerWorkspaceHandlers(registry: HandlerRegistry, { platform, scans }: HandlerContext): void {
  registry.handle('workspace:choose', () => platform.chooseFolder());
  registry.handleJob('workspace:scan', ({ root }, job) =>
    scans.rescan(root, { signal: job.signal, onProgress: job.progress }),
  );
}
