import { detectInterpreters } from '../../services/evaluate';
import type { HandlerRegistry } from '../registry';
import type { HandlerContext } from './index';

export function registerEvaluationHandlers(registry: HandlerRegistry, context: HandlerContext): void {
  const { env, access, sessions } = context;
  registry.handleJob('evaluation:run', async ({ sessionId, ...args }, job) =>
    sessions.require(sessionId).evaluate({ ...args, signal: job.signal, onProgress: job.progress }),
  );
  registry.handle('evaluation:interpreters', async ({ sessionId }) => {
    const found = await detectInterpreters(sessions.require(sessionId).root, env);
    for (const interpreter of found) access.allowInterpreter(interpreter.path);
    return found;
  });
  registry.handle('evaluation:chooseInterpreter', async () => {
    const picked = await context.platform.chooseInterpreter();
    if (picked) access.allowInterpreter(picked);
    return picked;
  });
  registry.handle('evaluation:setSelection', async ({ sessionId, metric, weights }) =>
    sessions.require(sessionId).setSelection({ metric, weights }),
  );
  registry.handle('evaluation:setScore', async ({ sessionId, checkpoint, benchmark, score }) => {
    await sessions.require(sessionId).setScore(checkpoint, benchmark, score);
    return true;
  });
}
