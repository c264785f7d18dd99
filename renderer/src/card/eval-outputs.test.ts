import { describe, expect, it } from 'vitest';
import type { CheckpointEvaluation } from '../../../shared/types';
import { cardOutputs, DEFAULT_EVAL_OPTIONS, resolveValues } from './eval-outputs';

const TEXT = `---
license: apache-2.0
---
# m

| Benchmark | Score |
|---|---|
| gsm8k | 0.123 |
| mystery | 0.900 |
`;
const checkpoint = {
  name: 'step_1',
  scores: { gsm8k: 0.12345, mystery: 0.5 },
  evalAccuracy: 0.3,
  sources: {},
} as unknown as CheckpointEvaluation;

describe('one set of values for the table, model-index and .eval_results', () => {
  it('keeps full precision where the cell still shows the score, and takes a number the user typed into a cell', () => {
    expect(resolveValues(TEXT, checkpoint.scores, {})).toEqual({ gsm8k: 0.12345, mystery: 0.9 });
    // A value typed in the box, its cell rewritten to match: the box's full precision is the value.
    expect(resolveValues(TEXT.replace('0.123', '0.200'), checkpoint.scores, { gsm8k: 0.2004 })).toMatchObject(
      { gsm8k: 0.2004 },
    );
    // The cell edited by hand afterwards: what the card shows wins, so the card never contradicts its metadata.
    expect(resolveValues(TEXT.replace('0.123', '0.250'), checkpoint.scores, { gsm8k: 0.2004 })).toMatchObject(
      { gsm8k: 0.25 },
    );
  });

  it('changes nothing without the options, and writes model-index and a mapped .eval_results file with them', () => {
    const plain = cardOutputs({ text: TEXT, checkpoint, repoId: 'alice/m', options: DEFAULT_EVAL_OPTIONS });
    expect(plain.readme).toBe(TEXT);
    expect(plain.files).toEqual([]);
    const full = cardOutputs({
      text: TEXT,
      checkpoint,
      repoId: 'alice/m',
      options: { ...DEFAULT_EVAL_OPTIONS, modelIndex: true, evalResults: true },
    });
    expect(full.readme).toContain('model-index:');
    expect(full.readme).toContain('value: 0.12345');
    expect(full.files.map((f) => f.path)).toEqual(['.eval_results/gsm8k.yaml']);
    expect(full.blockers).toEqual([]);
  });
});
