/**
 * What a workspace offers for evaluation, found without running anything: its per-benchmark scripts
 * (`evaluation/benchmarks/<benchmark>/eval.py`), its `hub-publisher.json`, and results tools already wrote.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/result';
import type { CheckpointInfo, EvaluationSetup, ScoreSource } from '../../../shared/types';
import { loadWorkspaceConfig, type LoadedConfig } from './config';
import { loadImportedScores } from './imported';

export const BENCHMARKS_DIR = 'evaluation/benchmarks';
export const SCRIPT_NAME = 'eval.py';

/** Benchmark name → script path relative to the root (with `/`), for every folder holding an eval.py. */
export async function listBenchmarkScripts(root: string): Promise<Map<string, string>> {
  const dir = path.join(root, ...BENCHMARKS_DIR.split('/'));
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found = new Map<string, string>();
  await Promise.all(
    entries.map(async (e) => {
      if (e.name.startsWith('.') || e.name === '__pycache__') return;
      const script = path.join(dir, e.name, SCRIPT_NAME);
      const s = await stat(script).catch(() => null);
      if (s?.isFile()) found.set(e.name, `${BENCHMARKS_DIR}/${e.name}/${SCRIPT_NAME}`);
    }),
  );
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

export interface DiscoverOptions {
  resultFiles?: string[];
  /** Problems worth telling the user are appended here. */
  warnings?: string[];
  signal?: AbortSignal;
}

export async function discoverEvaluationSetup(
  root: string,
  checkpoints: CheckpointInfo[],
  options: DiscoverOptions = {},
): Promise<EvaluationSetup> {
  const warnings = options.warnings ?? [];
  let loaded: LoadedConfig = { config: null, file: null };
  let configFile: string | null = null;
  try {
    loaded = await loadWorkspaceConfig(root);
    configFile = loaded.file;
  } catch (err) {
    configFile = path.join(root, 'hub-publisher.json');
    warnings.push(err instanceof AppError ? err.message : String(err));
  }
  options.signal?.throwIfAborted();
  const scripts = await listBenchmarkScripts(root);
  const imported = await loadImportedScores(root, checkpoints, options.resultFiles ?? []);
  warnings.push(...imported.warnings);

  const sources: ScoreSource[] = [];
  if (scripts.size > 0 || loaded.config?.command) sources.push('script');
  for (const s of ['trainer-state', 'eval-results', 'lm-eval-harness', 'lighteval'] as const)
    if (imported.sources.has(s)) sources.push(s);

  return {
    benchmarks: benchmarkList(loaded, scripts, importedBenchmarks(imported.scores)),
    sources,
    configFile,
    resultFiles: options.resultFiles ?? [],
  };
}

export function importedBenchmarks(scores: Map<string, Map<string, unknown>>): string[] {
  const names = new Set<string>();
  for (const m of scores.values()) for (const b of m.keys()) names.add(b);
  return [...names].sort();
}

/** The configured list wins; then the scripts; only a workspace without either is scored on what was imported. */
export function benchmarkList(
  loaded: LoadedConfig,
  scripts: Map<string, string>,
  imported: string[],
): string[] {
  if (loaded.config?.benchmarks) return [...loaded.config.benchmarks];
  if (scripts.size > 0) return [...scripts.keys()];
  return imported;
}
