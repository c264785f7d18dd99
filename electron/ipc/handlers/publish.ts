/**
 * Publishing from the app: `publish:target` (the repository this workspace publishes to), `publish:plan`
 * (what would be sent), `publish:prepare` (hash ahead as soon as a checkpoint is chosen) and `publish:run`
 * (upload, verify, keep a receipt). Adapters over the workspace session, which owns the pipeline.
 */
import type { PublishResult } from '../../../shared/ipc/contract';
import { planPublish } from '../../services/publish/plan';
import type { HandlerRegistry } from '../registry';
import type { HandlerContext } from './index';

export function registerPublishHandlers(registry: HandlerRegistry, context: HandlerContext): void {
  const { sessions, hasher } = context;
  registry.handle('publish:target', ({ sessionId }) => sessions.require(sessionId).target());
  registry.handle('publish:plan', ({ sessionId, ...request }) => sessions.require(sessionId).plan(request));
  registry.handleJob('publish:prepare', async ({ sessionId, checkpoint: name }, job) => {
    const session = sessions.require(sessionId);
    const checkpoint = await session.checkpoint(name, job.signal);
    // Planning with the checkpoint's own README hashes exactly the files a publish would send.
    const { plan } = await planPublish({
      checkpoint,
      workspaceRoot: session.root,
      readmeText: null,
      readmeAssets: [],
      evalAccuracy: null,
      hasher,
      signal: session.signalFor(job.signal),
      onProgress: job.progress,
    });
    return { files: plan.files.length, bytes: plan.totalBytes };
  });
  registry.handleJob('publish:run', async ({ sessionId, ...request }, job): Promise<PublishResult> => {
    const { outcome, verification } = await sessions
      .require(sessionId)
      .publish(request, { signal: job.signal, onProgress: job.progress, onLog: job.log });
    return { outcome, verification };
  });
}
