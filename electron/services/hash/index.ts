/**
 * Content hashing for publishing: SHA-256 (the LFS object id), the git blob SHA-1 of files small enough to
 * be regular files, and a token scan, in one streaming pass per file on a pool of worker threads.
 *
 * Results are cached in the app's data folder by path, size and modification time, so the UI can start
 * hashing as soon as a checkpoint is selected ("hash ahead") and a publish, or the next publish, finds the
 * digests ready. Concurrent requests for the same file share one job.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../../shared/result';
import { OPEN_FLAGS } from '../safe-read';
import { HASH_WORKER_SOURCE } from './worker-source';

/** Files up to this size get a git blob id: anything larger must go through LFS anyway. */
export const REGULAR_FILE_MAX_BYTES = 10 * 1024 * 1024;

export interface FileDigest {
  sha256: string;
  /** Git blob SHA-1, for files up to REGULAR_FILE_MAX_BYTES. */
  gitOid: string | null;
  size: number;
  mtimeMs: number;
  /** Inode and status-change time: `utimes` can put mtime back, but it cannot put ctime back. */
  ino?: number;
  ctimeMs?: number;
  /** When the stat above was taken (milliseconds since the epoch), just before the bytes were read. */
  statAtMs?: number;
  /** Byte offset of something shaped like a Hugging Face token, or null. */
  secretAt: number | null;
}

export interface HashProgress {
  /** Bytes hashed so far over all files of the call, and their total. */
  done: number;
  total: number;
  /** The file that moved last. */
  file: string;
  fileDone: number;
  fileTotal: number;
}

export interface HashOptions {
  signal?: AbortSignal;
  onProgress?: (p: HashProgress) => void;
}

export interface HasherOptions {
  /** The app's data folder; null keeps the cache in memory only. */
  dataDir?: string | null;
  /** Parallel files; defaults to the number of cores minus one, at least 1, at most 4. */
  workers?: number;
  /** Read size per block: large enough to amortise each read, small enough to stay in cache. */
  blockSize?: number;
  /**
   * A read slower than this (ms per block) means the file comes from a disk, not memory: the rest of it is read
   * ahead through libuv while each block is hashed (see worker-source.ts). Default 2.
   */
  slowReadMs?: number;
}

interface CacheEntry extends FileDigest {
  path: string;
}

interface Job {
  id: number;
  path: string;
  promise: Promise<FileDigest>;
  listeners: Set<(done: number, total: number) => void>;
  /** Callers still interested; the job is cancelled when the last one aborts. */
  interest: number;
  worker: PooledWorker | null;
  resolve(d: FileDigest): void;
  reject(e: unknown): void;
  started: boolean;
}

interface PooledWorker {
  worker: Worker;
  /** Jobs this worker runs now, by id. */
  busy: Map<number, Job>;
  retired: boolean;
}

/**
 * Files one worker hashes at once. Its reads are asynchronous, so for small files (thousands of configs,
 * samples) several in flight keep it hashing instead of waiting on each open/read/close round trip; large
 * files just take turns on the same core.
 */
const JOBS_PER_WORKER = 8;

const CACHE_FILE = 'hash-cache.json';
const CACHE_VERSION = 2;

/** A file as it was when it was hashed: what `cacheKey` (and `sameFile`) compare. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
  ctimeMs: number;
}

/**
 * A file changed less than this long before it was hashed may change again with the same ctime: the kernel
 * stamps times from a clock that ticks every few milliseconds (git's "racy" entries).
 */
const RACY_MS = 1000;

/**
 * The identity a later stat can check the digest against, or none: for entries of older caches (no inode,
 * ctime or stat time) and for files hashed within RACY_MS of their last change.
 */
export function identityOf(d: FileDigest): FileIdentity | undefined {
  if (![d.ino, d.ctimeMs, d.statAtMs].every(Number.isFinite)) return undefined;
  if (d.statAtMs! - Math.max(d.ctimeMs!, d.mtimeMs) < RACY_MS) return undefined;
  return { size: d.size, mtimeMs: d.mtimeMs, ino: d.ino!, ctimeMs: d.ctimeMs! };
}

/**
 * Whether `st` (a stat of the file now) is the file `hashed` describes, by the rule of the cache: a write
 * moves ctime, which no one can put back, so the bytes are the ones that were hashed.
 */
export function sameFile(hashed: FileIdentity, st: FileIdentity): boolean {
  return (
    st.size === hashed.size &&
    st.mtimeMs === hashed.mtimeMs &&
    st.ino === hashed.ino &&
    st.ctimeMs === hashed.ctimeMs
  );
}

/**
 * A file is "unchanged" only when its path, size, mtime, inode and ctime all are: an edit that keeps size
 * and mtime (`touch -r`, `utimes`) still moves ctime, and a replaced file has a new inode.
 */
function cacheKey(
  absPath: string,
  st: { size: number; mtimeMs: number; ino?: number; ctimeMs?: number },
): string {
  return `${absPath}\0${st.size}\0${st.mtimeMs}\0${st.ino ?? ''}\0${st.ctimeMs ?? ''}`;
}

export class Hasher {
  readonly #dataDir: string | null;
  readonly #poolSize: number;
  readonly #blockSize: number;
  readonly #slowReadMs: number;
  #pool: PooledWorker[] = [];
  #queue: Job[] = [];
  #jobs = new Map<string, Job>();
  #nextId = 1;
  #cache: Map<string, CacheEntry> | null = null;
  #cacheLoad: Promise<Map<string, CacheEntry>> | null = null;
  #saveTimer: NodeJS.Timeout | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #saving: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: HasherOptions = {}) {
    this.#dataDir = options.dataDir ?? null;
    const cores =
      typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    // One core stays with the main thread (upload, UI, IPC), but at least two workers: a checkpoint is mostly
    // hashed while the main thread waits for the plan, and on the 2-core CI machines (two real cores, no
    // hyperthreads) two SHA-256 streams take half the time of one (1 GiB in memory: 342 vs 681 ms).
    this.#poolSize = Math.max(1, options.workers ?? Math.min(4, Math.max(2, cores - 1)));
    // 1 MiB blocks stay in cache between the read and the hash; 4-8 MiB blocks measured up to 2x slower.
    this.#blockSize = options.blockSize ?? 1024 * 1024;
    this.#slowReadMs = options.slowReadMs ?? 2;
  }

  /** The digest if the cache already has it for the file as it is now on disk. */
  async cached(absPath: string): Promise<FileDigest | null> {
    const st = await stat(absPath);
    const cache = await this.#loadCache();
    const hit = cache.get(cacheKey(absPath, st));
    return hit ? stripPath(hit) : null;
  }

  /** Hashes one file, from the cache when its path, size and modification time are unchanged. */
  async hash(absPath: string, options: HashOptions = {}): Promise<FileDigest> {
    const results = await this.hashAll([absPath], options);
    return results.get(absPath)!;
  }

  /**
   * Starts the workers now, for hashing that is about to be asked for (the CLI's publish, right after sign-in):
   * a thread and its isolate take ~80 ms to start, which then overlap the scan instead of delaying the hash.
   * Workers not given a file soon stop again, as idle ones do.
   */
  warmUp(): void {
    if (this.#closed) return;
    while (this.#pool.length < this.#poolSize) this.#spawn();
    this.#pump();
  }

  /**
   * Hashes files in parallel; progress counts bytes over all of them (cache hits count as done at once).
   * Aborting rejects this call; a file's hashing stops only when no other caller waits for it.
   */
  async hashAll(absPaths: string[], options: HashOptions = {}): Promise<Map<string, FileDigest>> {
    if (this.#closed) throw new Error('The hasher is closed.');
    const { signal, onProgress } = options;
    signal?.throwIfAborted();
    const unique = [...new Set(absPaths)];
    const stats = await Promise.all(
      unique.map(async (p) => {
        try {
          return await stat(p);
        } catch (err) {
          throw new AppError('UNREADABLE', `Cannot read ${p}: ${(err as Error).message}`);
        }
      }),
    );
    const cache = await this.#loadCache();
    const total = stats.reduce((n, s) => n + s.size, 0);
    const doneBy = new Map<string, number>();
    let done = 0;
    const report = (file: string, fileDone: number, fileTotal: number) => {
      done += fileDone - (doneBy.get(file) ?? 0);
      doneBy.set(file, fileDone);
      onProgress?.({ done, total, file, fileDone, fileTotal });
    };
    const results = new Map<string, FileDigest>();
    const waits: Promise<void>[] = [];
    const attached: { job: Job; listener: (d: number, t: number) => void }[] = [];
    for (const [i, p] of unique.entries()) {
      const st = stats[i]!;
      const hit = cache.get(cacheKey(p, st));
      if (hit) {
        results.set(p, stripPath(hit));
        report(p, st.size, st.size);
        continue;
      }
      const job = this.#jobFor(p);
      const listener = (d: number, t: number) => report(p, d, t);
      job.listeners.add(listener);
      job.interest++;
      attached.push({ job, listener });
      waits.push(
        job.promise.then((digest) => {
          results.set(p, digest);
          report(p, digest.size, digest.size);
        }),
      );
    }
    const all = Promise.all(waits);
    const detach = () => {
      for (const { job, listener } of attached) {
        job.listeners.delete(listener);
        if (--job.interest === 0 && !settledJobs.has(job)) this.#cancel(job);
      }
    };
    if (!signal) {
      try {
        await all;
      } finally {
        for (const { job, listener } of attached) {
          job.listeners.delete(listener);
          job.interest--;
        }
      }
      return results;
    }
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      void all.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
    });
    try {
      await Promise.race([all, aborted]);
    } catch (err) {
      detach();
      throw err;
    }
    for (const { job, listener } of attached) {
      job.listeners.delete(listener);
      job.interest--;
    }
    return results;
  }

  /**
   * Starts hashing in the background (a checkpoint was just selected). Returns the same promise `hashAll`
   * would; a publish that asks for the same files later joins the running jobs.
   */
  hashAhead(absPaths: string[], options: HashOptions = {}): Promise<Map<string, FileDigest>> {
    const p = this.hashAll(absPaths, options);
    // Background work: a failure shows up when the publish asks for the file.
    p.catch(() => undefined);
    return p;
  }

  /** Stops the workers; pending jobs fail. Waits for the cache to be written. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    for (const job of this.#queue) job.reject(new Error('The hasher was closed.'));
    this.#queue = [];
    await Promise.all(this.#pool.map((w) => w.worker.terminate()));
    this.#pool = [];
    await this.flush();
  }

  /** Writes the cache now. */
  async flush(): Promise<void> {
    if (this.#saveTimer) {
      clearTimeout(this.#saveTimer);
      this.#saveTimer = null;
      this.#saving = this.#saving.then(() => this.#writeCache());
    }
    await this.#saving;
  }

  #jobFor(absPath: string): Job {
    const running = this.#jobs.get(absPath);
    if (running) return running;
    let resolve!: (d: FileDigest) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<FileDigest>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const job: Job = {
      id: this.#nextId++,
      path: absPath,
      promise,
      listeners: new Set(),
      interest: 0,
      worker: null,
      started: false,
      resolve,
      reject,
    };
    promise.then(
      () => settledJobs.add(job),
      () => settledJobs.add(job),
    );
    // Unobserved rejections are expected when every caller has gone away.
    promise.catch(() => undefined);
    this.#jobs.set(absPath, job);
    this.#queue.push(job);
    this.#pump();
    return job;
  }

  #cancel(job: Job): void {
    this.#jobs.delete(job.path);
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) this.#queue.splice(queued, 1);
    if (job.worker) job.worker.worker.postMessage({ type: 'cancel', id: job.id });
    job.reject(new DOMException('Aborted', 'AbortError'));
  }

  #pump(): void {
    if (this.#idleTimer) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
    while (this.#queue.length > 0) {
      // An idle worker, else a new one while the pool has room (two large files go to two cores), else the
      // least busy one with room.
      let slot = this.#pool.find((w) => w.busy.size === 0);
      if (!slot && this.#pool.length < this.#poolSize) slot = this.#spawn();
      slot ??= this.#pool
        .filter((w) => w.busy.size < JOBS_PER_WORKER)
        .sort((a, b) => a.busy.size - b.busy.size)[0];
      if (!slot) return;
      const job = this.#queue.shift()!;
      slot.busy.set(job.id, job);
      job.worker = slot;
      job.started = true;
      slot.worker.ref();
      slot.worker.postMessage({
        id: job.id,
        path: job.path,
        // Non-blocking (safe-read.ts): a FIFO in the file's place is refused, not waited on.
        openFlags: OPEN_FLAGS,
        blockSize: this.#blockSize,
        slowReadMs: this.#slowReadMs,
        gitOidMaxBytes: REGULAR_FILE_MAX_BYTES,
        progressEvery: 16 * 1024 * 1024,
      });
    }
    if (this.#pool.length > 0 && this.#pool.every((w) => w.busy.size === 0)) {
      // Idle workers hold an isolate each: let them go soon, so the upload that follows has the memory.
      this.#idleTimer = setTimeout(() => {
        this.#idleTimer = null;
        for (const w of this.#pool.filter((p) => p.busy.size === 0)) {
          w.retired = true;
          void w.worker.terminate();
        }
        this.#pool = this.#pool.filter((p) => p.busy.size > 0);
      }, 1000);
      this.#idleTimer.unref();
    }
  }

  #spawn(): PooledWorker {
    const worker = new Worker(HASH_WORKER_SOURCE, { eval: true });
    const pooled: PooledWorker = { worker, busy: new Map(), retired: false };
    // Idle workers must not keep the CLI alive.
    worker.unref();
    worker.on('message', (msg: WorkerMessage) => this.#onMessage(pooled, msg));
    worker.on('error', (err) => this.#onWorkerExit(pooled, err));
    worker.on('exit', (code) => {
      if (!this.#closed && !pooled.retired)
        this.#onWorkerExit(pooled, new Error(`The hashing worker stopped (exit ${code}).`));
    });
    this.#pool.push(pooled);
    return pooled;
  }

  #onWorkerExit(pooled: PooledWorker, err: Error): void {
    this.#pool = this.#pool.filter((w) => w !== pooled);
    const jobs = [...pooled.busy.values()];
    pooled.busy.clear();
    for (const job of jobs) {
      this.#jobs.delete(job.path);
      job.reject(err);
    }
    this.#pump();
  }

  #onMessage(pooled: PooledWorker, msg: WorkerMessage): void {
    const job = pooled.busy.get(msg.id);
    if (!job) return;
    if (msg.type === 'progress') {
      for (const l of job.listeners) l(msg.done, msg.total);
      return;
    }
    pooled.busy.delete(msg.id);
    if (pooled.busy.size === 0) pooled.worker.unref();
    job.worker = null;
    if (this.#jobs.get(job.path) === job) this.#jobs.delete(job.path);
    if (msg.type === 'done') {
      const digest: FileDigest = {
        sha256: msg.sha256,
        gitOid: msg.gitOid,
        size: msg.size,
        mtimeMs: msg.mtimeMs,
        ino: msg.ino,
        ctimeMs: msg.ctimeMs,
        statAtMs: msg.statAtMs,
        secretAt: msg.secretAt >= 0 ? msg.secretAt : null,
      };
      this.#remember(job.path, digest);
      job.resolve(digest);
    } else if (msg.name === 'AbortError') {
      job.reject(new DOMException('Aborted', 'AbortError'));
    } else {
      job.reject(new AppError('UNREADABLE', `Cannot read ${job.path}: ${msg.message}`));
    }
    this.#pump();
  }

  #remember(absPath: string, digest: FileDigest): void {
    const cache = this.#cache;
    if (!cache) return;
    for (const [k, v] of cache) if (v.path === absPath) cache.delete(k);
    cache.set(cacheKey(absPath, digest), { path: absPath, ...digest });
    if (!this.#dataDir || this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = null;
      this.#saving = this.#saving.then(() => this.#writeCache());
    }, 200);
    this.#saveTimer.unref();
  }

  async #loadCache(): Promise<Map<string, CacheEntry>> {
    if (this.#cache) return this.#cache;
    this.#cacheLoad ??= (async () => {
      const map = new Map<string, CacheEntry>();
      if (this.#dataDir) {
        try {
          const json = JSON.parse(await readFile(path.join(this.#dataDir, CACHE_FILE), 'utf8')) as {
            version?: number;
            entries?: CacheEntry[];
          };
          if (json.version === CACHE_VERSION) {
            for (const e of json.entries ?? []) {
              if (typeof e.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256)) {
                map.set(cacheKey(e.path, e), e);
              }
            }
          }
        } catch {
          // A missing or damaged cache only costs a re-hash.
        }
      }
      this.#cache = map;
      return map;
    })();
    return this.#cacheLoad;
  }

  async #writeCache(): Promise<void> {
    if (!this.#dataDir || !this.#cache) return;
    try {
      await mkdir(this.#dataDir, { recursive: true });
      const file = path.join(this.#dataDir, CACHE_FILE);
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ version: CACHE_VERSION, entries: [...this.#cache.values()] }));
      await rename(tmp, file);
    } catch {
      // The cache is an optimisation: failing to write it must never fail a publish.
    }
  }
}

const settledJobs = new WeakSet<Job>();

type WorkerMessage =
  | { id: number; type: 'progress'; done: number; total: number }
  | {
      id: number;
      type: 'done';
      size: number;
      mtimeMs: number;
      ino: number;
      ctimeMs: number;
      statAtMs: number;
      sha256: string;
      gitOid: string | null;
      secretAt: number;
    }
  | { id: number; type: 'error'; name?: string; code?: string; message: string };

function stripPath(e: CacheEntry): FileDigest {
  return {
    sha256: e.sha256,
    gitOid: e.gitOid,
    size: e.size,
    mtimeMs: e.mtimeMs,
    ino: e.ino,
    ctimeMs: e.ctimeMs,
    statAtMs: e.statAtMs,
    secretAt: e.secretAt,
  };
}

/** The git blob id of in-memory content (a small file read whole, the prepared README). */
export function gitBlobOid(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The SHA-256 of in-memory content, hex. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
