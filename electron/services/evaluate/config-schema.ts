/**
 * The schema of `hub-publisher.json` (see config.ts) and its parser, in a module of its own: zod is loaded
 * only for a workspace that has the file.
 */
import { z } from 'zod';
import { AppError } from '../../../shared/result';
import { WORKSPACE_CONFIG_FILE } from '../scan/roles';
import { COMMAND_PLACEHOLDERS, splitCommand } from './config';

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

export type WorkspaceConfig = z.output<typeof workspaceConfigSchema>;

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

