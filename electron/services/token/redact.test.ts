import { describe, expect, it } from 'vitest';
import { maskToken, redactSecrets } from '../../../shared/redact';

describe('redaction', () => {
  const token = 'hf_' + 'AbCdEfGhIjKlMnOpQrStUvWxYz01234567';
  it('masks a token as hf_…abcd', () => {
    expect(maskToken(token)).toBe('hf_…4567');
    expect(maskToken('short')).toBe('hf_…');
  });
  it('redacts every token-looking string in log text and leaves the rest', () => {
    const line = `PUT with Bearer ${token} failed; retrying (token=${token}) hf_ok`;
    const out = redactSecrets(line);
    expect(out).not.toContain(token);
    expect(out).toBe('PUT with Bearer hf_…4567 failed; retrying (token=hf_…4567) hf_ok');
  });
});
