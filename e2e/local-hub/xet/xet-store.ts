import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredChunk } from './format';

/** What the CAS knows of one verified xorb: where each chunk sits in the serialized bytes, and its hash. */
export interface XorbIndex {
  /** Bytes of the serialized xorb as uploaded (footer included, when there was one). */
  size: number;
  chunks: StoredChunk[];
}

export interface FileTerm {
  xorb: string;
  chunkStart: number;
  chunkEnd: number;
  unpackedBytes: number;
}

/** A verified file reconstruction (file-reconstruction.md): the terms, its size and SHA-256. */
export interface FileRecord {
  fileHash: string;
  size: number;
  sha256: string;
  terms: FileTerm[];
}

async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, JSON.stringify(value));
  await rename(temporary, path);
}

const fanOut = (dir: string, hash: string) => join(dir, hash.slice(0, 2), hash);

/**
 * The CAS side of the data dir, content-addressed like the LFS store:
 * `xet/xorbs/ab/<xorb hash>` (the xorb as uploaded, after its hash was verified) and `….json` (its chunk index),
 * `xet/files/ab/<file hash>.json` (verified reconstructions), `xet/sha256/ab/<sha256>` (the file hash of an
 * LFS object whose content arrived through Xet). The SHA-256 map and the chunk → xorb map for global dedup are
 * loaded at start; indexes are read on demand and kept.
 */
export class XetStore {
  private readonly xorbDir: string;
  private readonly fileDir: string;
  private readonly shaDir: string;
  private readonly xorbIndexes = new Map<string, XorbIndex>();
  private readonly fileRecords = new Map<string, FileRecord>();
  private readonly fileHashBySha256 = new Map<string, string>();
  private readonly xorbByChunk = new Map<string, string>();
  /** Xorb → the files whose reconstruction uses it: global dedup answers with their other xorbs too. */
  private readonly filesUsingXorb = new Map<string, Set<string>>();

  private constructor(dataDir: string) {
    this.xorbDir = join(dataDir, 'xet', 'xorbs');
    this.fileDir = join(dataDir, 'xet', 'files');
    this.shaDir = join(dataDir, 'xet', 'sha256');
  }

  static async open(dataDir: string): Promise<XetStore> {
    const store = new XetStore(dataDir);
    for (const dir of [store.xorbDir, store.fileDir, store.shaDir]) await mkdir(dir, { recursive: true });
    for (const fan of await readdir(store.shaDir)) {
      for (const sha256 of await readdir(join(store.shaDir, fan))) {
        if (sha256.endsWith('.tmp')) continue;
        store.fileHashBySha256.set(sha256, (await readFile(join(store.shaDir, fan, sha256), 'utf8')).trim());
      }
    }
    for (const fan of await readdir(store.fileDir)) {
      for (const name of await readdir(join(store.fileDir, fan))) {
        if (!name.endsWith('.json')) continue;
        const record = await store.fileRecord(name.slice(0, -'.json'.length));
        if (record) store.noteFileXorbs(record);
      }
    }
    for (const fan of await readdir(store.xorbDir)) {
      for (const name of await readdir(join(store.xorbDir, fan))) {
        if (!name.endsWith('.json')) continue;
        const hash = name.slice(0, -'.json'.length);
        const index = await store.xorbIndex(hash);
        for (const chunk of index?.chunks ?? []) store.xorbByChunk.set(chunk.hash, hash);
      }
    }
    return store;
  }

  xorbPath(hash: string): string {
    return fanOut(this.xorbDir, hash);
  }

  async xorbIndex(hash: string): Promise<XorbIndex | undefined> {
    const cached = this.xorbIndexes.get(hash);
    if (cached) return cached;
    try {
      const index = JSON.parse(await readFile(`${this.xorbPath(hash)}.json`, 'utf8')) as XorbIndex;
      this.xorbIndexes.set(hash, index);
      return index;
    } catch {
      return undefined;
    }
  }

  /** Moves a verified xorb into place; its index is written last, so an index always means the bytes are there. */
  async adoptXorb(temporaryPath: string, hash: string, index: XorbIndex): Promise<void> {
    const target = this.xorbPath(hash);
    await mkdir(join(this.xorbDir, hash.slice(0, 2)), { recursive: true });
    await rename(temporaryPath, target);
    await writeJsonAtomically(`${target}.json`, index);
    this.xorbIndexes.set(hash, index);
    for (const chunk of index.chunks) this.xorbByChunk.set(chunk.hash, hash);
  }

  xorbHolding(chunkHash: string): string | undefined {
    return this.xorbByChunk.get(chunkHash);
  }

  async fileRecord(fileHash: string): Promise<FileRecord | undefined> {
    const cached = this.fileRecords.get(fileHash);
    if (cached) return cached;
    try {
      const record = JSON.parse(
        await readFile(`${fanOut(this.fileDir, fileHash)}.json`, 'utf8'),
      ) as FileRecord;
      this.fileRecords.set(fileHash, record);
      return record;
    } catch {
      return undefined;
    }
  }

  private noteFileXorbs(record: FileRecord): void {
    for (const term of record.terms) {
      let files = this.filesUsingXorb.get(term.xorb);
      if (!files) this.filesUsingXorb.set(term.xorb, (files = new Set()));
      files.add(record.fileHash);
    }
  }

  /**
   * The xorbs a global dedup answer carries for a chunk in `xorb`: that one first, then the other xorbs of the
   * files registered with it, in file order. The Hub answers with the shard that registered the chunk, whose other
   * xorbs "are possibly more likely to reference content that the client has" (shard.md); the files registered
   * with a xorb are what this server keeps of those shards. At most `limit` xorbs.
   */
  async xorbsNear(xorb: string, limit: number): Promise<string[]> {
    const found = [xorb];
    const seen = new Set(found);
    for (const fileHash of this.filesUsingXorb.get(xorb) ?? []) {
      const record = await this.fileRecord(fileHash);
      for (const term of record?.terms ?? []) {
        if (found.length >= limit) return found;
        if (!seen.has(term.xorb)) {
          seen.add(term.xorb);
          found.push(term.xorb);
        }
      }
    }
    return found;
  }

  async saveFileRecord(record: FileRecord): Promise<void> {
    await mkdir(join(this.fileDir, record.fileHash.slice(0, 2)), { recursive: true });
    await writeJsonAtomically(`${fanOut(this.fileDir, record.fileHash)}.json`, record);
    this.fileRecords.set(record.fileHash, record);
    this.noteFileXorbs(record);
    const shaPath = fanOut(this.shaDir, record.sha256);
    if (!existsSync(shaPath)) {
      await mkdir(join(this.shaDir, record.sha256.slice(0, 2)), { recursive: true });
      const temporary = `${shaPath}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, record.fileHash);
      await rename(temporary, shaPath);
    }
    if (!this.fileHashBySha256.has(record.sha256)) this.fileHashBySha256.set(record.sha256, record.fileHash);
  }

  /** The Xet file hash of an LFS object, when its content is known to the CAS. */
  xetHashOf(sha256: string): string | undefined {
    return this.fileHashBySha256.get(sha256);
  }

  async xorbSize(hash: string): Promise<number | undefined> {
    try {
      return (await stat(this.xorbPath(hash))).size;
    } catch {
      return undefined;
    }
  }
}
