/**
 * The few file-system calls the scanner makes, on Node's callback API: for thousands of tiny calls it is
 * about twice as fast as `fs/promises` (no FileHandle objects, no extra reads for a size we already know).
 */
import fs from 'node:fs';

const openRead = (file: string): Promise<number> =>
  new Promise((resolve, reject) => fs.open(file, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));

const closeFd = (fd: number): Promise<void> => new Promise((resolve) => fs.close(fd, () => resolve()));

const readAt = (fd: number, buffer: Buffer, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) =>
    fs.read(fd, buffer, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );

/** Reads `length` bytes at `position`; fewer when the file is shorter. */
async function readFully(fd: number, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = await readAt(fd, buffer.subarray(got), length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buffer.subarray(0, got);
}

/** Runs `fn` with an open descriptor, always closing it. */
export async function withFile<T>(
  file: string,
  fn: (read: (length: number, position: number) => Promise<Buffer>) => Promise<T>,
): Promise<T> {
  const fd = await openRead(file);
  try {
    return await fn((length, position) => readFully(fd, length, position));
  } finally {
    await closeFd(fd);
  }
}

/** A small file whose size the caller already has from stat: one open, one read, one close. */
export function readKnownSize(file: string, size: number): Promise<string> {
  return withFile(file, async (read) => {
    // One byte more than expected tells us the file grew since stat; then fall back to a full read.
    const buf = await read(size + 1, 0);
    if (buf.length <= size) return buf.toString('utf8');
    return new Promise<string>((resolve, reject) =>
      fs.readFile(file, 'utf8', (err, text) => (err ? reject(err) : resolve(text))),
    );
  });
}
