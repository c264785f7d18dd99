/**
 * The SHA-256 of a file being chunked, computed on another thread over the very bytes the chunker reads: the
 * uploader reads each block into shared memory, hands it to this thread, chunks it meanwhile and waits for the
 * hash of that block only before reading into it again. The SHA-256 is ~0.8 CPU-s per GiB, a third of the
 * chunking pass; on its own thread it no longer holds the pass up. Because it hashes the same bytes as the
 * chunks are made of, a file changed while it is read still shows up as a wrong SHA-256.
 *
 * The worker is plain CommonJS source text (`eval: true`), like the hash service's, so it runs the same under
 * tsx, vitest and the bundled app.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const blocks = workerData.memories.map((memory) => new Uint8Array(memory));
let hash = createHash('sha256');
parentPort.on('message', (m) => {
  if (m.type === 'start') {
    hash = createHash('sha256');
  } else if (m.type === 'update') {
    hash.update(blocks[m.block].subarray(0, m.length));
    parentPort.postMessage({ id: m.id });
  } else if (m.type === 'digest') {
    const hex = hash.digest('hex');
    hash = createHash('sha256');
    parentPort.postMessage({ id: m.id, hex });
  }
});
`;

export class Sha256Thread {
  /** The blocks to read into, shared with the thread when it starts: messages then carry only a block number. */
  readonly blocks: Buffer[];
  private readonly memories: SharedArrayBuffer[];
  /** Started by the first `start()`: a publish whose files a stat vouches for hashes nothing here. */
  private worker: Worker | null = null;
  private readonly pending = new Map<
    number,
    { resolve: (hex?: string) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private failure: Error | null = null;

  constructor(blockBytes: number, count: number) {
    this.memories = Array.from({ length: count }, () => new SharedArrayBuffer(blockBytes));
    this.blocks = this.memories.map((memory) => Buffer.from(memory));
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { memories: this.memories } });
    this.worker = worker;
    worker.on('message', (m: { id: number; hex?: string }) => {
      const waiting = this.pending.get(m.id);
      this.pending.delete(m.id);
      waiting?.resolve(m.hex);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiting of this.pending.values()) waiting.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`The SHA-256 thread stopped (exit ${code}).`)));
    return worker;
  }

  private ask(message: Record<string, unknown>): Promise<string | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.started().postMessage({ ...message, id });
    });
  }

  /** Starts a new hash (whatever an abandoned file left in the old one). */
  start(): void {
    if (!this.failure) this.started().postMessage({ type: 'start' });
  }

  /** Adds the first `length` bytes of `blocks[block]` to the hash; resolves once the thread has read them. */
  update(block: number, length: number): Promise<void> {
    return this.ask({ type: 'update', block, length }).then(() => undefined);
  }

  /** The hex digest of everything added since the last digest; the next update starts a new hash. */
  async digest(): Promise<string> {
    return (await this.ask({ type: 'digest' }))!;
  }

  async close(): Promise<void> {
    this.worker?.removeAllListeners('exit');
    await this.worker?.terminate();
  }
}
