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
import { z } from 'zod';
import { AppError } from '../../../shared/result';
import { WORKSPACE_CONFIG_FILE } from '../scan/roles';

export { WORKSPACE_CONFIG_FILE };

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

const benchmarkName = z
  .string()
  .min(1)
  .regex(/^[^/\\]+$/, 'must be a folder name under evaluation/benchmarks (no slashes)')
  .refine((s) => s !== '.' && s !== '..', 'must be a folder name');

const commandTemplate = z
  .union([z.string().min(1), z.array(z.string()).min(1)])
  .transform((c) => (typeof c === 'string' ? splitCommand(c) : c))
  .refine((argv) => argv.length > 0, 'must not be empty')
  .superRefine((argv, ctx) => {
    for (const arg of argv) {
      for (const m of arg.matchAll(/\{([^}]*)\}/g)) {
        if (!(COMMAND_PLACEHOLDERS as readonly string[]).includes(m[1] ?? '')) {
          ctx.addIssue({
            code: 'custom',
            message: `uses unknown placeholder {${m[1]}}; known: ${COMMAND_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
          });
        }
      }
    }
  });

export const workspaceConfigSchema = z
  .object({
    $schema: z.string().optional(),
    benchmarks: z.array(benchmarkName).min(1).optional(),
    command: commandTemplate.optional(),
    python: z.string().min(1).optional(),
    timeoutSeconds: z
      .number()
      .positive()
      .max(7 * 24 * 3600)
      .optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    weights: z.record(z.string(), z.number().positive().finite()).optional(),
    /** Give the scripts the Hub token (HF_TOKEN): only when a benchmark must download a gated dataset. */
    passHubToken: z.boolean().optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.weights && cfg.benchmarks) {
      for (const b of Object.keys(cfg.weights)) {
        if (!cfg.benchmarks.includes(b)) {
          ctx.addIssue({
            code: 'custom',
            path: ['weights', b],
            message: `is not one of the benchmarks (${cfg.benchmarks.join(', ')})`,
          });
        }
      }
    }
  });

const MAX_CONFIG_BYTES = 1024 * 1024;

export type WorkspaceConfig = z.output<typeof workspaceConfigSchema>;

export interface LoadedConfig {
  config: WorkspaceConfig | null;
  /** Absolute path of the file, when present. */
  file: string | null;
}

/** Reads and validates the workspace config; throws INVALID_ARGUMENT with every problem spelled out. */
export async function loadWorkspaceConfig(root: string): Promise<LoadedConfig> {
  const file = path.join(root, WORKSPACE_CONFIG_FILE);
  // A config is a few hundred bytes; a FIFO or /dev/zero in its place must not hang or fill memory.
  const text = await readBoundedText(file, { maxBytes: MAX_CONFIG_BYTES, label: WORKSPACE_CONFIG_FILE });
  if (text === null) return { config: null, file: null };
  return { config: parseWorkspaceConfig(text), file };
}

export function parseWorkspaceConfig(text: string): WorkspaceConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `${WORKSPACE_CONFIG_FILE} is not valid JSON: ${(err as Error).message}. Fix the file or remove it.`,
    );
  }
  const parsed = workspaceConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const where = i.path.length ? i.path.join('.') : 'the file';
      if (i.code === 'unrecognized_keys')
        return `unknown setting${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')} (known: benchmarks, command, python, timeoutSeconds, concurrency, weights, passHubToken)`;
      return `${where} ${i.message}`;
    });
    throw new AppError('INVALID_ARGUMENT', `${WORKSPACE_CONFIG_FILE} is invalid: ${problems.join('; ')}.`);
  }
  return parsed.data;
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
