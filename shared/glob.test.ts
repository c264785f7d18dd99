import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { compileGlobs, globProblem } from './glob';

const PATHS = [
  'model.safetensors',
  'a/b/c.txt',
  'a/c.txt',
  'c.txt',
  '.hidden',
  'sub/.env',
  'tokenizer.json',
  'x/y/z/model-00001-of-00002.safetensors',
  'optimizer.pt',
  'a/b',
  'ab',
  'runs/1/events.out.tfevents.1',
];
const PATTERNS = [
  '*.safetensors',
  '**/*.safetensors',
  'a/**',
  'a/**/c.txt',
  '**/c.txt',
  '*.{json,pt}',
  '?b',
  '[a-c]b',
  '**',
  'a/*',
  '*',
  '**/.env',
  'x/**/*-of-*.safetensors',
  '*tfevents*',
  '**/*tfevents*',
  'a/b/c.txt',
];

describe('user globs', () => {
  it('agree with picomatch (dot: true) on ordinary patterns', () => {
    for (const pattern of PATTERNS) {
      const ours = compileGlobs([pattern]);
      const theirs = picomatch(pattern, { dot: true });
      for (const p of PATHS) expect([pattern, p, ours(p)]).toEqual([pattern, p, theirs(p)]);
    }
  });

  it('match in linear time where a backtracking matcher takes minutes', () => {
    // 24 stars: picomatch's regular expression needs far more than a minute on this input.
    const match = compileGlobs(['*a'.repeat(24) + 'b']);
    expect(match('a'.repeat(2000))).toBe(false);
    expect(match('a'.repeat(20) + 'b')).toBe(false);
    expect(match('a'.repeat(30) + 'b')).toBe(true);
    expect(compileGlobs(['*a'.repeat(3) + 'b'])('xaxaxab')).toBe(true);
  });

  it('refuse patterns that are too long, have control characters or expand too far', () => {
    expect(globProblem('x'.repeat(300))).toMatch(/longer than 256/);
    expect(globProblem('a\u0000b')).toMatch(/control character/);
    expect(globProblem('{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}')).toMatch(/more than 64/);
    expect(globProblem('*.bin')).toBeNull();
  });

  it('negate classes as shells do', () => {
    // picomatch 4 answers true for "ab" here; bash and git say false.
    expect(compileGlobs(['[!a]b'])('ab')).toBe(false);
    expect(compileGlobs(['[!a]b'])('cb')).toBe(true);
  });

  it('support negation', () => {
    const m = compileGlobs(['**/*', '!**/*.pt']);
    expect(m('a/model.bin')).toBe(true);
    expect(m('optimizer.pt')).toBe(false);
  });
});
