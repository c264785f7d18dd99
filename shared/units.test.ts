import { describe, expect, it } from 'vitest';
import { formatBytes, measuredRate, plural, remainingSeconds } from './units';

describe('sizes', () => {
  // The Hub's file listings use decimal units; so does every size the app and the CLI print.
  it('are decimal, as the Hub shows them', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(106_496)).toBe('106 KB');
    expect(formatBytes(1_572_864)).toBe('1.57 MB');
    expect(formatBytes(12 * 1024 * 1024)).toBe('12.6 MB');
    expect(formatBytes(1_500_000_000)).toBe('1.50 GB');
  });
});

describe('plural', () => {
  it('says one thing in the singular and every other count in the plural', () => {
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(2, 'file')).toBe('2 files');
    expect(plural(0, 'commit')).toBe('0 commits');
    expect(plural(3, 'entry', 'entries')).toBe('3 entries');
  });
});

describe('rates and time left', () => {
  it('have no rate before a second of progress, so no time left is promised from start-up alone', () => {
    // 200 bytes in 5 ms extrapolated to a 12 MB rest would say "5m 0s left" for what ends at once.
    expect(measuredRate(200, 0.005)).toBeUndefined();
    expect(remainingSeconds(200, 12_000_000, measuredRate(200, 0.005))).toBeUndefined();
    expect(measuredRate(0, 3)).toBeUndefined();
  });

  it('extrapolate once the rate is measured, and say nothing once done', () => {
    const rate = measuredRate(50_000_000, 2);
    expect(rate).toBe(25_000_000);
    expect(remainingSeconds(50_000_000, 100_000_000, rate)).toBe(2);
    expect(remainingSeconds(100_000_000, 100_000_000, rate)).toBeUndefined();
  });
});
