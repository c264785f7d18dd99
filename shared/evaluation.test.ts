import { describe, expect, it } from 'vitest';
import {
  availableMetrics,
  checkpointEvaluation,
  chooseBest,
  evalAccuracy,
  higherIsBetter,
  parseScore,
  parseScoreOutput,
} from './evaluation';

describe('parseScoreOutput', () => {
  it('takes the last number printed, not the first', () => {
    expect(parseScoreOutput('loading 12 shards\nevaluated 500 examples\naccuracy: 0.734\n')).toBe(0.734);
    expect(parseScoreOutput('0.5')).toBe(0.5);
    expect(parseScoreOutput('score=-1.5e-2')).toBe(-0.015);
    expect(parseScoreOutput('acc .75')).toBe(0.75);
  });

  it('prefers {"score": x} JSON, on the last line or as the whole output', () => {
    expect(parseScoreOutput('step 1000\n{"score": 0.61, "n": 2000}\n')).toBe(0.61);
    expect(parseScoreOutput('{\n  "n": 2000,\n  "score": 0.42\n}')).toBe(0.42);
  });

  it('returns null when there is no usable score', () => {
    expect(parseScoreOutput('')).toBeNull();
    expect(parseScoreOutput('evaluation finished\naccuracy: n/a')).toBeNull();
    expect(parseScoreOutput('{"score": null}')).toBeNull();
    expect(parseScoreOutput('{"score": "high"}')).toBeNull();
  });
});

describe('parseScore (strict)', () => {
  it('refuses a last line whose last number is not the score', () => {
    expect(parseScoreOutput('accuracy: 0.61 (n=1000)')).toBeNull();
    expect(parseScoreOutput('step 1000 acc 0.61')).toBeNull();
    expect(parseScoreOutput('0.61\nevaluated 1000 examples')).toBeNull();
  });
  it('refuses binary noise', () => {
    const noise =
      Array.from({ length: 2048 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join('') + ' 6.0';
    expect(parseScoreOutput(noise)).toBeNull();
  });
  it('flags values outside [0, 1] and reads a % as a percentage', () => {
    expect(parseScore('-0.75')).toEqual({ score: -0.75, percent: false, outOfRange: true });
    expect(parseScore('accuracy: 87.5')).toEqual({ score: 87.5, percent: false, outOfRange: true });
    expect(parseScore('accuracy: 87.5%')).toEqual({ score: 0.875, percent: true, outOfRange: false });
    expect(parseScore('mmlu_5shot accuracy: 0.6')).toEqual({ score: 0.6, percent: false, outOfRange: false });
  });
});

describe('evalAccuracy', () => {
  it('is the equal-weight mean when every benchmark has a score', () => {
    const r = evalAccuracy({ arc: 0.4, hellaswag: 0.6, mmlu: 0.5 }, ['arc', 'hellaswag', 'mmlu']);
    expect(r.complete).toBe(true);
    expect(r.evalAccuracy).toBeCloseTo(0.5, 12);
    expect(r.missing).toEqual([]);
  });

  it('uses configured weights', () => {
    const r = evalAccuracy({ arc: 0.4, mmlu: 0.7 }, ['arc', 'mmlu'], { arc: 2 });
    expect(r.evalAccuracy).toBeCloseTo((0.8 + 0.7) / 3, 12);
  });

  it('is null with the missing benchmarks listed when any score is absent', () => {
    const r = evalAccuracy({ arc: 0.4 }, ['arc', 'hellaswag', 'mmlu']);
    expect(r).toEqual({ evalAccuracy: null, complete: false, missing: ['hellaswag', 'mmlu'] });
  });

  it('ignores scores for benchmarks that are not in the list', () => {
    expect(evalAccuracy({ arc: 0.4, extra: 1 }, ['arc']).evalAccuracy).toBe(0.4);
  });

  it('is never complete without benchmarks', () => {
    expect(evalAccuracy({}, []).complete).toBe(false);
  });
});

const row = (name: string, step: number | null, scores: Record<string, number>, benchmarks = ['a', 'b']) =>
  checkpointEvaluation({ name, step, benchmarks, scores });

describe('chooseBest', () => {
  it('picks the highest complete eval_accuracy and says why', () => {
    const choice = chooseBest([
      row('step_200', 200, { a: 0.4, b: 0.5 }),
      row('step_1000', 1000, { a: 0.6, b: 0.5 }),
    ]);
    expect(choice.best).toBe('step_1000');
    expect(choice.reason).toContain('highest complete eval_accuracy (0.550)');
  });

  it('ignores incomplete checkpoints even when their partial mean is higher', () => {
    const choice = chooseBest([
      row('step_200', 200, { a: 0.4, b: 0.5 }),
      row('step_1000', 1000, { a: 0.99 }),
    ]);
    expect(choice.best).toBe('step_200');
    expect(choice.reason).toContain('1 checkpoint without every score was not considered');
  });

  it('prefers the later step on ties, whatever the order given', () => {
    const rows = [
      row('step_800', 800, { a: 0.5, b: 0.5 }),
      row('step_1000', 1000, { a: 0.5, b: 0.5 }),
      row('step_200', 200, { a: 0.5, b: 0.5 }),
    ];
    for (const order of [rows, [...rows].reverse()]) {
      const choice = chooseBest(order);
      expect(choice.best).toBe('step_1000');
      expect(choice.reason).toMatch(/tied with .*step_800.*the later step wins/);
    }
  });

  it('treats means equal up to float noise as ties', () => {
    const rows = [
      row('c1', 1, { a: 0.1, b: 0.2, c: 0.3 }, ['a', 'b', 'c']),
      row('c2', 2, { a: 0.3, b: 0.2, c: 0.1 }, ['a', 'b', 'c']),
    ];
    expect(chooseBest(rows).best).toBe('c2');
  });

  it('chooses none when no checkpoint is complete, naming what is missing', () => {
    const choice = chooseBest([row('step_200', 200, { a: 0.4 }), row('step_400', 400, {})]);
    expect(choice.best).toBeNull();
    expect(choice.reason).toContain('step_200 is missing b');
  });

  it('formats the winning score as Python does (ties to even on the binary value)', () => {
    const choice = chooseBest([row('only', 1, { a: 0.0625, b: 0.0625 })]);
    expect(choice.reason).toContain('0.062');
  });
});

describe('chooseBest by a chosen metric and weights', () => {
  const withLoss = (name: string, step: number, scores: Record<string, number>, loss?: number) => ({
    ...row(name, step, scores),
    ...(loss === undefined ? {} : { metrics: { eval_loss: loss, eval_bleu: step / 1000 } }),
  });
  const rows = [
    withLoss('checkpoint-100', 100, { a: 0.9, b: 0.9 }, 1.2),
    withLoss('checkpoint-200', 200, { a: 0.5, b: 0.5 }, 0.8),
    withLoss('checkpoint-300', 300, { a: 0.6, b: 0.6 }, 0.95),
  ];

  it('defaults to the highest eval_accuracy', () => {
    expect(chooseBest(rows).best).toBe('checkpoint-100');
  });

  it('picks the lowest eval_loss, saying lower is better', () => {
    const choice = chooseBest(rows, { metric: 'eval_loss' });
    expect(choice.best).toBe('checkpoint-200');
    expect(choice.reason).toBe(
      'checkpoint-200 has the lowest eval_loss (0.800; lower is better), the lowest of 3 checkpoints with one.',
    );
  });

  it('picks the highest of any other metric', () => {
    expect(chooseBest(rows, { metric: 'eval_bleu' }).best).toBe('checkpoint-300');
  });

  it('leaves out checkpoints without the metric and says so', () => {
    const choice = chooseBest([...rows, withLoss('checkpoint-400', 400, { a: 1, b: 1 })], {
      metric: 'eval_loss',
    });
    expect(choice.best).toBe('checkpoint-200');
    expect(choice.reason).toContain('1 checkpoint without a eval_loss was not considered');
  });

  it('chooses none when no checkpoint carries the metric', () => {
    const choice = chooseBest([row('x', 1, { a: 1, b: 1 })], { metric: 'eval_loss' });
    expect(choice.best).toBeNull();
    expect(choice.reason).toMatch(/No checkpoint has a value for eval_loss.*Choose another metric/);
  });

  it('weighs benchmarks, and a weight of 0 leaves one out of the mean', () => {
    const weighted = [row('s1', 1, { a: 0.9, b: 0.1 }), row('s2', 2, { a: 0.2, b: 0.9 })];
    expect(chooseBest(weighted).best).toBe('s2'); // 0.5 vs 0.55: equal weights
    expect(chooseBest(weighted, { benchmarks: ['a', 'b'], weights: { a: 3 } }).best).toBe('s1');
    const onlyB = chooseBest(weighted, { benchmarks: ['a', 'b'], weights: { a: 0 } });
    expect(onlyB.best).toBe('s2');
    expect(onlyB.reason).toContain('eval_accuracy (0.900)');
  });

  it('knows which way each metric points', () => {
    for (const m of ['eval_loss', 'loss', 'eval_perplexity', 'eval_wer', 'error_rate', 'eval_cer'])
      expect(higherIsBetter(m)).toBe(false);
    for (const m of ['eval_accuracy', 'eval_bleu', 'eval_f1', 'eval_rouge1', 'eval_glossary'])
      expect(higherIsBetter(m)).toBe(true);
  });

  it('lists eval_accuracy first, then every metric a checkpoint carries', () => {
    expect(availableMetrics(rows)).toEqual(['eval_accuracy', 'eval_bleu', 'eval_loss']);
  });
});
