/**
 * Hugging Face tokens are `hf_` followed by letters and digits (user tokens are 34+ characters; app and
 * OAuth tokens use the `hf_oauth_`/`hf_app_` forms). Anything that looks like one is masked before a line
 * reaches a log, a progress message or the renderer.
 */
const TOKEN_LIKE = /\bhf_[A-Za-z0-9_]{8,}/g;

/** The shape of a Hugging Face token, for scanners that need to find one in content. */
export const HF_TOKEN_PATTERN = /hf_[A-Za-z0-9]{30,}/;

/** `hf_…abcd`: enough to recognise a token, never enough to use it. */
export function maskToken(token: string): string {
  const t = token.trim();
  if (t.length <= 8) return 'hf_…';
  return `${t.startsWith('hf_') ? 'hf_' : ''}…${t.slice(-4)}`;
}

/** Replaces every token-looking string with its masked form. */
export function redactSecrets(text: string): string {
  return text.replace(TOKEN_LIKE, (m) => maskToken(m));
}
