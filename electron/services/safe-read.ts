/**
 * Reading a file the user's workspace names (README.md, hf_token.txt, hub-publisher.json, config.json,
 * trainer_state.json, ...) without trusting what it is: a FIFO would block a libuv thread forever (four
 * of them starve every file-system call), `/dev/zero` would grow without end. The file is opened without
 * blocking, checked to be a regular file on the descriptor itself (so a swap after a check cannot redirect
 * the read), and read to at most `maxBytes`.
 */
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { AppError } from '../../shared/result';

export interface BoundedReadOptions {
  /** Bytes beyond which the file is refused. */
  maxBytes: number;
  /** How the file is named in errors (defaults to its path). */
  label?: string;
}

/**
 * Flags for opening a file of the user's to read it: O_NONBLOCK makes opening a FIFO return at once instead of
 * waiting for a writer (POSIX only); it changes nothing for regular files.
 */
export const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

function describeKind(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/**
 * The file's bytes, or null when it does not exist. Throws UNREADABLE (with what to do) when it is not a
 * regular file, is larger than `maxBytes`, or cannot be read.
 */
export async function readBoundedFile(file: string, options: BoundedReadOptions): Promise<Buffer | null> {
  const label = options.label ?? file;
  let handle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new AppError('UNREADABLE', `${label} cannot be read (${code ?? String(err)}).`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      throw new AppError(
        'UNREADABLE',
        `${label} is ${describeKind(st)}, not a regular file, so it is not read. Replace it with a regular file or remove it.`,
      );
    }
    if (st.size > options.maxBytes) {
      throw new AppError(
        'UNREADABLE',
        `${label} is ${st.size} bytes, more than the ${options.maxBytes} allowed. Remove or shrink it.`,
      );
    }
    // The size from stat can be stale (or zero, for /proc files): read until EOF, never past the limit.
    const chunks: Buffer[] = [];
    let got = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, options.maxBytes + 1 - got) || 1);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, got);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      got += bytesRead;
      if (got > options.maxBytes) {
        throw new AppError(
          'UNREADABLE',
          `${label} grew past the ${options.maxBytes} bytes allowed while it was read.`,
        );
      }
    }
    return Buffer.concat(chunks, got);
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new AppError('UNREADABLE', `${label} cannot be read (${code ?? String(err)}).`);
  } finally {
    await handle.close();
  }
}

/** The same as text (UTF-8). */
export async function readBoundedText(file: string, options: BoundedReadOptions): Promise<string | null> {
  const bytes = await readBoundedFile(file, options);
  return bytes === null ? null : bytes.toString('utf8');
}
