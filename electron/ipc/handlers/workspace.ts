import { scanWorkspace } from '../../services/scan';
import type { HandlerRegistry } from '../registry';
import type { HandlerContext } from './index';

export function registerWorkspaceHandlers(registry: HandlerRegistry, { platform }: HandlerContext): void {
  registry.handle('workspace:choose', () => platform.chooseFolder());
  registry.handleJob('workspace:scan', ({ root }, job) =>
    scanWorkspace(root, { signal: job.signal, onProgress: job.progress }),
  );
}
