/** Scans, evaluations and accounts as the main process reports them, for the renderer's store tests. */
import type { AccountStatus } from '../../../shared/ipc/contract';
import type {
  CheckpointEvaluation,
  CheckpointInfo,
  EvaluationReport,
  ScanResult,
} from '../../../shared/types';

export function scanOf(root: string, checkpoints: string[]): ScanResult {
  return {
    root,
    checkpoints: checkpoints.map((name, i): CheckpointInfo => ({
      name,
      path: `${root}/${name}`,
      relPath: name,
      step: (i + 1) * 100,
      valid: true,
      problems: [],
      weights: { format: 'safetensors', sharded: false, bytes: 1000, parameters: null, dtypes: ['F32'] },
      hasTokenizer: true,
      files: [],
      totalBytes: 1000,
    })),
    readme: null,
    readmeAssets: [],
    tokenFile: null,
    evaluation: { benchmarks: ['math'], sources: ['script'], configFile: null },
    warnings: [],
  };
}

/** An evaluation where each checkpoint scored `math` as given; the highest is the best. */
export function reportOf(scores: Record<string, number>): EvaluationReport {
  const checkpoints = Object.entries(scores).map(([name, math], i): CheckpointEvaluation => ({
    name,
    step: (i + 1) * 100,
    scores: { math },
    errors: {},
    sources: { math: 'script' },
    evalAccuracy: math,
    complete: true,
    missing: [],
  }));
  const best =
    [...checkpoints].sort((a, b) => (b.evalAccuracy ?? 0) - (a.evalAccuracy ?? 0))[0]?.name ?? null;
  return {
    benchmarks: ['math'],
    checkpoints,
    best,
    bestReason: `${best} has the highest eval_accuracy.`,
    interpreter: null,
  };
}

export function signedIn(user: string, orgs: string[] = []): AccountStatus {
  return {
    account: {
      user,
      fullname: null,
      orgs,
      role: 'write',
      canWrite: true,
      masked: 'hf_…abcd',
      source: 'keychain',
    },
    error: null,
    keychainAvailable: true,
    hubEndpoint: 'http://127.0.0.1:1',
  };
}
