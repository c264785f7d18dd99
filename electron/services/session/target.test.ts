import { describe, expect, it } from 'vitest';
import { proposeRepoName } from './target';

describe('proposeRepoName', () => {
  it('takes the first heading after the front matter; a `# TODO` comment in the YAML is not a title', () => {
    const card = '---\nlibrary_name: transformers\n# TODO: choose a license id\n---\n\n# Tiny reasoner\n';
    expect(proposeRepoName(card, 'run')).toEqual({ repo: 'Tiny-reasoner', source: 'readme-title' });
    expect(proposeRepoName(card.replaceAll('\n', '\r\n'), 'run')).toEqual({
      repo: 'Tiny-reasoner',
      source: 'readme-title',
    });
  });
});
