/**
 * Hugging Face tokens are `hf_` followed by letters and digits (user tokens are 34+ characters; app and
 * OAuth tokens use the `hf_oauth_`/`hf_app_` forms). Anything that looks like one is masked before a line
 * reaches a log, a progress message, a cache, a job value or the renderer.
 */
const TOKEN_LIKE = /hf_[A-Za-z0-9_-]{8,}/g;

/**
 * The shape of a Hugging Face token, for scanners that need to find one in content or in a file name:
 * user tokens (`hf_` + 34 letters and digits) and the OAuth/app forms (`hf_oauth_…`, `hf_app_…`).
 */
export const HF_TOKEN_PATTERN = /hf_(?:oauth_|app_)?[A-Za-z0-9]{30,}/;

/** `hf_…abcd`: enough to recognise a token, never enough to use it. */
export function maskToken(token: string): string {
  const t = token.trim();
  if (t.length <= 8) return 'hf_…';
  return `${t.startsWith('hf_') ? 'hf_' : ''}…${t.slice(-4)}`;
}

/**
 * Replaces every token-looking string with its masked form, and every occurrence of the `known` secrets
 * (the token in use, which may not look like one) with a fixed mark.
 */
export function redactSecrets(text: string, known: readonly (string | null | undefined)[] = []): string {
  let out = text;
  for (const secret of known) {
    const s = secret?.trim();
    if (s && s.length >= 8) out = out.split(s).join('[token]');
  }
  return out.replace(TOKEN_LIKE, (m) => maskToken(m));
}

/** The same redaction over every string in a JSON-like value (job results, cached outcomes, reports). */
export function redactValue<T>(value: T, known: readonly (string | null | undefined)[] = []): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redactSecrets(v, known);
    if (depth > 64 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    // Only plain records are rebuilt; anything else (Buffers, Dates) is left as it is.
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return v;
    const out: Record<string, unknown> = Object.create(proto) as Record<string, unknown>;
    for (const [k, x] of Object.entries(v)) out[redactSecrets(k, known)] = walk(x, depth + 1);
    return out;
  };
  return walk(value, 0) as T;
}

/**
 * Why a token cannot be a Hugging Face token because of its characters (a second line, a NUL, a space,
 * anything outside printable ASCII), or null. The message never contains the token.
 */
export function tokenCharacterProblem(token: string): string | null {
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) {
      const what =
        code === 0x0a
          ? 'a line break'
          : code === 0x0d
            ? 'a carriage return'
            : code === 0
              ? 'a NUL byte'
              : code === 0x20 || code === 0x09
                ? 'a space or tab'
                : code < 0x20 || code === 0x7f
                  ? `a control character (0x${code.toString(16).padStart(2, '0')})`
                  : 'a character outside printable ASCII';
      return `it contains ${what} at position ${i + 1}`;
    }
  }
  return null;
}
