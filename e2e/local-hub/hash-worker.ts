import { Worker } from 'node:worker_threads';

/*
 * Plain JavaScript evaluated in a worker thread, so it loads the same way under tsx, vitest and plain node.
 * It hashes what is posted (ranges of a file, or bytes) in the order it is posted; one running SHA-256 per id.
 */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const hashes = new Map();
const failures = new Map();
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
parentPort.on('message', (message) => {
  const { id, seq } = message;
  const running = () => {
    let hash = hashes.get(id);
    if (!hash) { hash = createHash('sha256'); hashes.set(id, hash); }
    return hash;
  };
  if (message.type === 'ranges') {
    if (failures.has(id)) return;
    const hash = running();
    let fd;
    try {
      fd = openSync(message.path, 'r');
      const ranges = message.ranges;
      for (let i = 0; i < ranges.length; i += 2) {
        for (let position = ranges[i]; position < ranges[i + 1]; ) {
          const read = readSync(fd, buffer, 0, Math.min(buffer.length, ranges[i + 1] - position), position);
          if (read <= 0) throw new Error('file ended at byte ' + position + ' of ' + ranges[i + 1]);
          hash.update(buffer.subarray(0, read));
          position += read;
        }
      }
    } catch (error) {
      failures.set(id, String(error && error.message || error));
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  } else if (message.type === 'bytes') {
    if (!failures.has(id)) running().update(message.bytes);
  } else if (message.type === 'digest') {
    const failure = failures.get(id);
    const hash = hashes.get(id) || createHash('sha256');
    hashes.delete(id);
    failures.delete(id);
    parentPort.postMessage(failure ? { seq, error: failure } : { seq, digest: hash.digest('hex') });
  } else if (message.type === 'drop') {
    hashes.delete(id);
    failures.delete(id);
  }
});
`;

/**
 * SHA-256 of multipart uploads, large basic PUTs and files rebuilt from xorbs, computed off the main thread from
 * the bytes already on disk (page cache), so the event loop keeps taking bodies at full speed while earlier bytes
 * are verified.
 */
export class RangeHasher {
  private worker: Worker | undefined;
  private nextSeq = 0;
  private readonly pending = new Map<number, { resolve: (digest: string) => void; reject: (error: Error) => void }>();

  private get thread(): Worker {
    if (!this.worker) {
      const worker = new Worker(workerSource, { eval: true });
      worker.unref();
      worker.on('message', (message: { seq: number; digest?: string; error?: string }) => {
        const waiter = this.pending.get(message.seq);
        this.pending.delete(message.seq);
        if (message.error !== undefined) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.digest ?? '');
      });
      const abandon = (error: Error) => {
        for (const waiter of this.pending.values()) waiter.reject(error);
        this.pending.clear();
        if (this.worker === worker) this.worker = undefined;
      };
      worker.on('error', abandon);
      worker.on('exit', () => abandon(new Error('The hashing thread stopped before answering')));
      this.worker = worker;
    }
    return this.worker;
  }

  /** Appends bytes [start, end) of `path` to the hash of `id`. Ranges of one id must be posted in file order. */
  addRange(id: string, path: string, start: number, end: number): void {
    this.addRanges(id, path, [start, end]);
  }

  /** Appends the byte ranges `[start0, end0, start1, end1, …]` of `path` to the hash of `id`, in that order. */
  addRanges(id: string, path: string, ranges: number[]): void {
    this.thread.postMessage({ type: 'ranges', id, path, ranges });
  }

  /** Appends `bytes` to the hash of `id` (copied: the caller may reuse them). */
  addBytes(id: string, bytes: Uint8Array): void {
    // A copy of just these bytes (not `slice`: a Buffer's is a view), handed over: a view posted as it is would
    // clone its whole underlying buffer.
    const copy = new Uint8Array(bytes);
    this.thread.postMessage({ type: 'bytes', id, bytes: copy }, [copy.buffer]);
  }

  digest(id: string): Promise<string> {
    const seq = this.nextSeq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.thread.postMessage({ type: 'digest', id, seq });
    });
  }

  drop(id: string): void {
    this.worker?.postMessage({ type: 'drop', id });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
