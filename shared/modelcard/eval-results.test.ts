import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  buildEvalMetadata,
  evalResultsFileProblems,
  mergeEvalResultsFile,
  mergeModelIndex,
  modelIndexProblems,
} from './eval-results';
import { readMetadata, validateCard } from './metadata';
import { prepareCardResults, publishBlockers } from './results-card';

const README = `---
license: apache-2.0
# why this base
base_model: meta-llama/Llama-3.2-1B
---
# Model

| Benchmark | Score |
|---|---|
| gsm8k | {RESULT} |
| arc_easy | {RESULT} |
| my_private_eval | {RESULT} |
`;

const SCORES = { gsm8k: 0.41666666666666669, arc_easy: 0.6253, my_private_eval: 0.5 };
const SOURCES = { gsm8k: 'lm-eval-harness', arc_easy: 'lm-eval-harness', my_private_eval: 'script' } as const;

describe('one set of results, three outputs', () => {
  it('the table, model-index and .eval_results agree value for value (three decimals in the table, full precision in metadata)', () => {
    const out = prepareCardResults(
      { readme: README, repoId: 'alice/m', scores: SCORES, sources: SOURCES, evalAccuracy: null },
      { modelIndex: true, evalResults: true, date: '2026-12-01' },
    );
    expect(out.text).toContain('| gsm8k | 0.417 |');
    expect(out.text).toContain('| arc_easy | 0.625 |');
    const index = readMetadata(out.text).data?.['model-index'] as {
      results: { dataset: { type: string }; metrics: { value: number }[] }[];
    }[];
    const byDataset = Object.fromEntries(index[0]!.results.map((r) => [r.dataset.type, r.metrics[0]!.value]));
    expect(byDataset).toEqual({
      'openai/gsm8k': SCORES.gsm8k,
      'allenai/ai2_arc': 0.6253,
      my_private_eval: 0.5,
    });
    // Only the registered Hub Benchmark gets a file; the others are card only and say so.
    expect(out.files.map((f) => f.path)).toEqual(['.eval_results/gsm8k.yaml']);
    const entries = parse(out.files[0]!.text) as {
      dataset: { id: string; task_id: string };
      value: number;
      date: string;
      source: { url: string };
    }[];
    expect(entries).toEqual([
      {
        dataset: { id: 'openai/gsm8k', task_id: 'gsm8k' },
        value: SCORES.gsm8k,
        date: '2026-12-01',
        source: { url: 'https://github.com/EleutherAI/lm-evaluation-harness', name: 'lm-evaluation-harness' },
      },
    ]);
    expect(out.files[0]!.text).toContain('date: "2026-12-01"');
    expect(out.mappings.find((m) => m.benchmark === 'my_private_eval')?.shows).toBe('card-only');
    expect(out.mappings.find((m) => m.benchmark === 'arc_easy')?.note).toMatch(/card only/);
    // Everything else in the YAML keeps its bytes, comment included.
    expect(
      out.text.startsWith(
        '---\nlicense: apache-2.0\n# why this base\nbase_model: meta-llama/Llama-3.2-1B\nmodel-index:\n',
      ),
    ).toBe(true);
    expect(publishBlockers(out.text, out.files, out.conflicts)).toEqual([]);
  });

  it('without the options only the table changes', () => {
    const out = prepareCardResults({
      readme: README,
      repoId: 'alice/m',
      scores: SCORES,
      sources: SOURCES,
      evalAccuracy: null,
    });
    expect(out.files).toEqual([]);
    expect(out.text.split('\n').filter((line, i) => line !== README.split('\n')[i])).toEqual([
      '| gsm8k | 0.417 |',
      '| arc_easy | 0.625 |',
      '| my_private_eval | 0.500 |',
    ]);
  });

  it('an existing model-index is merged key by key, never overwritten unless asked', () => {
    const existing = `---
model-index:
- name: earlier-name
  results:
  - task: {type: text-generation}
    dataset: {type: openai/gsm8k, name: GSM8K, config: main, split: test}
    metrics:
    - {type: exact_match, value: 0.3, name: strict}
  - task: {type: text-generation}
    dataset: {type: cais/mmlu, name: MMLU}
    metrics:
    - {type: accuracy, value: 0.55}
---
# Model

| Benchmark | Score |
|---|---|
| gsm8k | {RESULT} |
`;
    const input = {
      readme: existing,
      repoId: 'alice/m',
      scores: { gsm8k: 0.41, arc_easy: 0.6 },
      sources: { gsm8k: 'lm-eval-harness', arc_easy: 'lm-eval-harness' } as const,
      evalAccuracy: null,
    };
    const refused = prepareCardResults(input, { modelIndex: true });
    expect(refused.conflicts).toEqual([
      {
        key: 'model-index[0].results[0].metrics[0].value',
        benchmark: 'GSM8K',
        existing: 0.3,
        incoming: 0.41,
        overwritten: false,
      },
    ]);
    const blockers = publishBlockers(refused.text, refused.files, refused.conflicts);
    expect(blockers.map((b) => b.key)).toEqual(['model-index[0].results[0].metrics[0].value']);
    expect(blockers[0]!.message).toMatch(/--overwrite-results/);
    const kept = readMetadata(refused.text).data?.['model-index'] as {
      name: string;
      results: { dataset: { type: string }; metrics: { value: number; name?: string }[] }[];
    }[];
    expect(kept[0]!.name).toBe('earlier-name');
    expect(kept[0]!.results.map((r) => [r.dataset.type, r.metrics[0]!.value])).toEqual([
      ['openai/gsm8k', 0.3],
      ['cais/mmlu', 0.55],
      ['allenai/ai2_arc', 0.6],
    ]);

    const overwritten = prepareCardResults(input, { modelIndex: true, overwrite: true });
    const after = readMetadata(overwritten.text).data?.['model-index'] as {
      results: { metrics: { value: number; name?: string }[] }[];
    }[];
    expect(after[0]!.results[0]!.metrics[0]).toEqual({ type: 'exact_match', value: 0.41, name: 'strict' });
    expect(after[0]!.results).toHaveLength(3);
    expect(publishBlockers(overwritten.text, [], overwritten.conflicts)).toEqual([]);
  });

  it('keeps the Hub’s model-index entries the local card lacks', () => {
    const remote =
      '---\nmodel-index:\n- name: m\n  results:\n  - task: {type: text-generation}\n    dataset: {type: cais/mmlu, name: MMLU}\n    metrics: [{type: accuracy, value: 0.5}]\n---\n';
    const out = prepareCardResults(
      {
        readme: '# M\n',
        repoId: 'a/m',
        scores: { gsm8k: 0.4 },
        sources: { gsm8k: 'lm-eval-harness' },
        evalAccuracy: null,
      },
      { modelIndex: true, remoteReadme: remote },
    );
    const index = readMetadata(out.text).data?.['model-index'] as {
      results: { dataset: { type: string } }[];
    }[];
    expect(index[0]!.results.map((r) => r.dataset.type)).toEqual(['cais/mmlu', 'openai/gsm8k']);
  });

  it('merges .eval_results files entry by entry', () => {
    const [file] = buildEvalMetadata({
      modelName: 'm',
      results: [{ benchmark: 'gsm8k', value: 0.41, source: 'trainer-state' }],
    }).files;
    const existing =
      '- dataset:\n    id: openai/gsm8k\n    task_id: gsm8k\n  value: 0.3\n- dataset:\n    id: cais/hle\n    task_id: hle\n  value: 2\n';
    const refused = mergeEvalResultsFile(file!, existing);
    expect(refused.conflicts.map((c) => [c.key, c.existing, c.incoming])).toEqual([
      ['.eval_results/gsm8k.yaml[0].value', 0.3, 0.41],
    ]);
    expect(refused.unchanged).toBe(true);
    expect(refused.value.text).toBe(existing);
    const replaced = mergeEvalResultsFile(file!, existing, { overwrite: true });
    expect((parse(replaced.value.text) as { value: number }[]).map((e) => e.value)).toEqual([0.41, 2]);
    const same = mergeEvalResultsFile(file!, file!.text);
    expect(same.unchanged).toBe(true);
  });

  it('mergeModelIndex appends to a card without results and leaves equal values alone', () => {
    const incoming = buildEvalMetadata({
      modelName: 'm',
      results: [{ benchmark: 'gsm8k', value: 0.4, source: 'manual' }],
    }).modelIndex;
    expect(mergeModelIndex(undefined, incoming).value).toEqual(incoming);
    const again = mergeModelIndex(incoming, incoming);
    expect(again.unchanged).toBe(true);
    expect(again.conflicts).toEqual([]);
  });
});

describe('validation names the key and the fix', () => {
  it('model-index', () => {
    const problems = modelIndexProblems([
      {
        name: 'm',
        results: [
          {
            task: { type: 't' },
            dataset: { type: './data/local', name: 'x' },
            metrics: [{ type: 'accuracy' }],
          },
        ],
      },
    ]);
    expect(problems.map((p) => p.key)).toEqual([
      'model-index[0].results[0].dataset.type',
      'model-index[0].results[0].metrics[0].value',
    ]);
    expect(problems[0]!.message).toMatch(/local path/);
  });

  it('.eval_results files', () => {
    const problems = evalResultsFileProblems(
      '.eval_results/x.yaml',
      '- dataset: {id: gsm8k}\n  value: high\n  date: yesterday\n  source: {name: logs}\n',
    );
    expect(problems.map((p) => p.key)).toEqual([
      '[0].dataset.id',
      '[0].dataset.task_id',
      '[0].date',
      '[0].source.url',
    ]);
    expect(evalResultsFileProblems('.eval_results/x.yaml', 'value: 1\n')[0]!.message).toMatch(
      /must be a YAML list/,
    );
  });

  it('language codes, licenses and local paths in the card', () => {
    const card = '---\nlanguage: [English, fr]\nlicense: apache\ndatasets: [/data/train]\n---\n';
    const keys = validateCard(card)
      .problems.filter((p) => p.severity === 'error')
      .map((p) => [p.key, p.code]);
    expect(keys).toEqual([
      ['license', 'unknown-license'],
      ['datasets', 'local-path'],
      ['language', 'invalid-language'],
    ]);
    expect(validateCard(card).problems.find((p) => p.key === 'language')?.message).toMatch(/here: en/);
  });
});
