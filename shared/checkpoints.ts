/** Checkpoint naming and ordering, shared by the scanner, the CLI and the renderer. */

/**
 * The training step a checkpoint name stands for: the last number in the name (`step_1000`,
 * `checkpoint-500`, `global_step20`, `runs/a/checkpoint-7` → 7), or null when the name has none.
 */
export function stepFromName(name: string): number | null {
  const matches = name.match(/\d+/g);
  if (!matches) return null;
  const n = Number(matches[matches.length - 1]);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Orders checkpoint names by their numbers, never as strings: `step_200` before `step_1000`, and
 * `run2/checkpoint-10` before `run10/checkpoint-5`. Names without numbers sort after, alphabetically.
 */
export function compareCheckpointNames(a: string, b: string): number {
  return naturalCollator.compare(a, b);
}

const naturalCollator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
