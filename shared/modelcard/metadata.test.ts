import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listReferencedFiles } from './files';
import { buildModelIndex, editMetadata, readMetadata, validateCard } from './metadata';
import { rangesProblem } from './testing/assert-ranges';

const COMMENTED = `---
# Card metadata — edited by hand
license: mit   # see LICENSE
language:
- en        # primary
tags: [chat, 'fine-tuned']
---
# Model
`;

describe('editMetadata', () => {
  it('changes nothing when nothing is asked', () => {
    const result = editMetadata(COMMENTED, {});
    expect(result.text).toBe(COMMENTED);
    expect(result.changes).toEqual([]);
  });

  it('adds only missing keys, after the existing ones, keeping every existing byte', () => {
    const result = editMetadata(COMMENTED, {
      addMissing: { license: 'apache-2.0', library_name: 'transformers', base_model: 'meta-llama/Llama-3.2-1B', pipeline_tag: 'text-generation', tags: ['x'] },
    });
    expect(rangesProblem(COMMENTED, result.text, result.changes)).toBeNull();
    expect(result.edited).toEqual(['library_name', 'base_model', 'pipeline_tag']);
    expect(result.text.startsWith(COMMENTED.slice(0, COMMENTED.indexOf('\n---\n# Model')))).toBe(true);
    expect(result.text).toContain("tags: [chat, 'fine-tuned']\nlibrary_name: transformers\nbase_model: meta-llama/Llama-3.2-1B\npipeline_tag: text-generation\n---\n# Model\n");
    expect(readMetadata(result.text).data).toMatchObject({ license: 'mit', library_name: 'transformers', tags: ['chat', 'fine-tuned'] });
  });

  it('refuses a local path as base_model or dataset and an unknown license', () => {
    const result = editMetadata('# Model\n', { addMissing: { base_model: '/home/me/llama', datasets: ['./data', 'openai/gsm8k'], license: 'apache' } });
    expect(result.warnings).toHaveLength(3);
    expect(parse(result.text.split('---\n')[1] ?? '')).toEqual({ datasets: ['openai/gsm8k'] });
  });

  it('creates front matter after a BOM with the file’s CRLF line endings', () => {
    const input = '\uFEFF# Model\r\n\r\nText\r\n';
    const result = editMetadata(input, { addMissing: { license: 'mit', tags: ['a', 'b'] } });
    expect(result.text).toBe('\uFEFF---\r\nlicense: mit\r\ntags:\r\n  - a\r\n  - b\r\n---\r\n# Model\r\n\r\nText\r\n');
    expect(rangesProblem(input, result.text, result.changes)).toBeNull();
  });

  it('adds model-index per the Hub spec (full precision; the table is what rounds), and replaces an existing one in place', () => {
    const scores = { math_reasoning: 0.0625, logic_puzzles: 1, eval_accuracy: 0.5 };
    const first = editMetadata(COMMENTED, { modelIndex: { modelName: 'my-model', scores, datasets: { math_reasoning: { type: 'org/math', name: 'Math' } } } });
    expect(first.text).toContain('value: 0.0625');
    expect(first.text).toContain('value: 1.000');
    const data = readMetadata(first.text).data;
    expect(data?.['model-index']).toEqual([
      {
        name: 'my-model',
        results: [
          { task: { type: 'text-generation' }, dataset: { name: 'Math', type: 'org/math' }, metrics: [{ type: 'accuracy', value: 0.0625 }] },
          { task: { type: 'text-generation' }, dataset: { name: 'Logic Puzzles', type: 'logic_puzzles' }, metrics: [{ type: 'accuracy', value: 1 }] },
        ],
      },
    ]);
    expect(validateCard(first.text).problems).toEqual([]);

    const withFollowing = first.text.replace('\n---\n# Model', '\n# trailing comment\nthumbnail: a.png\n---\n# Model');
    const second = editMetadata(withFollowing, { modelIndex: { modelName: 'my-model', scores: { math_reasoning: 0.4375 } } });
    expect(rangesProblem(withFollowing, second.text, second.changes)).toBeNull();
    expect(second.changes).toHaveLength(1);
    expect(second.text).toContain('# trailing comment\nthumbnail: a.png\n---');
    expect(second.text.startsWith(COMMENTED.slice(0, COMMENTED.indexOf('\n---\n# Model')))).toBe(true);
    expect(readMetadata(second.text).data?.['model-index']).toEqual([
      { name: 'my-model', results: [{ task: { type: 'text-generation' }, dataset: { name: 'Math Reasoning', type: 'math_reasoning' }, metrics: [{ type: 'accuracy', value: 0.4375 }] }] },
    ]);
    expect(buildModelIndex({ modelName: 'm', scores: { a: Number.NaN, eval_accuracy: 0.5 } })).toEqual([{ name: 'm', results: [] }]);
  });

  it('replaces only the keys the user edited, keeping a one-line comment', () => {
    const result = editMetadata(COMMENTED, { set: { license: 'apache-2.0', tags: ['chat'], new_version: 'acme/v2', base_model: '../base' } });
    expect(rangesProblem(COMMENTED, result.text, result.changes)).toBeNull();
    expect(result.text).toBe(
      "---\n# Card metadata — edited by hand\nlicense: apache-2.0 # see LICENSE\nlanguage:\n- en        # primary\ntags:\n  - chat\nnew_version: acme/v2\n---\n# Model\n",
    );
    expect(result.warnings[0]).toMatch(/Not setting base_model/);
    expect(editMetadata(COMMENTED, { set: { license: 'mit' } }).changes).toEqual([]);
  });

  it('leaves front matter it cannot parse alone', () => {
    const input = '---\nlicense: [mit\n---\n# Model\n';
    const result = editMetadata(input, { addMissing: { library_name: 'transformers' } });
    expect(result.text).toBe(input);
    expect(result.warnings[0]).toMatch(/not valid YAML/);
  });
});

describe('validateCard', () => {
  it('reports YAML that does not parse, with its line', () => {
    const { ok, problems } = validateCard('---\nlicense: mit\ntags: [a\n---\n# x\n');
    expect(ok).toBe(false);
    expect(problems[0]).toMatchObject({ code: 'yaml-syntax', severity: 'error' });
    expect(problems[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('reports an unclosed metadata block', () => {
    expect(validateCard('---\nlicense: mit\n# Model\n').problems.map((p) => p.code)).toEqual(['front-matter-unclosed']);
  });

  it('reports wrong types, local paths, unknown license and pipeline tag', () => {
    const card = `---
license: apache
tags: chat
library_name: 3
base_model: ./outputs/checkpoint-500
datasets:
- C:\\data\\train.jsonl
- openai/gsm8k
pipeline_tag: chatting
model-index: {}
---
`;
    const codes = validateCard(card).problems.map((problem) => `${problem.code}:${problem.key}`);
    expect(codes).toEqual([
      'wrong-type:library_name',
      'wrong-type:tags',
      'unknown-license:license',
      'unknown-pipeline-tag:pipeline_tag',
      'local-path:base_model',
      'local-path:datasets',
      'wrong-type:model-index',
    ]);
  });

  it('accepts a good card and "other" with a license name', () => {
    const card = '---\nlicense: other\nlicense_name: my-license\nbase_model: Qwen/Qwen2.5-0.5B\ndatasets: openai/gsm8k\n---\n# x\n';
    expect(validateCard(card)).toMatchObject({ ok: true, problems: [] });
  });

  it('lists relative files the README references and reports the missing ones', () => {
    const card = [
      '---',
      'thumbnail: ignored.png',
      '---',
      '# Model ![logo](./assets/logo.png "Logo")',
      '',
      'See [the config](config.json#L3), [docs](https://x.y/a.png), [anchor](#usage), [mail](mailto:a@b.c).',
      '<img src="assets/loss%20curve.png" width=300> <a href=\'results/eval.csv\'>csv</a>',
      '',
      '```',
      '![not this](code.png)',
      '```',
      '<!-- ![nor this](comment.png) -->',
      'Inline `![no](inline.png)` code.',
      '',
      '[ref]: docs/guide.md',
      '![up](../outside.png) ![again](assets/logo.png)',
    ].join('\n');
    const files = listReferencedFiles(card);
    expect(files.map((file) => [file.path, file.kind, file.line])).toEqual([
      ['assets/logo.png', 'image', 4],
      ['config.json', 'link', 6],
      ['assets/loss curve.png', 'html', 7],
      ['results/eval.csv', 'html', 7],
      ['docs/guide.md', 'link', 15],
      ['outside.png', 'image', 16],
    ]);
    const existing = new Set(['assets/logo.png', 'config.json']);
    const validation = validateCard(card, { exists: (path) => existing.has(path) });
    expect(validation.ok).toBe(false);
    expect(validation.problems.map((problem) => `${problem.code}:${problem.path}`)).toEqual([
      'missing-file:assets/loss curve.png',
      'missing-file:results/eval.csv',
      'missing-file:docs/guide.md',
      'file-outside-repo:outside.png',
    ]);
    expect(validation.files.find((file) => file.path === 'assets/logo.png')?.exists).toBe(true);
  });
});
