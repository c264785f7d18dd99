/**
 * What the Model card screen needs from disk and from the Hub: the workspace README with the checkpoint's
 * config and training log (`card:context`), the README already on the Hub (`card:remote`), and images the
 * README references, as data: URLs because the renderer's CSP allows no other image source
 * (`workspace:image`). Everything here only reads, and only inside the workspace.
 */
import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/result';
import type { HandlerRegistry } from '../registry';
import type { HandlerContext } from './index';

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

export function registerCardHandlers(registry: HandlerRegistry, { sessions }: HandlerContext): void {
  registry.handle('card:context', ({ sessionId, checkpoint }) =>
    sessions.require(sessionId).cardContext(checkpoint),
  );
  registry.handle('card:prepare', async ({ sessionId, checkpoint, repo }) => {
    const {
      files: _files,
      mappings: _mappings,
      conflicts: _conflicts,
      ...card
    } = await sessions.require(sessionId).prepareCard(checkpoint, repo);
    return card;
  });
  registry.handle('card:save', ({ sessionId, text, expectedSha256 }) =>
    sessions.require(sessionId).saveCard(text, expectedSha256),
  );
  registry.handle('workspace:image', ({ sessionId, path: rel }) =>
    readWorkspaceImage(sessions.require(sessionId).root, rel),
  );
  // Anonymous, as a visitor of the model page sees it; fetched once per session and repository.
  registry.handle('card:remote', async ({ sessionId, repo }) => {
    const session = sessions.require(sessionId);
    const user = (await session.account())?.account.user ?? null;
    const repoId = repo.includes('/') || !user ? repo : `${user}/${repo}`;
    return session.hubText(repoId, 'README.md', null);
  });
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
