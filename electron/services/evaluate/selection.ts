/**
 * What picks a workspace's best checkpoint (a metric and per-benchmark weights), as the user chose it in
 * the window or on the command line: kept in the app's data folder per workspace, so the next evaluation,
 * the card and the commit title use the same choice.
 */
import path from 'node:path';
import { isPrototypeKey } from '../../../shared/prototype-keys';
import { DEFAULT_BEST_METRIC, type BestSelection } from '../../../shared/evaluation';
import { AppError } from '../../../shared/result';
import { readJsonFile, updateJsonFile } from './store';

interface SelectionFile {
  version: 1;
  /** Workspace root → its choice. */
  workspaces: Record<string, BestSelection>;
}

const EMPTY: SelectionFile = { version: 1, workspaces: {} };

export function bestSelectionFile(dataDir: string): string {
  return path.join(dataDir, 'best-selection.json');
}

/** A choice read from disk or a request, kept only where it makes sense (finite weights ≥ 0, no odd keys). */
export function cleanSelection(raw: unknown): BestSelection {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const input = isObject(raw) ? raw : {};
  const metric = typeof input.metric === 'string' && input.metric ? input.metric : DEFAULT_BEST_METRIC;
  const weights = Object.create(null) as Record<string, number>;
  if (isObject(input.weights)) {
    for (const [b, w] of Object.entries(input.weights))
      if (typeof w === 'number' && Number.isFinite(w) && w >= 0 && !isPrototypeKey(b)) weights[b] = w;
  }
  return { metric, weights };
}

/** The workspace's remembered choice; eval_accuracy with equal weights when none was made. */
export async function getBestSelection(dataDir: string, root: string): Promise<BestSelection> {
  const data = await readJsonFile<SelectionFile>(bestSelectionFile(dataDir), EMPTY);
  const key = path.resolve(root);
  const ws = data?.workspaces && Object.hasOwn(data.workspaces, key) ? data.workspaces[key] : undefined;
  return cleanSelection(ws);
}

/** Remembers the workspace's choice (the default choice removes the entry). */
export async function setBestSelection(
  dataDir: string,
  root: string,
  selection: BestSelection,
): Promise<BestSelection> {
  for (const [b, w] of Object.entries(selection.weights ?? {})) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw new AppError(
        'INVALID_ARGUMENT',
        `The weight of ${b} must be a number of 0 or more, got ${String(w)}.`,
      );
  }
  const clean = cleanSelection(selection);
  const key = path.resolve(root);
  await updateJsonFile<SelectionFile>(bestSelectionFile(dataDir), EMPTY, (raw) => {
    const workspaces = Object.create(null) as Record<string, BestSelection>;
    for (const [k, v] of Object.entries(raw?.workspaces ?? {})) workspaces[k] = cleanSelection(v);
    const isDefault = clean.metric === DEFAULT_BEST_METRIC && Object.keys(clean.weights).length === 0;
    if (isDefault) delete workspaces[key];
    else workspaces[key] = clean;
    return { version: 1, workspaces };
  });
  return clean;
}
