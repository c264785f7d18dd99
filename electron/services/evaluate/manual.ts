/**
 * Scores the user enters by hand (a benchmark run elsewhere, a number from a paper), kept in the app's data
 * folder per workspace and always marked `manual` so nobody mistakes them for measured ones.
 */
import path from 'node:path';
import { AppError } from '../../../shared/result';
import { readJsonFile, updateJsonFile } from './store';

interface ManualFile {
  version: 1;
  /** Workspace root → checkpoint name → benchmark → score. */
  workspaces: Record<string, Record<string, Record<string, number>>>;
}

const EMPTY: ManualFile = { version: 1, workspaces: {} };

export function manualScoresFile(dataDir: string): string {
  return path.join(dataDir, 'manual-scores.json');
}

/** Every manual score of a workspace: checkpoint name → benchmark → score. */
export async function getManualScores(
  dataDir: string,
  root: string,
): Promise<Record<string, Record<string, number>>> {
  const data = await readJsonFile<ManualFile>(manualScoresFile(dataDir), EMPTY);
  return data.workspaces?.[path.resolve(root)] ?? {};
}

/** Sets (or, with null, removes) one manual score. */
export async function setManualScore(
  dataDir: string,
  root: string,
  checkpoint: string,
  benchmark: string,
  score: number | null,
): Promise<void> {
  if (score !== null && !Number.isFinite(score)) {
    throw new AppError('INVALID_ARGUMENT', `A score must be a finite number, got ${score}.`);
  }
  if (!checkpoint || !benchmark)
    throw new AppError('INVALID_ARGUMENT', 'Name the checkpoint and the benchmark the score is for.');
  const key = path.resolve(root);
  await updateJsonFile<ManualFile>(manualScoresFile(dataDir), EMPTY, (data) => {
    if (!data.workspaces || typeof data.workspaces !== 'object') data.workspaces = {};
    const ws = (data.workspaces[key] ??= {});
    if (score === null) {
      const c = ws[checkpoint];
      if (c) {
        delete c[benchmark];
        if (Object.keys(c).length === 0) delete ws[checkpoint];
      }
      if (Object.keys(ws).length === 0) delete data.workspaces[key];
    } else {
      (ws[checkpoint] ??= {})[benchmark] = score;
    }
    data.version = 1;
  });
}
