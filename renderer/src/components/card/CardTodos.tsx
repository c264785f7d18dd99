/**
 * What is left to fill in the card (its TODO markers), each a button that puts the editor's cursor there.
 * The Publish screen asks before publishing a card that still has any.
 */
import { useMemo } from 'react';
import { cardTodos } from '../../card/todos';
import { revealInEditor } from '../../state/card';

export function CardTodos({ text }: { text: string }) {
  const todos = useMemo(() => cardTodos(text), [text]);
  if (todos.length === 0) return null;
  return (
    <section className="card-todos" aria-labelledby="card-todos-title">
      <h3 id="card-todos-title" className="card-todos__title">
        Left to fill: {todos.length} {todos.length === 1 ? 'TODO' : 'TODOs'}
      </h3>
      <ol className="card-todos__list">
        {todos.map((todo) => (
          <li key={todo.offset}>
            <button type="button" className="card-todos__jump" onClick={() => revealInEditor(todo.offset)}>
              {todo.text}
            </button>
            {todo.where === 'metadata' && <span className="muted"> (metadata)</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
