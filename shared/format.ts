/**
 * Score formatting shared by the model card, the UI and the CLI.
 *
 * Scores must read exactly as Python's `format(x, '.3f')` writes them, because users compare the card with
 * their evaluation logs. Python rounds the exact binary value of the double, ties to even; `toFixed` rounds
 * exact ties away from zero (0.0625 → "0.063" where Python says "0.062"), so the digits are computed here with
 * exact integer arithmetic on the double's mantissa and exponent.
 */

const DECIMALS = 3;
const SCALE = 10n ** BigInt(DECIMALS);

// Shared scratch buffers: reading a double's bits through a typed-array view is exact and allocation-free.
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** `format(x, '.3f')` as Python writes it: "0.062" for 0.0625, "-0.000" for -0.0, "nan", "inf", "-inf". */
export function formatScore(x: number): string {
  return formatFixed(x, DECIMALS);
}

/** Python's `format(x, '.Nf')` for any number of decimals (0–20). */
export function formatFixed(x: number, decimals: number): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20) {
    throw new RangeError(`decimals must be an integer from 0 to 20, got ${decimals}`);
  }
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';

  f64[0] = x;
  const bits = u64[0] ?? 0n;
  // Python keeps the sign of negative zero and of negatives that round to zero ("-0.000").
  const negative = bits >> 63n === 1n;
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biasedExponent === 0 ? fraction : fraction | (1n << 52n);
  const exponent = biasedExponent === 0 ? -1074 : biasedExponent - 1075;

  const scale = decimals === DECIMALS ? SCALE : 10n ** BigInt(decimals);
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * scale;
  } else {
    // |x| * 10^decimals = mantissa * scale / 2^-exponent, rounded half to even.
    const numerator = mantissa * scale;
    const shift = BigInt(-exponent);
    const denominator = 1n << shift;
    const quotient = numerator >> shift;
    const twiceRemainder = (numerator - (quotient << shift)) << 1n;
    const roundUp = twiceRemainder > denominator || (twiceRemainder === denominator && (quotient & 1n) === 1n);
    scaled = roundUp ? quotient + 1n : quotient;
  }

  let digits = scaled.toString();
  if (decimals > 0) {
    digits = digits.padStart(decimals + 1, '0');
    digits = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  }
  return negative ? `-${digits}` : digits;
}
