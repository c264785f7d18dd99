import { describe, expect, it } from 'vitest';
import { formatScore } from '../format';
import { scanDocument } from './blocks';
import { updateBenchmarkTable } from './table';
import { rangesProblem, tablesByFullParse } from './testing/assert-ranges';
import { seededRandom } from '../random';

// Random cards built around one benchmark table, with decoys a careless editor would damage: tables in code
// fences, HTML comments and indented code, prose with pipes, odd spacing, CRLF, BOM, front matter.


const BENCHMARKS = ['math_reasoning', 'logic_puzzles', 'code_generation', 'reading_comprehension', 'world_knowledge'];

function generate(random: () => number) {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  const label = (key: string) =>
    pick([
      key,
      key.replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()),
      `**${key}**`,
      key.replace(/_/g, '-'),
      `[${key.replace(/_/g, ' ')}](https://example.com/${key})`,
      `\`${key}\``,
    ]);

  const decoyTable = (cells: string) => `| Benchmark | Score |\n|---|---|\n| Math Reasoning | ${cells} |\n| **logic_puzzles** | ${cells} |`;
  const blocks: string[] = [];
  const decoys = [
    () => `Some prose with a | pipe, “curly” quotes and ‘more’ — ${Math.floor(random() * 1000)}.`,
    () => `## Heading ${Math.floor(random() * 100)}`,
    () => `${pick(['```', '````', '~~~'])}md\n${decoyTable('{RESULT}')}\n${pick(['```', '````', '~~~']).replace(/.*/, (f) => f)}`,
    () => `<!--\n${decoyTable('{RESULT}')}\n-->`,
    () => `<div align="center">\n  <img src="a.png">\n</div>`,
    () => `    ${decoyTable('{RESULT}').replace(/\n/g, '\n    ')}`,
    () => '- item one\n- item | two\n  continued',
    () => '> quoted | text\n> more',
    () => '| Setting | Value |\n|---|---|\n| lr | 2e-5 |',
    // Fences inside containers: the line scan does not follow containers, the parser on the slice does.
    () => `- item\n\n  \`\`\`\n  ${decoyTable('{RESULT}').replace(/\n/g, '\n  ')}\n  \`\`\``,
    () => `> \`\`\`\n> ${decoyTable('{RESULT}').replace(/\n/g, '\n> ')}\n> \`\`\``,
    () => `1.  intro\n\n    ~~~\n    ${decoyTable('{RESULT}').replace(/\n/g, '\n    ')}\n    ~~~`,
    () => `<pre>\n${decoyTable('{RESULT}')}\n</pre>`,
    () => `Text right before a fence\n\`\`\`\n${decoyTable('{RESULT}')}\n\`\`\``,
  ];
  const count = Math.floor(random() * 6);
  for (let i = 0; i < count; i++) blocks.push(pick(decoys)());

  // The benchmark table.
  const scores: Record<string, number> = {};
  for (const key of BENCHMARKS) if (chance(0.7)) scores[key] = Math.round(random() * 100000) / 100000;
  if (chance(0.3)) scores.eval_accuracy = random();
  const grouped = chance(0.5);
  const pipes = chance(0.8);
  const pad = pick(['', ' ', '  ']);
  const targetValue = () => pick(['{RESULT}', '{{score}}', '0.5', '', '-', `${Math.floor(random() * 100)}.${Math.floor(random() * 10)}`]);
  const placeholders = chance(0.5);
  const rows: string[][] = [];
  const header = [...(grouped ? ['Group'] : []), 'Benchmark', 'Baseline', 'Ours'];
  rows.push(header);
  const keys = BENCHMARKS.filter(() => chance(0.8));
  keys.forEach((key, i) => {
    const group = grouped ? (i % 2 === 0 ? `**G${i}**` : '') : null;
    rows.push([...(group === null ? [] : [group]), label(key), '0.1', placeholders ? '{RESULT}' : targetValue()]);
  });
  if (chance(0.5)) rows.push([...(grouped ? [''] : []), pick(['Average', '**eval_accuracy**', 'Mean']), '0.2', placeholders ? '{RESULT}' : targetValue()]);
  if (chance(0.3)) rows.push([...(grouped ? [''] : []), 'Unrelated Row', '0.3', placeholders ? '{RESULT}' : '0.4']);
  const align = rows[0]?.map(() => pick(['---', ':--', '--:', ':-:']));
  const line = (cells: string[]) => {
    const inner = cells.map((cell) => `${pad}${cell}${pad}`).join(chance(0.1) ? ' |' : '|');
    return pipes ? `|${inner}|` : inner.trim() === '' ? `|${inner}|` : inner;
  };
  const tableLines = [line(rows[0] ?? []), line(align ?? []), ...rows.slice(1).map(line)];
  blocks.splice(Math.floor(random() * (blocks.length + 1)), 0, tableLines.join('\n'));
  if (chance(0.3)) blocks.push(pick(['```\nunclosed fence', '~~~~\n| a | b |\n|---|---|\n| Math Reasoning | {RESULT} |']));

  let text = blocks.join(pick(['\n\n', '\n\n\n']));
  if (chance(0.5)) text = `---\n# comment\nlicense: mit # inline\ntags: [a, b]\n---\n${text}`;
  if (chance(0.3)) text = text.replace(/\n/g, '\r\n');
  if (chance(0.2)) text = `\uFEFF${text}`;
  if (chance(0.5)) text += chance(0.5) ? '\n' : '\r\n';
  return { text, scores, plantedKeys: keys };
}

describe('updateBenchmarkTable on random cards', () => {
  it('changes only target cells of benchmark tables, and each to the formatted score', () => {
    const random = seededRandom(Number(process.env.MODELCARD_SEED ?? 7));
    let planted = 0;
    for (let iteration = 0; iteration < 250; iteration++) {
      const { text, scores } = generate(random);
      const context = `iteration ${iteration}:\n${text}`;
      const { text: output, report } = updateBenchmarkTable(text, scores, { benchmarks: BENCHMARKS });

      expect(rangesProblem(text, output, report.changes), context).toBeNull();
      const scan = scanDocument(text);
      expect(scan.tables.map((table) => table.start), context).toEqual(tablesByFullParse(text));

      for (const change of report.changes) {
        const table = report.tables.find((info) => info.start <= change.start && change.end <= info.end);
        expect(table, context).toBeDefined();
        const parsed = scan.tables.find((candidate) => candidate.start === table?.start);
        const inTargetCell = parsed?.rows
          .slice(1)
          .some((row) => {
            const cell = row.cells[table?.targetColumn ?? -1];
            return cell !== undefined && cell.innerStart <= change.start && change.end <= cell.innerEnd;
          });
        expect(inTargetCell, context).toBe(true);
        expect(scan.codeRanges.some((range) => change.start < range.end && range.start < change.end), context).toBe(false);
        const value = change.benchmark === 'eval_accuracy' ? scores.eval_accuracy : scores[change.benchmark];
        expect(change.after.trim(), context).toBe(formatScore(value ?? Number.NaN));
      }
      for (const row of report.matchedRows) {
        const value = row.benchmark === 'eval_accuracy' ? scores.eval_accuracy : scores[row.benchmark];
        if (value !== undefined) planted++;
      }

      // Running again on the output, on the same column (placeholders are gone now, so the caller keeps the
      // column it was shown), finds every value already in place.
      const column = report.tables.length === 1 ? report.tables[0]?.targetColumn : undefined;
      const again = updateBenchmarkTable(output, scores, { benchmarks: BENCHMARKS, ...(column !== undefined ? { column } : {}) });
      expect(again.report.changes, context).toEqual([]);
    }
    expect(planted).toBeGreaterThan(500);
  });
});
