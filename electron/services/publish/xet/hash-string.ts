/**
 * Xet hashes as strings (hub-docs `docs/xet/api.md`, "Converting Hashes to Strings"): the 32 bytes are four
 * little-endian 64-bit words, each written as 16 hex digits, so every 8-byte group reads reversed. The same
 * conversion as `@huggingface/xetchunk-wasm`'s `hashToHex`/`hexToBytes`, in a module of its own so the
 * chunk store (made by every session) does not load the chunker and BLAKE3 code a Xet upload needs.
 */
const GROUP = 8;

export function toHex(bytes: Uint8Array): string {
  const reversed = Buffer.allocUnsafe(bytes.length);
  for (let group = 0; group < bytes.length; group += GROUP) {
    for (let i = 0; i < GROUP; i++) reversed[group + i] = bytes[group + GROUP - 1 - i]!;
  }
  return reversed.toString('hex');
}

export function toBytes(hex: string): Uint8Array {
  const given = Buffer.from(hex, 'hex');
  if (given.length !== 32 || hex.length !== 64) throw new Error(`Not a Xet hash: "${hex.slice(0, 80)}"`);
  const bytes = new Uint8Array(32);
  for (let group = 0; group < 32; group += GROUP) {
    for (let i = 0; i < GROUP; i++) bytes[group + i] = given[group + GROUP - 1 - i]!;
  }
  return bytes;
}
