/**
 * What the Model card screen needs from disk and from the Hub: the workspace README with the checkpoint's
 * config and training log (`card:context`), the README already on the Hub (`card:remote`), and images the
 * README references, as data: URLs because the renderer's CSP allows no other image source
 * (`workspace:image`). Everything here only reads, and only inside the workspace.
 */
import { downloadFile, HubApiError } from '@huggingface/hub';
import { open, realpath, stat } from 'node:fs/promises';
import { readBoundedText } from '../../services/safe-read';
import path from 'node:path';
import type { CardContext } from '../../../shared/ipc/contract';
import { AppError } from '../../../shared/result';
import { ScanCache } from '../../services/scan/cache';
import { readWorkspaceEvalResults } from '../../services/publish/card-check';
import { hubErrorToAppError } from '../../services/token';
import type { HandlerRegistry } from '../registry';
import type { HandlerContext } from './index';

/** Matches the contract's limit on the README sent back for publishing. */
const MAX_README_BYTES = 8 * 1024 * 1024;
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** Trainer logs of long runs grow large; past this the card is written without the training table. */
const MAX_TRAINER_STATE_BYTES = 64 * 1024 * 1024;
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.bmp': 'image/bmp',
  '.ico': 'image/x-icon',
  '.svg': 'image/svg+xml',
};

export function registerCardHandlers(registry: HandlerRegistry, { settings, scans, fetch }: HandlerContext): void {
  registry.handle('card:context', ({ root, checkpoint }) => readCardContext(root, checkpoint, scans));
  registry.handle('workspace:image', ({ root, path: rel }) => readWorkspaceImage(root, rel));
  registry.handle('card:remote', async ({ repo }) => fetchRemoteReadme(repo, await settings.hubEndpoint(), fetch));
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolves `rel` under `root` and checks that the file it really is (symlinks followed) is still inside the
 * workspace; null when nothing is there.
 */
async function resolveInside(root: string, rel: string): Promise<{ rootReal: string; real: string } | null> {
  if (path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.split(/[\\/]/).includes('..')) {
    throw new AppError('INVALID_ARGUMENT', `${rel} is not a path inside the workspace.`);
  }
  const rootReal = await realpath(root).catch(() => {
    throw new AppError('NOT_FOUND', `The workspace ${root} no longer exists. Open it again.`);
  });
  const joined = path.resolve(rootReal, rel);
  if (!isInside(rootReal, joined))
    throw new AppError('INVALID_ARGUMENT', `${rel} is not a path inside the workspace.`);
  let real: string;
  try {
    real = await realpath(joined);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new AppError('UNREADABLE', `${rel} cannot be read (${code ?? String(err)}).`);
  }
  if (!isInside(rootReal, real)) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `${rel} points outside the workspace; only files inside it are shown.`,
    );
  }
  return { rootReal, real };
}

export async function readWorkspaceImage(root: string, rel: string): Promise<string | null> {
  const type = IMAGE_TYPES[path.extname(rel).toLowerCase()];
  if (!type)
    throw new AppError(
      'INVALID_ARGUMENT',
      `${rel} is not an image (${Object.keys(IMAGE_TYPES).join(', ')}).`,
    );
  const resolved = await resolveInside(root, rel);
  if (!resolved) return null;
  const info = await stat(resolved.real);
  if (!info.isFile()) return null;
  if (info.size > MAX_IMAGE_BYTES) {
    throw new AppError(
      'UNREADABLE',
      `${rel} is ${Math.round(info.size / 1024 / 1024)} MB; the preview shows images up to 10 MB.`,
    );
  }
  // Read through the handle opened on the checked path, so a swap after the check cannot redirect it.
  const handle = await open(resolved.real, 'r');
  try {
    const bytes = await handle.readFile();
    if (bytes.length > MAX_IMAGE_BYTES) throw new AppError('UNREADABLE', `${rel} is larger than 10 MB.`);
    return `data:${type};base64,${bytes.toString('base64')}`;
  } finally {
    await handle.close();
  }
}

/** The checkpoint's folder. Its name is the scanner's: the path relative to the root, or the root's own name. */
async function checkpointFolder(root: string, name: string, scans?: ScanCache): Promise<string> {
  const safe = !path.isAbsolute(name) && !/^[A-Za-z]:/.test(name) && !name.split(/[\\/]/).includes('..');
  if (safe) {
    const resolved = await resolveInside(root, name).catch(() => null);
    if (resolved && (await stat(resolved.real)).isDirectory()) return resolved.real;
  }
  const rootReal = await realpath(root).catch(() => {
    throw new AppError('NOT_FOUND', `The workspace ${root} no longer exists. Open it again.`);
  });
  if (name === path.basename(root) || name === '.') return rootReal;
  // Names may change with the scanner; asking it (its last scan of this workspace) always agrees with what
  // the user picked.
  const scan = await (scans ?? new ScanCache()).get(root);
  const found = scan.checkpoints.find((c) => c.name === name || c.relPath === name);
  if (!found)
    throw new AppError(
      'NOT_FOUND',
      `There is no checkpoint named ${name} in ${root}. Scan the workspace again.`,
    );
  return found.path;
}

async function readTextFile(file: string, maxBytes: number): Promise<string | null> {
  return readBoundedText(file, { maxBytes });
}

async function readJsonObject(file: string, maxBytes: number): Promise<Record<string, unknown> | null> {
  let text: string | null;
  try {
    text = await readTextFile(file, maxBytes);
  } catch {
    // Too large to be useful: the card is written without it rather than not at all.
    return null;
  }
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export async function readCardContext(
  root: string,
  checkpoint: string,
  scans?: ScanCache,
): Promise<CardContext> {
  const folder = await checkpointFolder(root, checkpoint, scans);
  const rootReal = await realpath(root);

  let readme: string | null = null;
  let readmePath: string | null = null;
  for (const dir of [rootReal, folder]) {
    const text = await readTextFile(path.join(dir, 'README.md'), MAX_README_BYTES);
    if (text !== null) {
      readme = text;
      readmePath = path.relative(rootReal, path.join(dir, 'README.md')).split(path.sep).join('/');
      break;
    }
  }

  const config = await readJsonObject(path.join(folder, 'config.json'), MAX_CONFIG_BYTES);

  // The Trainer writes trainer_state.json into each checkpoint and, at the end, into the run's folder.
  let trainerState: Record<string, unknown> | null = null;
  for (let dir = folder; isInside(rootReal, dir); dir = path.dirname(dir)) {
    trainerState = await readJsonObject(path.join(dir, 'trainer_state.json'), MAX_TRAINER_STATE_BYTES);
    if (trainerState || dir === rootReal) break;
  }

  const evalResults = await readWorkspaceEvalResults(rootReal);
  return { readme, readmePath, config, trainerState, evalResults };
}

/** The README on the Hub, or null when the repo or the file is not there (or not visible anonymously). */
export async function fetchRemoteReadme(
  repo: string,
  endpoint: string,
  fetchImpl?: typeof fetch,
): Promise<string | null> {
  try {
    const blob = await downloadFile({
      repo: { type: 'model', name: repo },
      path: 'README.md',
      hubUrl: endpoint,
      xet: false,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
    if (!blob) return null;
    if (blob.size > MAX_README_BYTES)
      throw new AppError(
        'HUB_REJECTED',
        `The README of ${repo} on the Hub is larger than 8 MB; it is not compared.`,
      );
    return await blob.text();
  } catch (err) {
    // Anonymous requests get 401 for a repo that does not exist as well as for a private one.
    if (err instanceof HubApiError && (err.statusCode === 404 || err.statusCode === 401)) return null;
    throw hubErrorToAppError(err, endpoint, `reading README.md of ${repo}`);
  }
}
