/**
 * The CLI honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case), as curl and the Python clients do:
 * Node's own fetch ignores them. The app does not need this: Electron's net.fetch uses the system proxy.
 */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/**
 * Routes every `fetch` of this process through the proxy the environment names, honouring NO_PROXY.
 * Resolves to a function restoring the previous dispatcher; does nothing when no proxy is set. undici (a
 * large module) is loaded only then: start-up (`--help`) without a proxy does not pay for it.
 */
export async function useProxyFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<() => void> {
  if (!PROXY_VARIABLES.some((name) => env[name])) return () => {};
  const { installProxyAgent } = await import('./proxy-agent');
  return installProxyAgent({
    httpProxy: env.HTTP_PROXY || env.http_proxy || undefined,
    httpsProxy: env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || undefined,
    noProxy: env.NO_PROXY ?? env.no_proxy ?? undefined,
  });
}
