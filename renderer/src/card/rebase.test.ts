import { describe, expect, it } from 'vitest';
import { rebaseGenerated, singleChange } from './rebase';

const OLD = [
  '# Model',
  '',
  'Checkpoint: step_100',
  '',
  '## Usage',
  '',
  'pip install x',
  '',
  '## Contact',
  '',
  'nobody',
].join('\n');
const NEW = OLD.replace('step_100', 'step_200').replace('nobody', 'alice@example.com');

describe('a generated card the user edited, brought up to date', () => {
  it('applies every changed block where it still reads as generated', () => {
    const user = OLD.replace('pip install x', 'pip install x --upgrade');
    const rebased = rebaseGenerated(user, OLD, NEW);
    expect(rebased).toMatchObject({ applied: 2, skipped: 0 });
    expect(rebased.text).toContain('Checkpoint: step_200');
    expect(rebased.text).toContain('alice@example.com');
    expect(rebased.text).toContain('pip install x --upgrade');
  });

  it('leaves a block the user rewrote alone and counts it', () => {
    const user = OLD.replace('Checkpoint: step_100', 'Our favourite checkpoint.');
    const rebased = rebaseGenerated(user, OLD, NEW);
    expect(rebased).toMatchObject({ applied: 1, skipped: 1 });
    expect(rebased.text).toContain('Our favourite checkpoint.');
    expect(rebased.text).not.toContain('step_200');
    expect(rebased.text).toContain('alice@example.com');
  });
});

describe('singleChange', () => {
  it('is the one edit between two texts, head and tail kept', () => {
    const change = singleChange('abc 0.500 xyz', 'abc 0.750 xyz')!;
    expect(change).toEqual({ from: 6, to: 8, insert: '75' });
    expect(singleChange('same', 'same')).toBeNull();
  });
});
