import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asyncFsCalls, mapFs } from './limit';

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('mapFs', () => {
  let dir: string;
  const names = Array.from({ length: 300 }, (_, i) => `f${i}.txt`);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mapfs-'));
    for (const n of names) await writeFile(path.join(dir, n), n);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers in input order with what the files hold, a missing file as missing', async () => {
    const sizes = await mapFs(
      [...names, 'gone.txt'],
      async (n, fs) => (await fs.stat(path.join(dir, n)))?.size,
    );
    expect(sizes).toEqual([...names.map((n) => n.length), undefined]);
  });

  it('lets timers run while it works through many fast items', async () => {
    let timerRan = false;
    let ranBeforeTheEnd = false;
    setTimeout(() => (timerRan = true), 0);
    await mapFs(
      Array.from({ length: 2000 }, (_, i) => i),
      async (i, fs) => {
        busyFor(0.02);
        if (i === 1999) ranBeforeTheEnd = timerRan;
        return fs === asyncFsCalls;
      },
    );
    expect(ranBeforeTheEnd).toBe(true);
  });

  it('waits on slow storage in parallel instead of holding the thread: the rest go asynchronous', async () => {
    const used: boolean[] = await mapFs(names, async (n, fs) => {
      // The synchronous calls answer slowly, as a network mount would.
      if (fs !== asyncFsCalls) busyFor(2);
      await fs.stat(path.join(dir, n));
      return fs === asyncFsCalls;
    });
    // A few items tell that storage is slow; every one after that went through the thread pool.
    const firstAsync = used.indexOf(true);
    expect(firstAsync).toBeGreaterThan(0);
    expect(firstAsync).toBeLessThan(20);
    expect(used.slice(firstAsync).every(Boolean)).toBe(true);
  });

  it('stops soon after it is aborted', async () => {
    const controller = new AbortController();
    let seen = 0;
    const run = mapFs(
      names,
      async () => {
        seen++;
        busyFor(0.1);
        if (seen === 10) controller.abort();
      },
      { signal: controller.signal },
    );
    await expect(run).rejects.toThrow();
    expect(seen).toBeLessThan(names.length);
  });

  // A file swapped for a FIFO after it was listed: opening one for reading waits for a writer, which on the
  // synchronous path would hang the whole process. Both paths refuse it at once.
  it.skipIf(process.platform === 'win32')(
    'refuses a FIFO at once on both paths, without blocking',
    async () => {
      const fifo = path.join(dir, 'swapped.fifo');
      execFileSync('mkfifo', [fifo]);
      const [sync] = await mapFs([fifo], async (f, fs) => {
        try {
          return await fs.open(f);
        } catch (err) {
          return (err as NodeJS.ErrnoException).code;
        }
      });
      expect(sync).toBe('EINVAL');
      await expect(Promise.resolve(asyncFsCalls.open(fifo))).rejects.toMatchObject({ code: 'EINVAL' });
    },
  );
});
