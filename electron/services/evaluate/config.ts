/**
 * `hub-publisher.json`: the workspace's own evaluation settings, kept next to its scripts so everyone who
 * opens the workspace evaluates it the same way.
 *
 *   {
 *     "benchmarks": ["arc", "hellaswag"],
 *     "command": ["{python}", "evaluation/benchmarks/{benchmark}/eval.py", "{checkpoint}"],
 *     "python": ".venv/bin/python",
 *     "timeoutSeconds": 1800,
 *     "concurrency": 2,
 *     "weights": { "arc": 2, "hellaswag": 1 }
 *   }
 */
import { readBoundedText } from '../safe-read';
import path from 'node:path';
import { WORKSPACE_CONFIG_FILE } from '../scan/roles';
import type { WorkspaceConfig } from './config-schema';

export { WORKSPACE_CONFIG_FILE };
export type { WorkspaceConfig };

/** Placeholders a command template may use. */
export const COMMAND_PLACEHOLDERS = [
  'python',
  'script',
  'benchmark',
  'checkpoint',
  'checkpoint_rel',
  'checkpoint_name',
  'root',
] as const;

const MAX_CONFIG_BYTES = 1024 * 1024;

export interface LoadedConfig {
  config: WorkspaceConfig | null;
  /** Absolute path of the file, when present. */
  file: string | null;
}

/**
 * Reads and validates the workspace config; throws INVALID_ARGUMENT with every problem spelled out. The
 * validator (zod, a third of the code a publish loads) is loaded only when the workspace has the file.
 */
export async function loadWorkspaceConfig(root: string): Promise<LoadedConfig> {
  const file = path.join(root, WORKSPACE_CONFIG_FILE);
  // A config is a few hundred bytes; a FIFO or /dev/zero in its place must not hang or fill memory.
  const text = await readBoundedText(file, { maxBytes: MAX_CONFIG_BYTES, label: WORKSPACE_CONFIG_FILE });
  if (text === null) return { config: null, file: null };
  const { parseWorkspaceConfig } = await import('./config-schema');
  return { config: parseWorkspaceConfig(text), file };
}

/** Splits a command line on whitespace, honouring single and double quotes; no shell is involved. */
export function splitCommand(line: string): string[] {
  const args: string[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  let has = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) args.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
    }
  }
  if (has || cur) args.push(cur);
  return args;
}
