import { createHash, randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { RangeHasher } from './hash-worker';

describe('the local Hub hashing thread', () => {
  it('hashes views of a larger buffer, sending only their bytes (a shard check posts one per chunk)', async () => {
    // What each message carries, as it is posted (a buffer handed over is empty afterwards).
    const carried: number[] = [];
    const post = Worker.prototype.postMessage;
    const posted = vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (
      this: Worker,
      ...args: Parameters<Worker['postMessage']>
    ) {
      const bytes = (args[0] as { bytes?: Uint8Array }).bytes;
      if (bytes) carried.push(bytes.buffer.byteLength);
      post.apply(this, args);
    });
    const hasher = new RangeHasher();
    try {
      const block = randomBytes(16 * 1024 * 1024);
      const expected = createHash('sha256');
      for (let i = 0; i < 256; i++) {
        const view = block.subarray(i * 65536, (i + 1) * 65536);
        hasher.addBytes('views', view);
        expected.update(view);
      }
      expect(await hasher.digest('views')).toBe(expected.digest('hex'));
      // A view posted as it is would clone the 16 MiB behind it, each time: 4 GiB copied for 16 MiB hashed.
      expect(carried).toHaveLength(256);
      expect(new Set(carried)).toEqual(new Set([65536]));
    } finally {
      posted.mockRestore();
      await hasher.close();
    }
  });
});
