import { describe, expect, it } from 'vitest';
import { formatFixed, formatScore } from './format';

// Expected strings were produced by python3: print(format(v, '.3f')) for each v (see format-python.test.ts
// for the live comparison). The k/16 values are exact binary ties at the third decimal; their neighbours
// (math.nextafter) are one ulp away and must round away from the tie.
const PYTHON_TABLE: [number, string][] = [
  [0.0, '0.000'],
  [-0.0, '-0.000'],
  [0.0625, '0.062'],
  [0.4375, '0.438'],
  [0.0005, '0.001'],
  [0.0015, '0.002'],
  [0.0025, '0.003'],
  [0.0035, '0.004'],
  [0.1235, '0.123'],
  [0.5, '0.500'],
  [1.0005, '1.000'],
  [0.9995, '1.000'],
  [0.9996, '1.000'],
  [0.12345, '0.123'],
  [2.675, '2.675'],
  [-0.0625, '-0.062'],
  [-0.0001, '-0.000'],
  [-0.0005, '-0.001'],
  [0.3333333333333333, '0.333'],
  [0.6666666666666666, '0.667'],
  [0.125, '0.125'],
  [0.375, '0.375'],
  [0.8125, '0.812'],
  [0.9375, '0.938'],
  [0.3125, '0.312'],
  [0.1875, '0.188'],
  [0.6875, '0.688'],
  [123456.0625, '123456.062'],
  [1e-320, '0.000'],
  [5e-324, '0.000'],
  [1e+300, '1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.000'],
  [-1e+22, '-10000000000000000000000.000'],
  [0.001, '0.001'],
  [0.999, '0.999'],
  [0.9999, '1.000'],
  [0.0004999999999999999, '0.000'],
  [0.00045, '0.000'],
  [0.2345, '0.234'],
  [0.0125, '0.013'],
  [-0.4375, '-0.438'],
  [0.06250000000000001, '0.063'],
  [0.06249999999999999, '0.062'],
  [0.43750000000000006, '0.438'],
  [0.43749999999999994, '0.437'],
  [0.18750000000000003, '0.188'],
  [0.18749999999999997, '0.187'],
  [0.8125000000000001, '0.813'],
  [0.8124999999999999, '0.812'],
  [0.31250000000000006, '0.313'],
  [0.31249999999999994, '0.312'],
  [0.9375000000000001, '0.938'],
  [0.9374999999999999, '0.937'],
  [0.5625000000000001, '0.563'],
  [0.5624999999999999, '0.562'],
  [0.6875000000000001, '0.688'],
  [0.6874999999999999, '0.687'],
];

describe('formatScore', () => {
  it.each(PYTHON_TABLE)('formats %s as Python does (%s)', (value, expected) => {
    expect(formatScore(value)).toBe(expected);
  });

  it('rounds exact ties to even where toFixed rounds them up', () => {
    // n/16 with odd n has four decimals ending in 25 or 75: an exact tie at three decimals.
    for (let n = 1; n < 160; n += 2) {
      const value = n / 16;
      const thousandths = n * 62.5; // exact: value * 1000
      const floor = Math.floor(thousandths);
      const even = floor % 2 === 0 ? floor : floor + 1;
      const expected = (even / 1000).toFixed(3);
      expect(formatScore(value)).toBe(expected);
    }
    expect((0.0625).toFixed(3)).toBe('0.063'); // the behaviour we must not copy
  });

  it('keeps the sign of negative zero and of negatives that round to zero', () => {
    expect(formatScore(-0)).toBe('-0.000');
    expect(formatScore(-1e-9)).toBe('-0.000');
    expect(formatScore(1e-9)).toBe('0.000');
  });

  it('writes non-finite values as Python does', () => {
    expect(formatScore(Number.NaN)).toBe('nan');
    expect(formatScore(Infinity)).toBe('inf');
    expect(formatScore(-Infinity)).toBe('-inf');
  });

  it('writes every digit of large values instead of exponent notation', () => {
    expect(formatScore(1e21)).toBe('1000000000000000000000.000');
    expect(formatScore(2 ** 70)).toBe(`${(2n ** 70n).toString()}.000`);
  });

  it('supports other precisions', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(3.5, 0)).toBe('4');
    expect(() => formatFixed(1, -1)).toThrow(RangeError);
  });
});
