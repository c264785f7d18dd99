/**
 * Small external stores read with `useSyncExternalStore`: state lives outside the component tree, so it
 * survives moving between screens, and each component subscribes to just the slice it shows. One store per
 * feature (workspace, evaluation, card, publish); a feature may read another's store but writes only its own.
 */
import { useSyncExternalStore } from 'react';

export interface Store<T> {
  get(): T;
  set(update: Partial<T> | ((state: T) => Partial<T>)): void;
  use<S>(select: (state: T) => S): S;
  subscribe(listener: () => void): () => void;
}

export function createStore<T extends object>(
  initial: T,
  onChange?: (state: T, patch: Partial<T>) => void,
): Store<T> {
  let state = initial;
  const listeners = new Set<() => void>();
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  return {
    get: () => state,
    set(update) {
      const patch = typeof update === 'function' ? update(state) : update;
      state = { ...state, ...patch };
      onChange?.(state, patch);
      for (const listener of listeners) listener();
    },
    use: (select) => useSyncExternalStore(subscribe, () => select(state)),
    subscribe,
  };
}
