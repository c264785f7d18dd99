/**
 * Remembered benchmark outcomes, in the app's data folder, one file per workspace. An entry is keyed by
 * everything that can change the result: the checkpoint's files (path, size, mtime), the benchmark's
 * script folder contents, the command and the interpreter. Anything else changing re-runs only what it
 * touches; reopening an unchanged workspace runs nothing.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { BenchmarkError, CheckpointInfo } from '../../../shared/types';
import { readJsonFile, writeJsonFile } from './store';

export interface CachedOutcome {
  key: string;
  /**
   * The workspace's part of the key (checkpoint files, benchmark, scripts), without the command and the
   * interpreter: what a read that runs nothing matches on (absent in entries of older versions).
   */
  inputs?: string;
  checkpoint: string;
  benchmark: string;
  score: number | null;
  error: BenchmarkError | null;
  /** ISO time of the run. */
  at: string;
  durationMs: number;
  /** For timeouts: the limit it ran under; a longer limit later means running it again. */
  timeoutMs?: number;
}

interface CacheFile {
  version: 1;
  root: string;
  /** `<checkpoint>\t<benchmark>` → the latest outcome (older keys are dropped as they are replaced). */
  entries: Record<string, CachedOutcome>;
}

export function cacheFile(dataDir: string, root: string): string {
  const id = createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 20);
  return path.join(dataDir, 'evaluation-cache', `${id}.json`);
}

export function checkpointFingerprint(c: CheckpointInfo): string {
  const h = createHash('sha256');
  for (const f of c.files)
    h.update(`${f.path}\0${f.bytes}\0${f.mtimeMs ?? ''}\0${f.ino ?? ''}\0${f.ctimeMs ?? ''}\n`);
  return h.digest('hex');
}

export function cacheKey(parts: {
  checkpoint: string;
  fingerprint: string;
  benchmark: string;
  scripts: string;
  argv: string[];
  interpreter: string;
}): string {
  return digestOf(parts);
}

const digestOf = (parts: object): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

/** The workspace's part of `cacheKey`: what a cache-only read matches on (see `EvaluationCache.latest`). */
export function inputsKey(parts: {
  checkpoint: string;
  fingerprint: string;
  benchmark: string;
  scripts: string;
}): string {
  return digestOf(parts);
}

export class EvaluationCache {
  private dirty = false;
  private constructor(
    private readonly file: string,
    private readonly data: CacheFile,
  ) {}

  static async open(dataDir: string, root: string): Promise<EvaluationCache> {
    const file = cacheFile(dataDir, root);
    const data = await readJsonFile<CacheFile>(file, { version: 1, root: path.resolve(root), entries: {} });
    if (data.version !== 1 || typeof data.entries !== 'object' || data.entries === null) {
      return new EvaluationCache(file, { version: 1, root: path.resolve(root), entries: {} });
    }
    return new EvaluationCache(file, data);
  }

  get(checkpoint: string, benchmark: string, key: string, timeoutMs: number): CachedOutcome | null {
    const e = this.data.entries[`${checkpoint}\t${benchmark}`];
    if (!e || e.key !== key) return null;
    if (e.error?.kind === 'timeout' && timeoutMs > (e.timeoutMs ?? 0)) return null;
    return e;
  }

  /**
   * The latest outcome for the checkpoint's files and the benchmark's scripts as they are now, whatever
   * interpreter and command produced it: for reads that run nothing (publishing without benchmarks), which
   * then need not find the interpreter (seconds of process starts behind pyenv shims).
   */
  latest(checkpoint: string, benchmark: string, inputs: string): CachedOutcome | null {
    const e = this.data.entries[`${checkpoint}\t${benchmark}`];
    return e?.inputs === inputs ? e : null;
  }

  set(outcome: CachedOutcome): void {
    this.data.entries[`${outcome.checkpoint}\t${outcome.benchmark}`] = outcome;
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await writeJsonFile(this.file, this.data);
  }
}
