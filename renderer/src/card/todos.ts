/**
 * What is left to fill in a card: the generator's `<!-- TODO: … -->` markers in the Markdown and its
 * `# TODO: …` comments in the YAML front matter (a YAML comment, not a heading), with their offsets so the
 * editor can jump to each.
 */
import { documentLayout } from '../../../shared/modelcard';

export interface CardTodo {
  /** Offset of the marker in the text (UTF-16 units). */
  offset: number;
  text: string;
  /** Where it is: the metadata (front matter) or the card's body. */
  where: 'metadata' | 'body';
}

const BODY_TODO = /<!--\s*TODO\b:?\s*([\s\S]*?)\s*-->/g;
const YAML_TODO = /^[ \t]*#[ \t]*TODO\b:?[ \t]*(.*?)[ \t]*\r?$/gm;

export function cardTodos(text: string): CardTodo[] {
  const todos: CardTodo[] = [];
  const layout = documentLayout(text);
  const front = layout.frontMatter;
  if (front) {
    const yaml = text.slice(front.contentStart, front.contentEnd);
    for (const match of yaml.matchAll(YAML_TODO)) {
      todos.push({ offset: front.contentStart + match.index, text: match[1] || 'TODO', where: 'metadata' });
    }
  }
  const body = text.slice(layout.bodyStart);
  for (const match of body.matchAll(BODY_TODO)) {
    todos.push({ offset: layout.bodyStart + match.index, text: match[1] || 'TODO', where: 'body' });
  }
  return todos;
}
