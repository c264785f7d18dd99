import { describe, expect, it } from 'vitest';
import type { CheckpointInfo, EvaluationReport } from '../types';
import { prepareCard } from './prepare';

const checkpoint = { name: 'checkpoint-200', step: 200 } as CheckpointInfo;
const report: EvaluationReport = {
  benchmarks: ['arc', 'gsm8k'],
  checkpoints: [],
  best: 'checkpoint-200',
  bestReason: 'highest eval_accuracy',
  interpreter: null,
};

describe('prepareCard', () => {
  it("fills the workspace README's benchmark table and leaves the rest as written", () => {
    const existing =
      '# My run\n\nSome *notes*.\n\n| Benchmark | Score |\n|---|---|\n| arc | - |\n| gsm8k | - |\n| eval_accuracy | - |\n\nThe end.\n';
    const { text } = prepareCard({
      existing,
      modelName: 'alice/tiny-llama-sft',
      checkpoint,
      report,
      scores: { arc: 0.5, gsm8k: 0.0625 },
      evalAccuracy: 0.28125,
    });
    expect(text).toContain('| arc | 0.500 |');
    expect(text).toContain('| gsm8k | 0.062 |');
    expect(text).toContain('| eval_accuracy | 0.281 |');
    expect(text.startsWith('# My run\n\nSome *notes*.\n')).toBe(true);
    expect(text.endsWith('\nThe end.\n')).toBe(true);
  });

  it('makes a card when the workspace has none, marking benchmarks without a score', () => {
    const { text } = prepareCard({
      existing: null,
      modelName: 'alice/tiny-llama-sft',
      checkpoint,
      report,
      scores: { arc: 0.5 },
      evalAccuracy: 0.5,
    });
    expect(text).toMatch(/^---\n/);
    expect(text).toContain('checkpoint-200');
    expect(text).toMatch(/\| Arc \| 0\.500 \|/);
    expect(text).toMatch(/Gsm8k \| not evaluated/);
    expect(text).toMatch(/eval_accuracy.*\| 0\.500 \|/);
  });

  it("fills the column named after the model, never a baseline's, and says which column it filled", () => {
    const existing = '# Named\n\n| Benchmark | my-model | Baseline |\n|---|---|---|\n| arc | - | 0.400 |\n';
    const card = prepareCard({
      existing,
      modelName: 'alice/my-model',
      checkpoint,
      report,
      scores: { arc: 0.5 },
      evalAccuracy: 0.5,
    });
    expect(card.text).toContain('| arc | 0.500 | 0.400 |');
    expect(card.column).toBe(1);
    expect(card.origin).toBe('readme');
  });
});
