/**
 * The model card being prepared for the chosen checkpoint. The Model card screen owns this store; the
 * Publish screen reads `text` (what will be uploaded as README.md).
 */
import { createStore } from './store';

export interface CardState {
  /** The workspace README as it is on disk, or null when there is none (a card is generated). */
  original: string | null;
  /** The card that will be published, with the chosen checkpoint's scores and the user's edits. */
  text: string | null;
}

export const cardStore = createStore<CardState>({ original: null, text: null });
