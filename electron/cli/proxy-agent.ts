/**
 * The undici half of `proxy.ts`, in its own module so the CLI loads undici only when a proxy is set. It is
 * imported statically here: a dynamic `import('undici')` of the CommonJS package, once bundled into the
 * built CLI, has no named exports (only `default`).
 */
import { EnvHttpProxyAgent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';

/** Routes every `fetch` of this process through the proxies given; returns a function restoring the previous dispatcher. */
export function installProxyAgent(proxies: {
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  noProxy: string | undefined;
}): () => void {
  const previous: Dispatcher = getGlobalDispatcher();
  setGlobalDispatcher(withoutExperimentalWarning(() => new EnvHttpProxyAgent(proxies)));
  return () => setGlobalDispatcher(previous);
}

/** undici 6 warns that EnvHttpProxyAgent is experimental (UNDICI-EHPA) on every CLI run: not for users. */
function withoutExperimentalWarning<T>(make: () => T): T {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0] as { code?: string } | undefined;
    if (options?.code === 'UNDICI-EHPA') return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return make();
  } finally {
    process.emitWarning = emitWarning;
  }
}
