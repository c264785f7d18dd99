import { XetFormatError, hashBytesToHex, hexToHashBytes } from './format';

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
  if (at !== end) throw new XetFormatError(`${end - at} unexpected bytes after the CAS info section`);
  return { files, xorbs, hadFooter: footerSize !== 0 };
}

function bookend(): Buffer {
  const entry = Buffer.alloc(entryBytes);
  entry.fill(0xff, 0, 32);
  return entry;
}

/**
 * A shard answering a global dedup query (shard.md, "Global Deduplication"): no files, the CAS info of the
 * xorbs that hold the chunk, and a footer whose HMAC key is zero, which means the chunk hashes are given as is.
 */
export function writeDedupShard(xorbs: ShardXorb[], expiresAt: number): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(headerBytes);
  headerTag.copy(header, 0);
  header.writeBigUInt64LE(2n, 32);
  header.writeBigUInt64LE(BigInt(footerBytes), 40);
  parts.push(header, bookend());
  const casInfoOffset = headerBytes + entryBytes;
  for (const xorb of xorbs) {
    const casHeader = Buffer.alloc(entryBytes);
    Buffer.from(hexToHashBytes(xorb.hash)).copy(casHeader, 0);
    casHeader.writeUInt32LE(xorb.chunks.length, 36);
    casHeader.writeUInt32LE(xorb.rawBytes, 40);
    casHeader.writeUInt32LE(xorb.bytesOnDisk, 44);
    parts.push(casHeader);
    for (const chunk of xorb.chunks) {
      const entry = Buffer.alloc(entryBytes);
      Buffer.from(hexToHashBytes(chunk.hash)).copy(entry, 0);
      entry.writeUInt32LE(chunk.byteStart, 32);
      entry.writeUInt32LE(chunk.length, 36);
      parts.push(entry);
    }
  }
  parts.push(bookend());
  const footerOffset = parts.reduce((sum, part) => sum + part.length, 0);
  const footer = Buffer.alloc(footerBytes);
  footer.writeBigUInt64LE(1n, 0);
  footer.writeBigUInt64LE(BigInt(headerBytes), 8);
  footer.writeBigUInt64LE(BigInt(casInfoOffset), 16);
  footer.writeBigUInt64LE(BigInt(Math.floor(Date.now() / 1000)), 104);
  footer.writeBigUInt64LE(BigInt(expiresAt), 112);
  footer.writeBigUInt64LE(BigInt(footerOffset), 192);
  parts.push(footer);
  return Buffer.concat(parts);
}
