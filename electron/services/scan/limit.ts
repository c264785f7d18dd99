import fs, { type Stats } from 'node:fs';
// Non-blocking: a file swapped for a FIFO after it was listed would otherwise block the synchronous path, and the process.
import { OPEN_FLAGS } from '../safe-read';

/**
 * Bounds how many async operations run at once. File-system calls all queue on libuv's small thread pool;
 * firing thousands at once only adds memory and latency, and too many open handles hit EMFILE.
 */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(concurrency: number): Limiter {
  const max = Math.max(1, Math.floor(concurrency));
  let active = 0;
  const waiting: (() => void)[] = [];
  // A finishing task hands its slot straight to the next waiter, so a newcomer can never slip in between.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/** Runs `worker` over `items` with at most `concurrency` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await worker(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, run));
  return results;
}

/**
 * Runs `work` over `items`, results in input order, for thousands of tiny file-system calls (a stat, the read
 * of a 1 KB file). It starts with the synchronous calls (`syncFs`): each is a few microseconds of kernel work,
 * while the same call through libuv's thread pool costs several times that in hand-offs and wake-ups. They run
 * in slices of about `sliceMs`, yielding to the event loop between slices (timers, IPC and progress keep
 * flowing). As soon as items take longer than `slowMs` each (a cold disk, a network mount), the rest go
 * through the asynchronous calls (`asyncFsCalls`), `concurrency` at once, so slow storage is waited on in
 * parallel and the thread is not held by it. `signal` is checked between slices and items.
 */
export async function mapFs<T, R>(
  items: readonly T[],
  work: (item: T, fs: FsCalls) => Promise<R>,
  options: { signal?: AbortSignal; concurrency?: number; sliceMs?: number; slowMs?: number } = {},
): Promise<R[]> {
  const { signal } = options;
  const sliceMs = options.sliceMs ?? 5;
  const slowMs = options.slowMs ?? 1;
  signal?.throwIfAborted();
  const results = new Array<R>(items.length);
  let i = 0;
  let sliceStart = performance.now();
  let sliceItems = 0;
  while (i < items.length) {
    const started = performance.now();
    results[i] = await work(items[i] as T, syncFs);
    i++;
    sliceItems++;
    const now = performance.now();
    // Slow storage shows as a slice whose items take long on average (one slow item is more likely this
    // thread being preempted on a busy machine), or one item that takes very long.
    if (now - started > 50 * slowMs) break;
    if (now - sliceStart >= sliceMs && i < items.length) {
      if ((now - sliceStart) / sliceItems > slowMs) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      sliceStart = performance.now();
      sliceItems = 0;
    }
  }
  const rest = await mapLimit(items.slice(i), options.concurrency ?? 16, (item) => {
    signal?.throwIfAborted();
    return work(item, asyncFsCalls);
  });
  for (const [k, r] of rest.entries()) results[i + k] = r;
  return results;
}

/** The file-system calls `mapFs` hands its work: synchronous or asynchronous, the same answers. */
export interface FsCalls {
  /** undefined when nothing is there. */
  lstat(file: string): Stats | undefined | Promise<Stats | undefined>;
  stat(file: string): Stats | undefined | Promise<Stats | undefined>;
  realpath(file: string): string | Promise<string>;
  /** Opens a regular file for reading; anything else (a FIFO swapped in since the stat, a device) is refused without blocking. */
  open(file: string): number | Promise<number>;
  read(
    fd: number,
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): number | Promise<number>;
  close(fd: number): void | Promise<void>;
}

function notARegularFile(file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${file} is not a regular file`), { code: 'EINVAL' });
}

const missing = (err: NodeJS.ErrnoException | null) => err?.code === 'ENOENT' || err?.code === 'ENOTDIR';

const syncFs: FsCalls = {
  lstat: (file) => fs.lstatSync(file, { throwIfNoEntry: false }),
  stat: (file) => fs.statSync(file, { throwIfNoEntry: false }),
  realpath: (file) => fs.realpathSync.native(file),
  open: (file) => {
    const fd = fs.openSync(file, OPEN_FLAGS);
    if (fs.fstatSync(fd).isFile()) return fd;
    fs.closeSync(fd);
    throw notARegularFile(file);
  },
  read: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  close: (fd) => fs.closeSync(fd),
};

export const asyncFsCalls: FsCalls = {
  lstat: (file) =>
    new Promise((resolve, reject) =>
      fs.lstat(file, (err, st) => (missing(err) ? resolve(undefined) : err ? reject(err) : resolve(st))),
    ),
  stat: (file) =>
    new Promise((resolve, reject) =>
      fs.stat(file, (err, st) => (missing(err) ? resolve(undefined) : err ? reject(err) : resolve(st))),
    ),
  realpath: (file) =>
    new Promise((resolve, reject) => fs.realpath.native(file, (err, p) => (err ? reject(err) : resolve(p)))),
  open: (file) =>
    new Promise((resolve, reject) =>
      fs.open(file, OPEN_FLAGS, (err, fd) => {
        if (err) return reject(err);
        fs.fstat(fd, (statErr, st) => {
          if (!statErr && st.isFile()) return resolve(fd);
          fs.close(fd, () => reject(statErr ?? notARegularFile(file)));
        });
      }),
    ),
  read: (fd, buffer, offset, length, position) =>
    new Promise((resolve, reject) =>
      fs.read(fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
    ),
  close: (fd) => new Promise((resolve) => fs.close(fd, () => resolve())),
};
