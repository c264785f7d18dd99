import { describe, expect, it } from 'vitest';
import { applyScores, detectColumn, revertCells, type ScoresInput } from './live-table';

const CARD = `# my-model

| Benchmark | my-model | Baseline |
|---|---|---|
| math | {RESULT} | 0.400 |
| code | {RESULT} | 0.300 |

Written by hand.
`;

const FIRST: ScoresInput = {
  scores: { math: 0.5, code: 0.25 },
  evalAccuracy: 0.375,
  benchmarks: ['math', 'code'],
};
const SECOND: ScoresInput = {
  scores: { math: 0.75, code: 0.25 },
  evalAccuracy: 0.5,
  benchmarks: ['math', 'code'],
};

describe('the live benchmark table', () => {
  it('decides the column on the README from disk, where the placeholders are, not the baseline', () => {
    expect(detectColumn(CARD, FIRST)).toBe(1);
  });

  it('fills the cells and remembers them as ranges of the new text', () => {
    const applied = applyScores(CARD, FIRST, 1, []);
    expect(applied.text).toContain('| math | 0.500 | 0.400 |');
    expect(applied.text).toContain('| code | 0.250 | 0.300 |');
    expect(
      applied.cells.map((c) => [c.benchmark, applied.text.slice(c.from, c.to).trim(), c.original.trim()]),
    ).toEqual([
      ['math', '0.500', '{RESULT}'],
      ['code', '0.250', '{RESULT}'],
    ]);
  });

  it('another checkpoint moves only the table cells: the user’s edits elsewhere stay, changed cells say what they held', () => {
    const first = applyScores(CARD, FIRST, 1, []);
    const edited = first.text.replace('Written by hand.', 'Written by hand, then edited.');
    const second = applyScores(edited, SECOND, 1, first.cells);
    expect(second.text).toContain('Written by hand, then edited.');
    expect(second.text).toContain('| math | 0.750 | 0.400 |');
    const math = second.cells.find((c) => c.benchmark === 'math')!;
    expect(math.previous?.trim()).toBe('0.500');
    // The first value the cell ever held is kept through fills, so moving the column can put it back.
    expect(math.original.trim()).toBe('{RESULT}');
    expect(second.cells.find((c) => c.benchmark === 'code')!.previous).toBeNull();
  });

  it('puts back what the filled cells held when the fill moves elsewhere, except cells the user rewrote', () => {
    const { text, cells } = applyScores(CARD, FIRST, 1, []);
    const math = cells.find((c) => c.benchmark === 'math')!;
    const reverted = revertCells(text, cells, (cell) => cell !== math);
    expect(reverted.text).toContain('| math | 0.500 | 0.400 |');
    expect(reverted.text).toContain('| code | {RESULT} | 0.300 |');
  });
});
