// @vitest-environment happy-dom
/** The Overall bar's value (issue #13): one bar for the whole run, which a new phase never moves back. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../shared/types';
import { createFakeApi } from '../testing/fake-api';

import type * as PublishModule from './publish';

let overallFraction: typeof PublishModule.overallFraction;
beforeAll(async () => {
  window.api = createFakeApi().api;
  ({ overallFraction } = await import('./publish'));
});

const at = (phase: JobProgress['phase'], done: number, total: number): JobProgress => ({
  phase,
  done,
  total,
  unit: 'bytes',
});

describe('overallFraction', () => {
  it('only grows through a real run’s events, each phase restarting at "0 of 0"', () => {
    const run = [
      at('token', 0, 1),
      at('token', 1, 1),
      at('hash', 0, 0),
      at('hash', 5, 10),
      at('hash', 10, 10),
      at('repo', 0, 0),
      at('upload', 0, 0),
      at('upload', 0, 3000),
      at('upload', 1500, 3000),
      at('upload', 3000, 3000),
      at('commit', 0, 1),
      at('verify', 0, 6),
      at('verify', 6, 6),
    ];
    const values = run.map(overallFraction);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
    // Half the bytes sent is past the middle of the bar's upload share, never back at zero.
    expect(overallFraction(at('upload', 1500, 3000))).toBeGreaterThan(overallFraction(at('hash', 10, 10)));
    expect(values.at(-1)).toBeCloseTo(1, 5);
    expect(values[0]).toBe(0);
  });
});
