/**
 * Ctrl+S on the Model card screen: the edited card becomes the workspace's README, so the CLI and every
 * other tool see it. The write is atomic (a temporary file beside the README, then a rename), the previous
 * README is kept in the app's data folder (never in the workspace, so it is never uploaded), only the
 * workspace root is written (never a checkpoint folder), and the save is refused when the README changed on
 * disk since the card was read: another editor's work is never overwritten unseen.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/result';
import { sha256Hex } from '../hash';
import { readBoundedFile } from '../safe-read';
import { MAX_README_BYTES } from '../scan';

export interface SaveReadmeRequest {
  /** The workspace root, symlinks resolved. */
  rootReal: string;
  /** The README the card was read from (absolute), or null when the workspace had none. */
  readFrom: string | null;
  text: string;
  /** SHA-256 (hex) of the README as the card read it, or null when there was none. */
  expectedSha256: string | null;
  dataDir: string;
}

export interface SavedReadme {
  /** Absolute path written. */
  file: string;
  /** Relative to the workspace root, with `/`. */
  path: string;
  /** Where the previous README was copied, or null when there was none. */
  backup: string | null;
  /** SHA-256 of what is now on disk: the next save is checked against it. */
  sha256: string;
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The file's bytes, null when nothing is there; a symlink leading outside the workspace is refused. */
async function readInside(rootReal: string, file: string, label: string): Promise<Buffer | null> {
  const real = await realpath(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new AppError('UNREADABLE', `${label} cannot be read (${err.code ?? String(err)}).`);
  });
  if (real === null) {
    // A dangling symlink would make the write land wherever it points.
    const link = await lstat(file).catch(() => null);
    if (link)
      throw new AppError('NOT_ALLOWED', `${label} is a link to a missing file; remove it, then save again.`);
    return null;
  }
  if (!isInside(rootReal, real)) {
    throw new AppError(
      'NOT_ALLOWED',
      `${label} points outside the workspace; the app writes only inside it.`,
    );
  }
  return readBoundedFile(real, { maxBytes: MAX_README_BYTES, label });
}

export async function saveReadme(request: SaveReadmeRequest): Promise<SavedReadme> {
  const { rootReal, readFrom, text, dataDir } = request;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_README_BYTES) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `The card is ${bytes.length} bytes; a README may be at most ${MAX_README_BYTES}.`,
    );
  }
  // A README inside a checkpoint folder is read, never written: the saved card goes to the root, where
  // the scanner looks first.
  const atRoot = readFrom !== null && path.dirname(readFrom) === rootReal;
  const target = atRoot ? readFrom : path.join(rootReal, 'README.md');
  const relTarget = path.relative(rootReal, target).split(path.sep).join('/');

  const readBack = readFrom
    ? await readInside(rootReal, readFrom, path.relative(rootReal, readFrom) || 'README.md')
    : null;
  const onDisk = readBack === null ? null : sha256Hex(readBack);
  if (onDisk !== request.expectedSha256) {
    throw new AppError(
      'CONFLICT',
      onDisk === null
        ? `${relTarget} was removed since the card was read. Nothing was written; save again to create it.`
        : `${path.relative(rootReal, readFrom!) || relTarget} changed on disk since the card was read (another editor or tool wrote it). ` +
            'Nothing was written: compare under "Changes from disk" after reloading, or copy your edits first.',
    );
  }
  const previous = atRoot ? readBack : await readInside(rootReal, target, relTarget);
  if (!atRoot && previous !== null) {
    throw new AppError(
      'CONFLICT',
      `${relTarget} appeared in the workspace since the card was read. Nothing was written; reopen the workspace to edit it.`,
    );
  }

  let backup: string | null = null;
  if (previous !== null) {
    const dir = path.join(dataDir, 'card-backups', sha256Hex(rootReal).slice(0, 16));
    await mkdir(dir, { recursive: true });
    backup = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${path.basename(target)}`);
    await writeFile(backup, previous, { flag: 'wx' });
  }

  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temporary, bytes, { flag: 'wx' });
    await rename(temporary, target);
  } catch (err) {
    await unlink(temporary).catch(() => {});
    throw new AppError(
      'UNREADABLE',
      `${relTarget} could not be written (${(err as NodeJS.ErrnoException).code ?? String(err)}); the README on disk is unchanged.`,
    );
  }
  return { file: target, path: relTarget, backup, sha256: sha256Hex(bytes) };
}
