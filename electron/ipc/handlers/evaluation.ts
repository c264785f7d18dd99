import { detectInterpreters, evaluateWorkspace, setManualScore } from '../../services/evaluate';
import type { HandlerRegistry } from '../registry';
import { accessOf } from './access';
import type { HandlerContext } from './index';

export function registerEvaluationHandlers(registry: HandlerRegistry, context: HandlerContext): void {
  const { dataDir, env } = context;
  registry.handleJob('evaluation:run', async (args, job) =>
    evaluateWorkspace({
      root: args.root,
      scan: await context.scans.get(args.root, job.signal),
      dataDir,
      python: args.python,
      concurrency: args.concurrency,
      checkpoints: args.checkpoints,
      benchmarks: args.benchmarks,
      useCache: args.useCache,
      onlyFailed: args.onlyFailed,
      cacheOnly: args.cacheOnly,
      env,
      signal: job.signal,
      onProgress: job.progress,
    }),
  );
  registry.handle('evaluation:interpreters', async ({ root }) => {
    const found = await detectInterpreters(root, env);
    for (const interpreter of found) accessOf(context).allowInterpreter(interpreter.path);
    return found;
  });
  registry.handle('evaluation:chooseInterpreter', async () => {
    const picked = await context.platform.chooseInterpreter();
    if (picked) accessOf(context).allowInterpreter(picked);
    return picked;
  });
  registry.handle('evaluation:setScore', async ({ root, checkpoint, benchmark, score }) => {
    await setManualScore(dataDir, root, checkpoint, benchmark, score);
    return true;
  });
}
