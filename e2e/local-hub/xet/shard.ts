import { XetFormatError, hashBytesToHex, hexToHashBytes, keyedChunkHashOf } from './format';

/** The MDB shard format of hub-docs `docs/xet/shard.md`: header, file info section, CAS info section, optional footer. */

/** shard.md, MDB_SHARD_HEADER_TAG (xet-core `shard_format.rs`). */
const headerTag = Buffer.from([
  72, 70, 82, 101, 112, 111, 77, 101, 116, 97, 68, 97, 116, 97, 0, 85, 105, 103, 69, 106, 123, 129, 87, 131,
  165, 189, 217, 92, 205, 209, 74, 169,
]);
const headerBytes = 48;
const entryBytes = 48;
const footerBytes = 200;
const withVerification = 0x80000000;
const withMetadataExt = 0x40000000;

export interface ShardTerm {
  xorb: string;
  unpackedBytes: number;
  chunkStart: number;
  chunkEnd: number;
  /** FileVerificationEntry.range_hash, when the file has verification entries. */
  verification?: string;
}

export interface ShardFile {
  fileHash: string;
  terms: ShardTerm[];
  /** FileMetadataExt.sha256 as the usual hex digest (the clients write it in the hash byte order, like every hash). */
  sha256?: string;
}

export interface ShardXorb {
  hash: string;
  chunks: { hash: string; byteStart: number; length: number }[];
  rawBytes: number;
  bytesOnDisk: number;
}

export interface ParsedShard {
  files: ShardFile[];
  xorbs: ShardXorb[];
  hadFooter: boolean;
}

function isBookend(entry: Buffer): boolean {
  for (let i = 0; i < 32; i++) if (entry[i] !== 0xff) return false;
  return true;
}

/** Parses a shard as clients upload it: JS 2.17.5 keeps the 200-byte footer, the spec and the Rust client omit it. */
export function parseShard(data: Buffer): ParsedShard {
  if (data.length < headerBytes + 2 * entryBytes)
    throw new XetFormatError(`A shard is at least 144 bytes, this one is ${data.length}`);
  if (!data.subarray(0, 32).equals(headerTag))
    throw new XetFormatError('Not a shard: the header tag does not match');
  const version = data.readBigUInt64LE(32);
  if (version !== 2n)
    throw new XetFormatError(`Shard header version ${version} is not supported (expected 2)`);
  const footerSize = Number(data.readBigUInt64LE(40));
  if (footerSize !== 0 && footerSize !== footerBytes)
    throw new XetFormatError(`Shard footer size ${footerSize} is neither 0 nor ${footerBytes}`);
  const end = data.length - footerSize;
  let at = headerBytes;
  const take = (what: string): Buffer => {
    if (at + entryBytes > end) throw new XetFormatError(`The shard ends inside ${what}`);
    const entry = data.subarray(at, at + entryBytes);
    at += entryBytes;
    return entry;
  };
  const files: ShardFile[] = [];
  for (;;) {
    const header = take('the file info section');
    if (isBookend(header)) break;
    const fileHash = hashBytesToHex(header.subarray(0, 32));
    const flags = header.readUInt32LE(32);
    const count = header.readUInt32LE(36);
    const terms: ShardTerm[] = [];
    for (let i = 0; i < count; i++) {
      const entry = take(`the terms of file ${fileHash}`);
      terms.push({
        xorb: hashBytesToHex(entry.subarray(0, 32)),
        unpackedBytes: entry.readUInt32LE(36),
        chunkStart: entry.readUInt32LE(40),
        chunkEnd: entry.readUInt32LE(44),
      });
    }
    if (flags & withVerification) {
      for (const term of terms)
        term.verification = hashBytesToHex(
          take(`the verification entries of file ${fileHash}`).subarray(0, 32),
        );
    }
    const file: ShardFile = { fileHash, terms };
    if (flags & withMetadataExt)
      file.sha256 = hashBytesToHex(take(`the metadata of file ${fileHash}`).subarray(0, 32));
    files.push(file);
  }
  const xorbs: ShardXorb[] = [];
  for (;;) {
    const header = take('the CAS info section');
    if (isBookend(header)) break;
    const xorb: ShardXorb = {
      hash: hashBytesToHex(header.subarray(0, 32)),
      chunks: [],
      rawBytes: header.readUInt32LE(40),
      bytesOnDisk: header.readUInt32LE(44),
    };
    const count = header.readUInt32LE(36);
    for (let i = 0; i < count; i++) {
      const entry = take(`the chunks of xorb ${xorb.hash}`);
      xorb.chunks.push({
        hash: hashBytesToHex(entry.subarray(0, 32)),
        byteStart: entry.readUInt32LE(32),
        length: entry.readUInt32LE(36),
      });
    }
    xorbs.push(xorb);
  }
  // With a footer, xet-core's lookup tables may sit between the CAS info section and the footer.
  if (footerSize === 0 && at !== end)
    throw new XetFormatError(`${end - at} unexpected bytes after the CAS info section`);
  return { files, xorbs, hadFooter: footerSize !== 0 };
}

function bookend(): Buffer {
  const entry = Buffer.alloc(entryBytes);
  entry.fill(0xff, 0, 32);
  return entry;
}

/**
 * A shard answering a global dedup query (shard.md, "Global Deduplication"): no files, the CAS info of the
 * xorbs that hold the chunk, their chunk hashes keyed with `hmacKey` as the Hub sends them (clients match
 * HMAC(their chunk hash, key); `@huggingface/hub` does so even for a zero key), and a footer. The footer's
 * reserved bytes are, in xet-core's `MDBShardFileFooter`, the offsets and sizes of lookup tables: the JS client
 * reads the CAS info section up to `file_lookup_offset`, the Rust client finds chunks through the chunk lookup,
 * so both tables are written (entries keyed by the first 8 bytes of a hash, little-endian, sorted).
 */
export function writeDedupShard(xorbs: ShardXorb[], expiresAt: number, hmacKey: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(headerBytes);
  headerTag.copy(header, 0);
  header.writeBigUInt64LE(2n, 32);
  header.writeBigUInt64LE(BigInt(footerBytes), 40);
  parts.push(header, bookend());
  const casInfoOffset = headerBytes + entryBytes;
  const xorbLookup: [bigint, number][] = [];
  const chunkLookup: [bigint, number, number][] = [];
  let entryIndex = 0;
  for (const xorb of xorbs) {
    const casHeader = Buffer.alloc(entryBytes);
    Buffer.from(hexToHashBytes(xorb.hash)).copy(casHeader, 0);
    casHeader.writeUInt32LE(xorb.chunks.length, 36);
    casHeader.writeUInt32LE(xorb.rawBytes, 40);
    casHeader.writeUInt32LE(xorb.bytesOnDisk, 44);
    parts.push(casHeader);
    xorbLookup.push([casHeader.readBigUInt64LE(0), entryIndex]);
    for (const [index, chunk] of xorb.chunks.entries()) {
      const entry = Buffer.alloc(entryBytes);
      Buffer.from(hexToHashBytes(keyedChunkHashOf(chunk.hash, hmacKey))).copy(entry, 0);
      entry.writeUInt32LE(chunk.byteStart, 32);
      entry.writeUInt32LE(chunk.length, 36);
      parts.push(entry);
      chunkLookup.push([entry.readBigUInt64LE(0), entryIndex, index]);
    }
    entryIndex += 1 + xorb.chunks.length;
  }
  parts.push(bookend());
  const lookupOffset = parts.reduce((sum, part) => sum + part.length, 0);
  const byKey = (a: [bigint, ...number[]], b: [bigint, ...number[]]) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
  const xorbTable = Buffer.alloc(12 * xorbLookup.length);
  xorbLookup.sort(byKey).forEach(([key, at], i) => {
    xorbTable.writeBigUInt64LE(key, i * 12);
    xorbTable.writeUInt32LE(at, i * 12 + 8);
  });
  const chunkTable = Buffer.alloc(16 * chunkLookup.length);
  chunkLookup.sort(byKey).forEach(([key, at, index], i) => {
    chunkTable.writeBigUInt64LE(key, i * 16);
    chunkTable.writeUInt32LE(at, i * 16 + 8);
    chunkTable.writeUInt32LE(index, i * 16 + 12);
  });
  parts.push(xorbTable, chunkTable);
  const footerOffset = lookupOffset + xorbTable.length + chunkTable.length;
  const footer = Buffer.alloc(footerBytes);
  const u64 = (at: number, value: number | bigint) => footer.writeBigUInt64LE(BigInt(value), at);
  u64(0, 1);
  u64(8, headerBytes); // file_info_offset
  u64(16, casInfoOffset); // xorb_info_offset
  u64(24, lookupOffset); // file_lookup_offset (no files)
  u64(32, 0);
  u64(40, lookupOffset); // xorb_lookup_offset
  u64(48, xorbLookup.length);
  u64(56, lookupOffset + xorbTable.length); // chunk_lookup_offset
  u64(64, chunkLookup.length);
  Buffer.from(hmacKey).copy(footer, 72);
  u64(104, Math.floor(Date.now() / 1000));
  u64(112, expiresAt);
  const stored = xorbs.reduce((sum, x) => sum + x.rawBytes, 0);
  u64(
    168,
    xorbs.reduce((sum, x) => sum + x.bytesOnDisk, 0),
  ); // stored_bytes_on_disk
  u64(176, stored); // materialized_bytes
  u64(184, stored); // stored_bytes
  u64(192, footerOffset);
  parts.push(footer);
  return Buffer.concat(parts);
}
