/**
 * Workspace scanning. First slice: the subfolders of the root that hold a `config.json`, in numeric order.
 * The scanning issue replaces this with the full scanner (weights, shards, tokenizer, nested runs...).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { compareCheckpointNames, stepFromName } from '../../../shared/checkpoints';
import { AppError } from '../../../shared/result';
import type { CheckpointInfo, ScanResult } from '../../../shared/types';

export interface ScanOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function scanWorkspace(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const info = await stat(root).catch(() => null);
  if (!info) throw new AppError('NOT_FOUND', `${root} does not exist. Choose a folder of training output.`);
  if (!info.isDirectory()) {
    throw new AppError('NOT_A_DIRECTORY', `${root} is a file. Drop the folder that holds your checkpoints.`);
  }
  const entries = await readdir(root, { withFileTypes: true });
  const checkpoints: CheckpointInfo[] = [];
  let done = 0;
  for (const entry of entries) {
    options.signal?.throwIfAborted();
    options.onProgress?.(done++, entries.length);
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const config = await stat(path.join(dir, 'config.json')).catch(() => null);
    if (!config?.isFile()) continue;
    checkpoints.push({
      name: entry.name,
      path: dir,
      relPath: entry.name,
      step: stepFromName(entry.name),
      valid: true,
      problems: [],
      weights: { format: 'none', sharded: false, bytes: 0, parameters: null, dtypes: [] },
      hasTokenizer: false,
      files: [{ path: 'config.json', bytes: config.size, role: 'config' }],
      totalBytes: config.size,
    });
  }
  checkpoints.sort((a, b) => compareCheckpointNames(a.relPath, b.relPath));
  return {
    root,
    checkpoints,
    readme: null,
    readmeAssets: [],
    tokenFile: null,
    evaluation: { benchmarks: [], sources: [], configFile: null },
    warnings: [],
  };
}
