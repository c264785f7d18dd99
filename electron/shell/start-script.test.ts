/** `npm start`'s Linux sandbox decision (scripts/linux-sandbox.mjs). */
import { describe, expect, it } from 'vitest';
import { sandboxAdvice } from '../../scripts/linux-sandbox.mjs';

const probe = {
  helper: '/p/chrome-sandbox',
  helperSetuidRoot: false,
  apparmorRestrictsUserns: false,
  usernsCloneDisabled: false,
};

describe('npm start on Linux', () => {
  it('starts sandboxed where user namespaces work or chrome-sandbox is setuid root', () => {
    expect(sandboxAdvice(probe)).toBeNull();
    expect(sandboxAdvice({ ...probe, apparmorRestrictsUserns: true, helperSetuidRoot: true })).toBeNull();
  });

  it('on Ubuntu 23.10+ (AppArmor blocks user namespaces) says what to run and uses --no-sandbox for this run', () => {
    const advice = sandboxAdvice({ ...probe, apparmorRestrictsUserns: true });
    expect(advice?.args).toEqual(['--no-sandbox']);
    expect(advice?.message).toContain(
      'sudo chown root:root /p/chrome-sandbox && sudo chmod 4755 /p/chrome-sandbox',
    );
    expect(advice?.message).toContain('--no-sandbox');
    expect(sandboxAdvice({ ...probe, usernsCloneDisabled: true })?.args).toEqual(['--no-sandbox']);
  });
});
