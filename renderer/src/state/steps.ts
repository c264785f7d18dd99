/**
 * The flow as a numbered stepper: which steps can be opened now, and where "Continue" leads from each.
 * A step opens once what it needs exists: checkpoints need a scan that found some, the model card a
 * checkpoint to describe, Publish a card to upload.
 */
import { cardStore } from './card';
import { publishCheckpoint } from './publish';
import { sessionStore } from './session';
import type { Screen } from './workspace';

export interface Step {
  id: Screen;
  label: string;
}

export const STEPS: readonly Step[] = [
  { id: 'workspace', label: 'Workspace' },
  { id: 'checkpoints', label: 'Checkpoints' },
  { id: 'card', label: 'Model card' },
  { id: 'publish', label: 'Publish' },
];

/** Why a step cannot be opened yet, in the user's terms; null when it can. */
export function stepBlocked(id: Screen): string | null {
  if (id === 'workspace') return null;
  const model = sessionStore.get();
  if (!model.info || !model.scan) return 'Open a workspace first.';
  if (model.scan.checkpoints.length === 0) return 'This folder has no checkpoints: open another one.';
  if (id === 'checkpoints') return null;
  if (!publishCheckpoint()) return 'No valid checkpoint to describe yet.';
  if (id === 'card') return null;
  const card = cardStore.get();
  if (card.text === null && card.original === null) return 'The model card is not ready yet.';
  return null;
}

/** The step after this one. */
export function nextStep(id: Screen): Step | null {
  const index = STEPS.findIndex((s) => s.id === id);
  return STEPS[index + 1] ?? null;
}
