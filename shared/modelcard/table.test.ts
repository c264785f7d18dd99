import { describe, expect, it } from 'vitest';
import { scanDocument } from './blocks';
import { mapOffset, updateBenchmarkTable } from './table';
import { rangesProblem, tablesByFullParse } from './testing/assert-ranges';

const SCORES = { math_reasoning: 0.0625, logic_puzzles: 0.4375, code_generation: 0.71875, reading_comprehension: 0.5 };

function update(input: string, scores: Record<string, number> = SCORES, options = {}) {
  const result = updateBenchmarkTable(input, scores, options);
  expect(rangesProblem(input, result.text, result.report.changes)).toBeNull();
  expect(scanDocument(input).tables.map((table) => table.start)).toEqual(tablesByFullParse(input));
  return result;
}

const GROUPED = `---
license: apache-2.0
---
# My “fine” model

<div align="center">
  <img src="assets/logo.png" width="200">
</div>

<!-- results below are filled by Hub Publisher -->

| **Group**| Name | Score |
|---|---|---|
| **Reasoning**| Math Reasoning | {RESULT} |
| | Logic-Puzzles | {RESULT} |
| **Code** | [Code Generation](https://example.com/cg) | {RESULT} |
| | **reading_comprehension** | {RESULT} |
| | Commonsense | {RESULT} |
| | *Average* | {RESULT} |

Trailing text — with ‘curly’ quotes.`;

describe('updateBenchmarkTable on a corpus of cards', () => {
  it('fills a grouped table of {RESULT} cells and nothing else', () => {
    const { text, report } = update(GROUPED, { ...SCORES, eval_accuracy: 0.55 });
    expect(text).toContain('| **Reasoning**| Math Reasoning | 0.062 |');
    expect(text).toContain('| | Logic-Puzzles | 0.438 |');
    expect(text).toContain('| **Code** | [Code Generation](https://example.com/cg) | 0.719 |');
    expect(text).toContain('| | **reading_comprehension** | 0.500 |');
    expect(text).toContain('| | Commonsense | {RESULT} |');
    expect(text).toContain('| | *Average* | 0.550 |');
    expect(text.endsWith('Trailing text — with ‘curly’ quotes.')).toBe(true);
    expect(report.tables).toHaveLength(1);
    expect(report.tables[0]).toMatchObject({ labelColumn: 1, targetColumn: 2, columnReason: 'placeholder', line: 12 });
    expect(report.matchedRows.map((row) => row.benchmark)).toEqual(['math_reasoning', 'logic_puzzles', 'code_generation', 'reading_comprehension', 'eval_accuracy']);
    expect(report.rowsWithoutScore).toEqual(['Commonsense']);
    expect(report.benchmarksWithoutRow).toEqual([]);
    expect(report.changes).toHaveLength(5);
  });

  it('leaves the average row alone when no average is supplied', () => {
    const { text, report } = update(GROUPED);
    expect(text).toContain('| | *Average* | {RESULT} |');
    expect(report.rowsWithoutScore).toEqual(['Commonsense', '*Average*']);
  });

  it('replaces existing numbers in the last column and keeps an aligned table aligned', () => {
    const input = [
      '## Results',
      '',
      '| Benchmark             | Base  | Ours   |',
      '|:----------------------|------:|-------:|',
      '| Math Reasoning        | 0.401 |    0.5 |',
      '| Logic Puzzles         | 0.300 |   0.61 |',
      '| Reading Comprehension | 0.250 | 0.7777 |',
      '',
    ].join('\n');
    const { text, report } = update(input, { ...SCORES, code_generation: 0.9 });
    expect(text.split('\n').slice(2, 7)).toEqual([
      '| Benchmark             | Base  | Ours   |',
      '|:----------------------|------:|-------:|',
      '| Math Reasoning        | 0.401 |  0.062 |',
      '| Logic Puzzles         | 0.300 |  0.438 |',
      '| Reading Comprehension | 0.250 |  0.500 |',
    ]);
    expect(report.tables[0]?.columnReason).toBe('last');
    expect(report.benchmarksWithoutRow).toEqual(['code_generation']);
  });

  it('matches the model name as whole words, never inside another header', () => {
    const input = '| Benchmark | m | Baseline |\n|---|---|---|\n| math_reasoning | 0.1 | 0.2 |\n';
    const short = update(input, SCORES, { modelName: 'alice/m' });
    expect(short.text).toContain('| math_reasoning | 0.062 | 0.2 |');
    expect(short.report.tables[0]?.columnReason).toBe('model-name');
    const words = '| Task | Tiny reasoner (ours) | Baseline |\n|---|---|---|\n| math_reasoning | 0.1 | 0.2 |\n';
    expect(update(words, SCORES, { modelName: 'alice/tiny-reasoner' }).text).toContain('| math_reasoning | 0.062 | 0.2 |');
  });

  it('prefers the column named after the model, and obeys an override', () => {
    const input = '| Task | my-model | Baseline |\n|---|---|---|\n| math_reasoning | 0.1 | 0.2 |\n';
    expect(update(input, SCORES, { modelName: 'someone/my-model' }).text).toContain('| math_reasoning | 0.062 | 0.2 |');
    expect(update(input).text).toContain('| math_reasoning | 0.1 | 0.062 |');
    const byHeader = update(input, SCORES, { column: 'Baseline' });
    expect(byHeader.text).toContain('| math_reasoning | 0.1 | 0.062 |');
    expect(byHeader.report.tables[0]?.columnReason).toBe('override');
    expect(update(input, SCORES, { column: 1 }).text).toContain('| math_reasoning | 0.062 | 0.2 |');
    expect(update(input, SCORES, { column: 'nope' }).report.warnings[0]).toMatch(/no column matches "nope"/);
  });

  it('fills two benchmark tables and ignores tables that name no benchmark', () => {
    const input = `# Card

| Hyper-parameter | Value |
|---|---|
| lr | 1e-4 |

### Reasoning
| Benchmark | Score |
| --- | --- |
| Math Reasoning | {RESULT} |
| Logic Puzzles | {RESULT} |

### Language
Benchmark | Score
--- | ---
Reading Comprehension | TBD
Code Generation | TBD
`;
    const { text, report } = update(input);
    expect(report.tables.map((table) => table.line)).toEqual([8, 14]);
    expect(text).toContain('| lr | 1e-4 |');
    expect(text).toContain('| Math Reasoning | 0.062 |\n| Logic Puzzles | 0.438 |');
    expect(text).toContain('Reading Comprehension | 0.500\nCode Generation | 0.719\n');
  });

  it('never edits a table inside a code fence, an HTML comment or an unclosed fence at the end', () => {
    const input = [
      '```markdown',
      '| Benchmark | Score |',
      '|---|---|',
      '| Math Reasoning | {RESULT} |',
      '```',
      '',
      '<!--',
      '| Benchmark | Score |',
      '|---|---|',
      '| Math Reasoning | {RESULT} |',
      '-->',
      '',
      '| Benchmark | Score |',
      '|---|---|',
      '| Math Reasoning | {RESULT} |',
      '',
      '~~~~',
      '| Benchmark | Score |',
      '|---|---|',
      '| Logic Puzzles | {RESULT} |',
    ].join('\n');
    const { text, report } = update(input);
    expect(report.changes).toHaveLength(1);
    expect(report.changes[0]?.start).toBe(input.lastIndexOf('| Math Reasoning | {RESULT} |') + 19);
    expect(text.split('{RESULT}')).toHaveLength(4);
    expect(report.benchmarksWithoutRow).toEqual(['logic_puzzles', 'code_generation', 'reading_comprehension']);
  });

  it('keeps CRLF line endings, a BOM and commented front matter byte for byte', () => {
    const input =
      '\uFEFF---\r\n# the team keeps these\r\nlicense: mit  # see LICENSE\r\ntags:\r\n  - text-generation # primary\r\n---\r\n' +
      '# Model\r\n\r\n|Benchmark|Score|\r\n|-|-|\r\n|Math Reasoning|{RESULT}|\r\n|Logic Puzzles||\r\n\r\nThe end.\r\n';
    const { text, report } = update(input);
    expect(text.startsWith('\uFEFF---\r\n# the team keeps these\r\nlicense: mit  # see LICENSE\r\n')).toBe(true);
    expect(text).toContain('|Math Reasoning|0.062|\r\n|Logic Puzzles| 0.438 |\r\n\r\nThe end.\r\n');
    expect(text.match(/\r\n/g)?.length).toBe(input.match(/\r\n/g)?.length);
    expect(text.match(/(?<!\r)\n/g)).toBeNull();
    expect(report.tables[0]?.line).toBe(9);
  });

  it('never reads front matter as Markdown, and finds a table right after it', () => {
    const input = '---\nwidget:\n  - text: |\n      | Benchmark | Score |\n      |---|---|\n      | Math Reasoning | {RESULT} |\n---\n| Benchmark | Score |\n|---|---|\n| Logic Puzzles | {RESULT} |\n';
    const { text, report } = update(input);
    expect(report.changes).toHaveLength(1);
    expect(text).toContain('| Math Reasoning | {RESULT} |\n---\n');
    expect(text.endsWith('| Logic Puzzles | 0.438 |\n')).toBe(true);
    expect(report.tables[0]?.line).toBe(8);
  });

  it('reports everything and changes nothing in a README without a table', () => {
    const input = '# Model\n\nSome text | with a pipe.\n\n- a list\n- --- | ---\n';
    const { text, report } = update(input);
    expect(text).toBe(input);
    expect(report.tables).toEqual([]);
    expect(report.changes).toEqual([]);
    expect(report.benchmarksWithoutRow).toEqual(Object.keys(SCORES));
    expect(report.warnings[0]).toMatch(/No benchmark table found/);
  });

  it('leaves cells of benchmarks without a score and non-finite scores unchanged', () => {
    const input = '| Benchmark | Score |\n|---|---|\n| Math Reasoning | 0.3 |\n| Logic Puzzles | 0.4 |\n';
    const { text, report } = update(input, { math_reasoning: Number.NaN }, { benchmarks: ['math_reasoning', 'logic_puzzles'] });
    expect(text).toBe(input);
    expect(report.rowsWithoutScore).toEqual(['Math Reasoning', 'Logic Puzzles']);
    expect(report.warnings[0]).toMatch(/math_reasoning is nan/);
  });

  it('matches labels written in many ways', () => {
    const labels = ['Math Reasoning', '**math_reasoning**', 'Math-Reasoning', '[Math Reasoning](https://x.y/z)', '`math_reasoning`', 'MATH REASONING (5-shot)', 'Math&nbsp;Reasoning', '<b>Math Reasoning</b>'];
    for (const label of labels) {
      const input = `| Benchmark | Score |\n|---|---|\n| ${label} | — |\n`;
      const { report } = update(input);
      expect(report.matchedRows.map((row) => row.benchmark), label).toEqual(['math_reasoning']);
    }
  });

  it('fills tables inside block quotes and list items, and handles escaped pipes', () => {
    const input = '> | Benchmark | Score |\n> |---|---|\n> | Math Reasoning | {RESULT} |\n\n- results:\n\n  | Benchmark | Score |\n  |---|---|\n  | Logic \\| Puzzles | {RESULT} |\n  | `a|b` | c |\n';
    const { text, report } = update(input);
    expect(text).toContain('> | Math Reasoning | 0.062 |');
    expect(text).toContain('  | Logic \\| Puzzles | 0.438 |\n');
    expect(report.rowsWithoutScore).toEqual(['`a']);
  });

  it('is not drawn to a stray placeholder left in another column', () => {
    const input = '| Benchmark | Baseline | Ours |\n|---|---|---|\n| Math Reasoning | 0.1 | 0.2 |\n| Logic Puzzles | {RESULT} | 0.3 |\n| Code Generation | 0.1 | 0.4 |\n';
    const { text, report } = update(input);
    expect(report.tables[0]?.columnReason).toBe('last');
    expect(text).toContain('| Logic Puzzles | {RESULT} | 0.438 |');
  });

  it('does not guess a last column that holds words', () => {
    const input = '| Dataset | Split |\n|---|---|\n| math_reasoning | test |\n';
    const guessed = update(input);
    expect(guessed.text).toBe(input);
    expect(guessed.report.warnings[0]).toMatch(/last column \("Split"\) holds "test", not scores/);
    expect(update(input, SCORES, { column: 'Split' }).text).toContain('| math_reasoning | 0.062 |');
    expect(update('| Task | Score |\n|---|---|\n| math_reasoning | **45.1%** |\n| logic_puzzles | n/a |\n').report.changes).toHaveLength(2);
  });

  it('fills a table inside <details> (the Hub renders it) but not one inside <pre>', () => {
    const input = '<details>\n<summary>Scores</summary>\n\n| Benchmark | Score |\n|---|---|\n| Math Reasoning | {RESULT} |\n\n</details>\n\n<pre>\n| Benchmark | Score |\n|---|---|\n| Logic Puzzles | {RESULT} |\n\n</pre>\n';
    const { text, report } = update(input);
    expect(text).toContain('| Math Reasoning | 0.062 |');
    expect(text).toContain('| Logic Puzzles | {RESULT} |');
    expect(report.changes).toHaveLength(1);
  });

  it('skips (and says so) a table buried in a huge region without blank lines', () => {
    const input = `${'word | word\n'.repeat(40)}| Benchmark | Score |\n|---|---|\n| Math Reasoning | {RESULT} |\n`;
    expect(scanDocument(input, { maxSliceChars: 100 }).skipped).toHaveLength(1);
    expect(update(input).text).toContain('| Math Reasoning | 0.062 |');
  });

  it('maps input offsets to output offsets around changes', () => {
    const input = '| Benchmark | Score |\n|---|---|\n| Math Reasoning | {RESULT} |\n| Logic Puzzles | {RESULT} |\nend';
    const { text, report } = update(input);
    const end = input.indexOf('end');
    expect(text.slice(mapOffset(report.changes, end))).toBe('end');
    const first = report.changes[0];
    expect(mapOffset(report.changes, (first?.start ?? 0) + 2)).toBe(first?.outputStart);
    expect(mapOffset(report.changes, (first?.start ?? 0) + 2, 'end')).toBe(first?.outputEnd);
    expect(mapOffset(report.changes, first?.end ?? 0)).toBe(first?.outputEnd);
    expect(mapOffset(report.changes, 3)).toBe(3);
  });

  it('gives output ranges that locate each change in the new text', () => {
    const input = '| Benchmark | Score |\n|---|---|\n| Math Reasoning | {RESULT} |\n| Logic Puzzles | {RESULT} |\n';
    const { text, report } = update(input);
    const [first, second] = report.changes;
    expect(text.slice(first?.outputStart, first?.outputEnd)).toBe('0.062');
    expect(text.slice(second?.outputStart, second?.outputEnd)).toBe('0.438');
    expect(second?.outputStart).toBe((second?.start ?? 0) - 3);
  });
});
