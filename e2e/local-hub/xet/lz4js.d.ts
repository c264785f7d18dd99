/** The part of lz4js (0.2.0, untyped) the CAS uses: LZ4 frame decoding, as `@huggingface/hub` does for xorb chunks. */
declare module 'lz4js' {
  /** Decodes a whole LZ4 frame; `maxSize` sizes the output buffer. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Encodes `src` as one LZ4 frame. */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
}
