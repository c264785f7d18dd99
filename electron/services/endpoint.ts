/** The Hub endpoint: an explicit setting, else `HF_ENDPOINT` (as the Hugging Face clients read it), else the Hub. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export function resolveHubEndpoint(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  const raw = explicit?.trim() || env.HF_ENDPOINT?.trim() || DEFAULT_HUB_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not a valid Hub endpoint URL. Use a URL such as ${DEFAULT_HUB_ENDPOINT}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`The Hub endpoint must be an http(s) URL, not "${raw}".`);
  }
  // The clients join paths onto the endpoint: keep it without a trailing slash.
  return url.toString().replace(/\/+$/, '');
}
