import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, isAllowedExternalUrl } from './security';

describe('isAllowedExternalUrl', () => {
  it('opens the configured Hub and huggingface.co only', () => {
    const hub = 'http://127.0.0.1:8999';
    expect(isAllowedExternalUrl('http://127.0.0.1:8999/alice/model', hub)).toBe(true);
    expect(isAllowedExternalUrl('https://huggingface.co/alice/model', hub)).toBe(true);
    expect(isAllowedExternalUrl('http://huggingface.co/alice/model', hub)).toBe(false);
    expect(isAllowedExternalUrl('http://127.0.0.1:9000/alice/model', hub)).toBe(false);
    expect(isAllowedExternalUrl('https://evil.example/huggingface.co', hub)).toBe(false);
    expect(isAllowedExternalUrl('https://huggingface.co.evil.example/', hub)).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd', hub)).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)', hub)).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@huggingface.co/', hub)).toBe(false);
    expect(isAllowedExternalUrl('not a url', hub)).toBe(false);
  });

  it('keeps scripts to the app itself', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe/);
  });
});
