import { AppError } from '../../../shared/result';
import { publishesOf } from '../../services/session/receipts';
import type { HandlerRegistry } from '../registry';
import type { HandlerContext } from './index';

export function registerWorkspaceHandlers(registry: HandlerRegistry, context: HandlerContext): void {
  const { platform, access, sessions } = context;
  registry.handle('workspace:choose', async () => {
    const picked = await platform.chooseFolder();
    return picked === null ? null : access.grant(picked);
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
    return access.grant(path);
  });
  registry.handle('workspace:recent', () => access.recent());
  registry.handle('workspace:history', async () => {
    const roots = await access.recent();
    const publishes = await publishesOf(context.dataDir, roots, await context.hub.endpoint());
    return roots.map((root) => ({ root, publishes: publishes.get(root) ?? [] }));
  });
  // The guard has checked `root` is a folder the user opened; the session replaces the window's last one.
  registry.handle('workspace:open', async ({ root }, sender) => {
    const session = sessions.open(root, sender.id);
    return { sessionId: session.id, root: session.root, name: session.name, target: await session.target() };
  });
  registry.handle('workspace:close', async ({ sessionId }, sender) => sessions.close(sessionId, sender.id));
  registry.handleJob('workspace:scan', ({ sessionId }, job) =>
    sessions.require(sessionId).scan({ signal: job.signal, onProgress: job.progress }),
  );
}
