/**
 * Scores the user enters by hand (a benchmark run elsewhere, a number from a paper), kept in the app's data
 * folder per workspace and always marked `manual` so nobody mistakes them for measured ones.
 */
import path from 'node:path';
import { isPrototypeKey } from '../../../shared/prototype-keys';
import { AppError } from '../../../shared/result';
import { readJsonFile, updateJsonFile } from './store';

interface ManualFile {
  version: 1;
  /** Workspace root → checkpoint name → benchmark → score. */
  workspaces: Record<string, Record<string, Record<string, number>>>;
}

const EMPTY: ManualFile = { version: 1, workspaces: {} };

type Scores = Record<string, Record<string, number>>;

/**
 * The file's records rebuilt as null-prototype objects: keys are user names (a checkpoint may be called
 * `__proto__`), and on an ordinary object such a key reaches Object.prototype itself.
 */
function nullRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function sanitize(data: ManualFile): { version: 1; workspaces: Record<string, Scores> } {
  const workspaces = nullRecord<Scores>();
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(data?.workspaces)) {
    for (const [root, checkpoints] of Object.entries(data.workspaces)) {
      if (!isObject(checkpoints)) continue;
      const ws = nullRecord<Record<string, number>>();
      for (const [checkpoint, scores] of Object.entries(checkpoints)) {
        if (!isObject(scores) || isPrototypeKey(checkpoint)) continue;
        const entry = nullRecord<number>();
        for (const [benchmark, score] of Object.entries(scores)) {
          if (typeof score === 'number' && Number.isFinite(score) && !isPrototypeKey(benchmark))
            entry[benchmark] = score;
        }
        ws[checkpoint] = entry;
      }
      workspaces[root] = ws;
    }
  }
  return { version: 1, workspaces };
}

export function manualScoresFile(dataDir: string): string {
  return path.join(dataDir, 'manual-scores.json');
}

/** Every manual score of a workspace: checkpoint name → benchmark → score. */
export async function getManualScores(
  dataDir: string,
  root: string,
): Promise<Record<string, Record<string, number>>> {
  const data = sanitize(await readJsonFile<ManualFile>(manualScoresFile(dataDir), EMPTY));
  return data.workspaces[path.resolve(root)] ?? nullRecord();
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
  if (isPrototypeKey(checkpoint) || isPrototypeKey(benchmark)) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `"${isPrototypeKey(checkpoint) ? checkpoint : benchmark}" is a reserved name (__proto__, prototype, constructor) and cannot hold a score; rename the checkpoint or benchmark.`,
    );
  }
  const key = path.resolve(root);
  await updateJsonFile<ManualFile>(manualScoresFile(dataDir), EMPTY, (raw) => {
    const data = sanitize(raw);
    const ws = (data.workspaces[key] ??= nullRecord());
    if (score === null) {
      const c = ws[checkpoint];
      if (c) {
        delete c[benchmark];
        if (Object.keys(c).length === 0) delete ws[checkpoint];
      }
      if (Object.keys(ws).length === 0) delete data.workspaces[key];
    } else {
      (ws[checkpoint] ??= nullRecord())[benchmark] = score;
    }
    return data;
  });
}
