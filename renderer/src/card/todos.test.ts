import { describe, expect, it } from 'vitest';
import { cardTodos } from './todos';

describe('cardTodos', () => {
  it('lists the YAML comments and the Markdown markers, in card order, with their offsets', () => {
    const text =
      '---\nlibrary_name: transformers\n# TODO: choose a license id\n---\n# Title\n\n<!-- TODO: describe the model -->\n';
    const todos = cardTodos(text);
    expect(todos).toEqual([
      { offset: text.indexOf('# TODO'), text: 'choose a license id', where: 'metadata' },
      { offset: text.indexOf('<!--'), text: 'describe the model', where: 'body' },
    ]);
  });

  it('a `# TODO` heading in the body is the user’s heading, not a marker; CRLF front matter works', () => {
    const text = '---\r\n# TODO: set the license\r\n---\r\n# TODO list of the project\r\n';
    expect(cardTodos(text)).toEqual([{ offset: 5, text: 'set the license', where: 'metadata' }]);
  });
});
