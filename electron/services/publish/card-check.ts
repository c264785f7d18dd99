/**
 * The model card's last check before any byte is hashed or sent: the app's own rules (shared/modelcard) and
 * the endpoint's `POST /api/validate-yaml`, which is what the Hub applies when README.md is committed
 * (huggingface_hub 2.0.0 `HfApi._validate_yaml`: `{content, repoType}` → 200, or 400 with `errors[].message`).
 * Also reads the workspace's `.eval_results/*.yaml`, which the card's metadata merges with (the Hub's copies
 * come through the session's Hub client).
 */
import { readdir } from 'node:fs/promises';
import { readBoundedText } from '../safe-read';
import path from 'node:path';
import * as modelcard from '../../../shared/modelcard';
import { AppError } from '../../../shared/result';

/** `.eval_results` files are a few lines each; anything larger is not one. */
const MAX_EVAL_RESULTS_BYTES = 1024 * 1024;

/** The YAML block of a README as written (empty when there is none). */
export function frontMatterText(readme: string): string {
  const range = modelcard.documentLayout(readme).frontMatter;
  return range ? readme.slice(range.start, range.end) : '';
}

export interface CardCheckInput {
  readme: string;
  files: readonly { path: string; text: string }[];
  conflicts?: readonly modelcard.ValueConflict[];
  endpoint: string;
  token: string | null;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  onLog?: (line: string) => void;
  /** The endpoint already accepted this exact YAML block: ask only the local rules. */
  endpointAccepted?: string | null;
}

/** What the endpoint says about the README's metadata: its error messages, or null when it could not say. */
export async function validateOnEndpoint(
  input: Pick<CardCheckInput, 'readme' | 'endpoint' | 'token' | 'fetchImpl' | 'signal'>,
): Promise<{ errors: string[]; warnings: string[] } | null> {
  const fetchImpl = input.fetchImpl ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchImpl(`${input.endpoint}/api/validate-yaml`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(input.token ? { Authorization: `Bearer ${input.token}` } : {}),
      },
      body: JSON.stringify({ content: input.readme, repoType: 'model' }),
      signal: input.signal,
    });
  } catch (err) {
    if (input.signal?.aborted) throw err;
    return null;
  }
  const body = (await response.json().catch(() => null)) as {
    errors?: { message?: unknown }[];
    warnings?: { message?: unknown }[];
  } | null;
  const messages = (list: { message?: unknown }[] | undefined) =>
    Array.isArray(list) ? list.map((e) => String(e?.message ?? '')).filter(Boolean) : [];
  if (response.status === 400) {
    const errors = messages(body?.errors);
    const error = (body as { error?: unknown } | null)?.error;
    if (errors.length === 0)
      errors.push(typeof error === 'string' && error ? error : 'Invalid metadata in README.md');
    return { errors, warnings: messages(body?.warnings) };
  }
  if (!response.ok) return null;
  return { errors: [], warnings: messages(body?.warnings) };
}

/**
 * Refuses (CARD_INVALID, nothing sent) a card with errors, locally or on the endpoint. Each line names the key
 * and the fix. An endpoint that cannot be asked is logged and the local verdict stands.
 */
export async function assertCardPublishable(input: CardCheckInput): Promise<void> {
  const blockers = modelcard.publishBlockers(input.readme, input.files, input.conflicts ?? []);
  if (blockers.length > 0) throw new AppError('CARD_INVALID', modelcard.describeBlockers(blockers));
  if (input.endpointAccepted !== undefined && input.endpointAccepted === frontMatterText(input.readme))
    return;
  const remote = await validateOnEndpoint(input);
  if (remote === null) {
    input.onLog?.(`Model card: ${input.endpoint} did not answer validate-yaml; only the local checks ran.`);
    return;
  }
  for (const warning of remote.warnings) input.onLog?.(`Model card (the Hub's check): ${warning}`);
  if (remote.errors.length > 0) {
    throw new AppError(
      'CARD_INVALID',
      `The Hub (${input.endpoint}) would reject the model card's metadata (README.md):\n${remote.errors
        .map((e) => `- ${e}`)
        .join('\n')}\nFix these keys in the README's YAML block, then publish again. Nothing was uploaded.`,
    );
  }
}

/** `.eval_results/*.yaml` already in the workspace root, by repo path. */
export async function readWorkspaceEvalResults(root: string): Promise<Record<string, string>> {
  const folder = path.join(root, modelcard.EVAL_RESULTS_FOLDER);
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const repoPath = `${modelcard.EVAL_RESULTS_FOLDER}/${entry.name}`;
    if (!entry.isFile() || !modelcard.isEvalResultsPath(repoPath)) continue;
    // The bounded reader checks the open descriptor, so a file swapped for a FIFO after readdir cannot hang.
    const text = await readBoundedText(path.join(folder, entry.name), {
      maxBytes: MAX_EVAL_RESULTS_BYTES,
      label: repoPath,
    });
    if (text !== null) out[repoPath] = text;
  }
  return out;
}
