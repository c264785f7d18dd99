/**
 * Reads what a safetensors file holds from its header alone: 8 bytes of little-endian header length, then
 * the JSON header. The tensor data is never read, so a 10 GB shard costs two small reads.
 */
import { withFile } from './fsx';

/** Bytes per element for every dtype the safetensors format defines. */
const DTYPE_BITS: Record<string, number> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  I64: 64,
  U64: 64,
  F64: 64,
};

/** The format's own limit (safetensors refuses larger headers), which also bounds what we allocate. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsSummary {
  parameters: number;
  dtypes: string[];
  /** Sum of the tensors' data sizes: what an index's `total_size` counts. */
  dataBytes: number;
  tensors: string[];
}

export class CorruptSafetensorsError extends Error {
  override name = 'CorruptSafetensorsError';
}

export async function readSafetensorsHeader(file: string, fileSize: number): Promise<SafetensorsSummary> {
  if (fileSize < 8)
    throw new CorruptSafetensorsError(`is ${fileSize} bytes, too short for a safetensors header`);
  const { headerText, headerBytes } = await withFile(file, async (read) => {
    const prefix = await read(8, 0);
    if (prefix.length < 8) throw new CorruptSafetensorsError('ends inside the header length');
    const declared = prefix.readBigUInt64LE(0);
    if (declared > BigInt(fileSize - 8) || declared > BigInt(MAX_HEADER_BYTES)) {
      throw new CorruptSafetensorsError(
        `declares a ${declared}-byte header but the file is ${fileSize} bytes`,
      );
    }
    const length = Number(declared);
    const body = await read(length, 8);
    if (body.length < length) throw new CorruptSafetensorsError('ends inside the header');
    return { headerText: body.toString('utf8'), headerBytes: length };
  });
  return summarise(headerText, fileSize - 8 - headerBytes);
}

function summarise(text: string, dataSize: number): SafetensorsSummary {
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    throw new CorruptSafetensorsError('has a header that is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CorruptSafetensorsError('has a header that is not a JSON object');
  }
  let parameters = 0;
  let end = 0;
  const dtypes = new Set<string>();
  const tensors: string[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const t = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const bits = typeof t.dtype === 'string' ? DTYPE_BITS[t.dtype] : undefined;
    if (
      typeof t !== 'object' ||
      t === null ||
      bits === undefined ||
      !Array.isArray(t.shape) ||
      !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      !Array.isArray(t.data_offsets) ||
      t.data_offsets.length !== 2 ||
      !t.data_offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      throw new CorruptSafetensorsError(`has a malformed entry for tensor "${name}"`);
    }
    const [begin, stop] = t.data_offsets as [number, number];
    const count = (t.shape as number[]).reduce((a, b) => a * b, 1);
    if (stop < begin || stop - begin !== Math.ceil((count * bits) / 8)) {
      throw new CorruptSafetensorsError(`has inconsistent offsets for tensor "${name}"`);
    }
    parameters += count;
    end = Math.max(end, stop);
    dtypes.add(t.dtype as string);
    tensors.push(name);
  }
  if (end > dataSize) {
    throw new CorruptSafetensorsError(
      `is truncated: its header needs ${end} bytes of data but only ${dataSize} follow`,
    );
  }
  return { parameters, dtypes: [...dtypes].sort(), dataBytes: end, tensors };
}
