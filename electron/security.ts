/**
 * Security policy shared by the Electron shell and the browser test bridge, so both serve the renderer
 * under the same rules. Plain Node: no `electron` import.
 */

/**
 * The renderer's Content-Security-Policy. Only the app's own scripts run; images may come from the app
 * (workspace images are served as data: URLs by the main process) and nothing is fetched from the network:
 * every Hub request happens in the main process.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // CodeMirror and recharts set inline style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ALWAYS_ALLOWED_HOSTS = ['huggingface.co'];

/**
 * Whether a link may be opened in the system browser: only http(s) URLs on the configured Hub host (or
 * huggingface.co itself, whose docs the app links to). Everything else is dropped.
 */
export function isAllowedExternalUrl(url: string, hubEndpoint: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return false;
  if (target.username || target.password) return false;
  let hub: URL | null = null;
  try {
    hub = new URL(hubEndpoint);
  } catch {
    hub = null;
  }
  if (hub && target.host === hub.host && target.protocol === hub.protocol) return true;
  return target.protocol === 'https:' && ALWAYS_ALLOWED_HOSTS.includes(target.hostname);
}
