import { describe, expect, it } from 'vitest';
import { diffLines, displayLine, toHunks } from './diff';

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

describe('the card diff', () => {
  it('finds a changed line among unchanged ones', () => {
    const a = lines(5).join('\n');
    const b = a.replace('line 3', 'line three');
    const diff = diffLines(a, b).filter((l) => l.kind !== 'same');
    expect(diff).toEqual([
      { kind: 'del', a: 3, text: 'line 3' },
      { kind: 'add', b: 3, text: 'line three' },
    ]);
  });

  it('shows a change of line endings as a change (the uploaded file would differ)', () => {
    const diff = diffLines('a\nb\n', 'a\r\nb\r\n');
    expect(diff.some((l) => l.kind !== 'same')).toBe(true);
    expect(displayLine('a\r')).toBe('a');
  });

  it('groups changes into hunks with three lines of context and splits far-apart ones', () => {
    const a = lines(30);
    const b = [...a];
    b[2] = 'changed near the top';
    b[25] = 'changed near the end';
    const hunks = toHunks(diffLines(a.join('\n'), b.join('\n')));
    expect(hunks).toHaveLength(2);
    expect(hunks[0]).toMatchObject({ aStart: 1, bStart: 1 });
    expect(hunks[1]!.aStart).toBe(23);
    expect(hunks[1]!.lines.filter((l) => l.kind === 'same')).toHaveLength(6);
  });

  it('gives up on minimality for documents that share nothing, without freezing', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`).join('\n');
    const diff = diffLines(a, b);
    expect(diff.filter((l) => l.kind === 'del')).toHaveLength(5000);
    expect(diff.filter((l) => l.kind === 'add')).toHaveLength(5000);
  });
});
